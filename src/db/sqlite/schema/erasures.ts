/**
 * Erasure records and suppressions. `suppressions` holds the keyed hashes of an erased
 * person's linkage keys (never the identifiers), so a later ingest of them is refused;
 * `erasures` marks the subject whose consent history may then be deleted, and keeps its id so
 * the shredded vault row is still found by pseudonym.
 */
import { sqliteTable, text, integer, index } from 'drizzle-orm/sqlite-core';

export const suppressions = sqliteTable('suppressions', {
  keyHash: text('key_hash').primaryKey(),
  createdAt: integer('created_at').notNull(),
});

export const erasures = sqliteTable(
  'erasures',
  {
    pseudonym: text('pseudonym').primaryKey(),
    subjectId: integer('subject_id'),
    erasedAt: integer('erased_at').notNull(),
    /** JSON receipt of what was removed (counts only). */
    receipt: text('receipt').notNull(),
  },
  (t) => [index('erasures_subject').on(t.subjectId)],
);
