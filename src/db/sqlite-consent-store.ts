// SQLite consent registry: append-only history plus the derived per-purpose state.
import type Database from 'better-sqlite3';
import type { ConsentRecord, ConsentRecordInput, ConsentStore } from '../consent/consent-store.ts';
import type { ConsentStateRow } from '../consent/coverage.ts';

export function sqliteConsentStore(sqlite: Database.Database): ConsentStore {
  const insert = sqlite.prepare(
    `INSERT INTO consent_records (pseudonym, purpose, status, legal_basis, source, collected_at, expires_at, notice_version, recorded_at, recorded_by)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  // Newest by collection time wins; a record collected at the same instant wins by arrival.
  const moveState = sqlite.prepare(
    `INSERT INTO consent_state (pseudonym, purpose, status, legal_basis, collected_at, expires_at, record_id)
     VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT(pseudonym, purpose) DO UPDATE SET status = excluded.status, legal_basis = excluded.legal_basis,
       collected_at = excluded.collected_at, expires_at = excluded.expires_at, record_id = excluded.record_id
     WHERE excluded.collected_at >= consent_state.collected_at`);
  const state = sqlite.prepare<[string, string], ConsentStateRow>(
    `SELECT status, legal_basis AS legalBasis, collected_at AS collectedAt, expires_at AS expiresAt
     FROM consent_state WHERE pseudonym = ? AND purpose = ?`);
  const history = sqlite.prepare<[string], ConsentRecord>(
    `SELECT id, pseudonym, purpose, status, legal_basis AS legalBasis, source, collected_at AS collectedAt, expires_at AS expiresAt,
            notice_version AS noticeVersion, recorded_at AS recordedAt, recorded_by AS recordedBy
     FROM consent_records WHERE pseudonym = ? ORDER BY collected_at, id`);
  return {
    // Positional parameters: ingest appends three records per new customer (named ones cost more).
    append: (r: ConsentRecordInput) => {
      const id = Number(insert.run(r.pseudonym, r.purpose, r.status, r.legalBasis, r.source, r.collectedAt, r.expiresAt, r.noticeVersion, r.recordedAt, r.recordedBy).lastInsertRowid);
      moveState.run(r.pseudonym, r.purpose, r.status, r.legalBasis, r.collectedAt, r.expiresAt, id);
      return id;
    },
    state: (p, purpose) => state.get(p, purpose),
    history: (p) => history.all(p),
  };
}
