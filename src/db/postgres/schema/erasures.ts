/**
 * Erasure records and suppressions. `suppressions` holds keyed hashes of an erased person's
 * linkage keys (never the identifiers); `erasures` marks the subject whose consent history may
 * then be deleted and keeps its id, so the shredded vault row is still found by pseudonym.
 */
import { pgTable, text, index, bigint } from 'drizzle-orm/pg-core';
import { epochMs, id } from './columns.ts';

export const suppressions = pgTable('suppressions', {
  keyHash: text('key_hash').primaryKey(),
  createdAt: epochMs('created_at').notNull(),
});

export const erasures = pgTable(
  'erasures',
  {
    pseudonym: text('pseudonym').primaryKey(),
    /** Order of erasures (runs in flight compare against it). */
    seq: bigint('seq', { mode: 'number' }).notNull().generatedAlwaysAsIdentity(),
    subjectId: id('subject_id'),
    erasedAt: epochMs('erased_at').notNull(),
    /** JSON receipt of what was removed (counts only). */
    receipt: text('receipt').notNull(),
  },
  (t) => [index('erasures_subject').on(t.subjectId)],
);
