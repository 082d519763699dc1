/**
 * Linkage index: keyed hash of a linkage or lookup key (email, source + customer id, phone)
 * -> pseudonym. Invariant: hashes only (HMAC under the pseudonymization key), never the key.
 * No foreign key and no index on pseudonym: this is the hottest insert of ingest, and erasure
 * removes a subject's links by recomputing their hashes from the vault record.
 * WITHOUT ROWID (migration 0002): one B-tree per random-key insert instead of two.
 */
import { sqliteTable, text, integer } from 'drizzle-orm/sqlite-core';

export const subjectLinks = sqliteTable('subject_links', {
  keyHash: text('key_hash').primaryKey(),
  kind: text('kind', { enum: ['email', 'customer_id', 'phone'] }).notNull(),
  pseudonym: text('pseudonym').notNull(),
  createdAt: integer('created_at').notNull(),
});
