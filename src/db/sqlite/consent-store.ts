// SQLite consent registry: append-only history plus the derived per-purpose state.
import type Database from 'better-sqlite3';
import { recordKey, type ConsentRecord, type ConsentStore } from '../../consent/consent-store.ts';
import type { ConsentStateRow } from '../../consent/coverage.ts';

export function sqliteConsentStore(sqlite: Database.Database): ConsentStore {
  const insert = sqlite.prepare(
    `INSERT INTO consent_records (pseudonym, purpose, status, legal_basis, source, collected_at, expires_at, notice_version, recorded_at, recorded_by)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  // which record decides is the domain's rule (supersedes): the store sets what it is told
  const setState = sqlite.prepare(
    `INSERT INTO consent_state (pseudonym, purpose, status, legal_basis, collected_at, expires_at, record_id)
     VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT(pseudonym, purpose) DO UPDATE SET status = excluded.status, legal_basis = excluded.legal_basis,
       collected_at = excluded.collected_at, expires_at = excluded.expires_at, record_id = excluded.record_id`);
  const state = sqlite.prepare<[string, string], ConsentStateRow>(
    `SELECT status, legal_basis AS legalBasis, collected_at AS collectedAt, expires_at AS expiresAt
     FROM consent_state WHERE pseudonym = ? AND purpose = ?`);
  const states = sqlite.prepare<[string], ConsentStateRow & { purpose: string }>(
    `SELECT purpose, status, legal_basis AS legalBasis, collected_at AS collectedAt, expires_at AS expiresAt
     FROM consent_state WHERE pseudonym = ?`);
  const history = sqlite.prepare<[string], ConsentRecord>(
    `SELECT id, pseudonym, purpose, status, legal_basis AS legalBasis, source, collected_at AS collectedAt, expires_at AS expiresAt,
            notice_version AS noticeVersion, recorded_at AS recordedAt, recorded_by AS recordedBy
     FROM consent_records WHERE pseudonym = ? ORDER BY collected_at, id`);
  const has = sqlite.prepare<[string, string, string, string, number], { n: number }>(
    'SELECT 1 AS n FROM consent_records WHERE pseudonym = ? AND purpose = ? AND status = ? AND source = ? AND collected_at = ? LIMIT 1');
  return {
    // Positional parameters: ingest appends a record per consent flag of a new customer (named ones cost more).
    append: async (records) => records.map(({ record: r, current }) => {
      const id = Number(insert.run(r.pseudonym, r.purpose, r.status, r.legalBasis, r.source, r.collectedAt, r.expiresAt, r.noticeVersion, r.recordedAt, r.recordedBy).lastInsertRowid);
      if (current) setState.run(r.pseudonym, r.purpose, r.status, r.legalBasis, r.collectedAt, r.expiresAt, id);
      return id;
    }),
    state: async (p, purpose) => state.get(p, purpose),
    states: async (pseudonyms) => {
      const out = new Map<string, Map<string, ConsentStateRow>>();
      for (const p of pseudonyms) {
        const rows = states.all(p);
        if (rows.length) out.set(p, new Map(rows.map(({ purpose, ...s }) => [purpose, s])));
      }
      return out;
    },
    history: async (p) => history.all(p),
    existing: async (records) => {
      const out = new Set<string>();
      for (const r of records) if (has.get(r.pseudonym, r.purpose, r.status, r.source, r.collectedAt)) out.add(recordKey(r));
      return out;
    },
  };
}
