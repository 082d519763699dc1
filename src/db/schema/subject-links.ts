/**
 * Linkage index: keyed hash of a linkage or lookup key (email, source + customer id, phone)
 * -> pseudonym. Invariant: hashes only (HMAC under the pseudonymization key), never the key.
 */
import { sqliteTable, text, integer, index } from 'drizzle-orm/sqlite-core';
import { subjectFeatures } from './subjects.ts';

export const subjectLinks = sqliteTable('subject_links', {
  keyHash: text('key_hash').primaryKey(),
  kind: text('kind', { enum: ['email', 'customer_id', 'phone'] }).notNull(),
  pseudonym: text('pseudonym').notNull().references(() => subjectFeatures.pseudonym, { onDelete: 'cascade' }),
  createdAt: integer('created_at').notNull(),
}, (t) => [index('subject_links_pseudonym').on(t.pseudonym)]);
