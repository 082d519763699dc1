/**
 * The vault: a subject's direct identifiers and raw quasi-identifiers, AES-256-GCM encrypted under
 * the subject's own data key, wrapped by the master key `key_id`. Keyed by subject id.
 * Hash-partitioned (the migration creates it so): after an erasure only the subject's partition is
 * rewritten (VACUUM FULL), so no dead copy of the wrapped key or ciphertext stays in its pages
 * while the rest of the vault stays available.
 * Invariant: ciphertext only. Destroying `wrapped_key` crypto-shreds the subject.
 */
import { pgTable, text } from 'drizzle-orm/pg-core';
import { bytea, epochMs, id } from './columns.ts';

export const VAULT_PARTITIONS = 16;

export const vault = pgTable('vault', {
  subjectId: id('subject_id').primaryKey(),
  keyId: text('key_id').notNull(),
  wrappedKey: bytea('wrapped_key'),
  ciphertext: bytea('ciphertext'),
  /** Comma-separated field names held (names only: bound into the ciphertext's AAD). */
  fields: text('fields').notNull(),
  /** JSON {field: [source, epoch ms]}: latest source per field. */
  fieldMeta: text('field_meta').notNull(),
  updatedAt: epochMs('updated_at').notNull(),
});
