/**
 * The vault: a subject's direct identifiers and raw quasi-identifiers, AES-256-GCM encrypted
 * under the subject's own data key, itself wrapped by the master key `key_id` (both bound to
 * the pseudonym). Keyed by the subject's sequential id: inserts append.
 * Invariant: ciphertext only. Destroying `wrapped_key` crypto-shreds the subject; the row stays,
 * empty, after its subject row is gone.
 */
import { sqliteTable, text, integer, blob } from 'drizzle-orm/sqlite-core';

export const vault = sqliteTable('vault', {
  subjectId: integer('subject_id').primaryKey(),
  /** Id of the master key that wrapped the data key (rotation). */
  keyId: text('key_id').notNull(),
  wrappedKey: blob('wrapped_key', { mode: 'buffer' }),
  ciphertext: blob('ciphertext', { mode: 'buffer' }),
  /** Comma-separated field names held (names only: bound into the ciphertext's AAD). */
  fields: text('fields').notNull(),
  /** JSON {field: [source, epoch ms]}: latest source per field. */
  fieldMeta: text('field_meta').notNull(),
  updatedAt: integer('updated_at').notNull(),
});
