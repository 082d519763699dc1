/**
 * Linkage index: keyed hash of a linkage or lookup key (email, source + customer id, phone)
 * -> subject. Invariant: hashes only (HMAC under the pseudonymization key), never the key.
 * WITHOUT ROWID: the hottest random-key insert of ingest, one B-tree instead of two. Subject 0
 * is nobody: a phone number sent for two subjects leads to neither.
 */
import { sqliteTable, text, integer, index } from 'drizzle-orm/sqlite-core';

export const subjectLinks = sqliteTable(
  'subject_links',
  {
    keyHash: text('key_hash').primaryKey(),
    kind: text('kind', { enum: ['email', 'customer_id', 'phone'] }).notNull(),
    subjectId: integer('subject_id').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('subject_links_subject').on(t.subjectId)],
);
