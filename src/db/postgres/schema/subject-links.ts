/**
 * Linkage index: keyed hash of a linkage or lookup key -> subject. Invariant: hashes only.
 * Subject 0 is nobody: a phone number sent for two subjects leads to neither.
 */
import { pgTable, text, index } from 'drizzle-orm/pg-core';
import { epochMs, id } from './columns.ts';

export const subjectLinks = pgTable(
  'subject_links',
  {
    keyHash: text('key_hash').primaryKey(),
    kind: text('kind', { enum: ['email', 'customer_id', 'phone'] }).notNull(),
    subjectId: id('subject_id').notNull(),
    createdAt: epochMs('created_at').notNull(),
  },
  (t) => [index('subject_links_subject').on(t.subjectId)],
);
