// Reads one subject's feature row, and one subject's vault row.
import type Database from 'better-sqlite3';
import type { VaultRow } from '../../ingest/ingest-store.ts';
import type { FeatureRow } from '../../subjects/derive-features.ts';
import type { SubjectStore } from '../../subjects/subject-store.ts';
import type { VaultStore } from '../../vault/vault-store.ts';

export function sqliteSubjectStore(sqlite: Database.Database): SubjectStore {
  const one = sqlite.prepare<[string], FeatureRow>(
    `SELECT pseudonym, age, age_band, area, gender, csp, income, channel_preference, tenure_since,
            last_purchase_day, frequency, monetary, n_web, n_store, n_phone, n_app
     FROM subjects WHERE pseudonym = ?`,
  );
  return { features: async (p) => one.get(p) };
}

export function sqliteVaultStore(sqlite: Database.Database): VaultStore {
  // an erased subject's shredded row is found through its erasure record
  const get = sqlite.prepare<[string, string], VaultRow>(
    `SELECT key_id AS keyId, wrapped_key AS wrappedKey, ciphertext, fields, field_meta AS fieldMeta FROM vault
     WHERE subject_id = coalesce((SELECT id FROM subjects WHERE pseudonym = ?), (SELECT subject_id FROM erasures WHERE pseudonym = ?))`,
  );
  return { get: async (p) => get.get(p, p) };
}
