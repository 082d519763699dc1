// SQLite consent registry: append-only history plus the derived per-purpose state.
import type Database from 'better-sqlite3';
import type { ConsentRecord, ConsentRecordInput, ConsentStore } from '../consent/consent-store.ts';
import type { ConsentStateRow } from '../consent/coverage.ts';

export function sqliteConsentStore(sqlite: Database.Database): ConsentStore {
  const insert = sqlite.prepare(
    `INSERT INTO consent_records (pseudonym, purpose, status, legal_basis, source, collected_at, expires_at, notice_version, recorded_at, recorded_by)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  // Newest by collection time wins. At the same instant a later arrival wins, except a grant over
  // a refusal: a subject's withdrawal or objection stands until a grant collected after it.
  const moveState = sqlite.prepare(
    `INSERT INTO consent_state (pseudonym, purpose, status, legal_basis, collected_at, expires_at, record_id)
     VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT(pseudonym, purpose) DO UPDATE SET status = excluded.status, legal_basis = excluded.legal_basis,
       collected_at = excluded.collected_at, expires_at = excluded.expires_at, record_id = excluded.record_id
     WHERE excluded.collected_at > consent_state.collected_at
        OR (excluded.collected_at = consent_state.collected_at AND NOT (excluded.status = 'granted' AND consent_state.status <> 'granted'))`);
  const state = sqlite.prepare<[string, string], ConsentStateRow>(
    `SELECT status, legal_basis AS legalBasis, collected_at AS collectedAt, expires_at AS expiresAt
     FROM consent_state WHERE pseudonym = ? AND purpose = ?`);
  const history = sqlite.prepare<[string], ConsentRecord>(
    `SELECT id, pseudonym, purpose, status, legal_basis AS legalBasis, source, collected_at AS collectedAt, expires_at AS expiresAt,
            notice_version AS noticeVersion, recorded_at AS recordedAt, recorded_by AS recordedBy
     FROM consent_records WHERE pseudonym = ? ORDER BY collected_at, id`);
  const has = sqlite.prepare<[string, string, string, string, number], { n: number }>(
    'SELECT 1 AS n FROM consent_records WHERE pseudonym = ? AND purpose = ? AND status = ? AND source = ? AND collected_at = ? LIMIT 1');
  return {
    // Positional parameters: ingest appends a record per consent flag of a new customer (named ones cost more).
    append: (r: ConsentRecordInput) => {
      const id = Number(insert.run(r.pseudonym, r.purpose, r.status, r.legalBasis, r.source, r.collectedAt, r.expiresAt, r.noticeVersion, r.recordedAt, r.recordedBy).lastInsertRowid);
      const current = moveState.run(r.pseudonym, r.purpose, r.status, r.legalBasis, r.collectedAt, r.expiresAt, id).changes === 1;
      return { id, current };
    },
    state: (p, purpose) => state.get(p, purpose),
    history: (p) => history.all(p),
    has: (r) => has.get(r.pseudonym, r.purpose, r.status, r.source, r.collectedAt) !== undefined,
  };
}
