// Reads one subject's feature row, and one subject's vault row.
import type { VaultRow } from '../../ingest/ingest-store.ts';
import type { FeatureRow } from '../../subjects/derive-features.ts';
import type { SubjectStore } from '../../subjects/subject-store.ts';
import type { VaultStore } from '../../vault/vault-store.ts';
import type { Db } from './db.ts';

export function pgSubjectStore(db: Db): SubjectStore {
  return {
    features: (p) =>
      db.one<FeatureRow>(
        `SELECT pseudonym, age, age_band, area, gender, csp, income, channel_preference, tenure_since,
              last_purchase_day, frequency, monetary, n_web, n_store, n_phone, n_app
       FROM subjects WHERE pseudonym = $1`,
        [p],
      ),
  };
}

export function pgVaultStore(db: Db): VaultStore {
  return {
    // an erased subject's shredded row is found through its erasure record
    get: (p) =>
      db.one<VaultRow>(
        `SELECT key_id AS "keyId", wrapped_key AS "wrappedKey", ciphertext, fields, field_meta AS "fieldMeta" FROM vault
       WHERE subject_id = coalesce((SELECT id FROM subjects WHERE pseudonym = $1), (SELECT subject_id FROM erasures WHERE pseudonym = $1))`,
        [p],
      ),
  };
}
