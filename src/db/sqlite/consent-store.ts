// SQLite consent registry: the append-only history, and the derived state kept in the subject's
// row (subjects.consent), merged per subject in one statement however many purposes change.
import type Database from 'better-sqlite3';
import { recordKey, type ConsentRecord, type ConsentStore } from '../../consent/consent-store.ts';
import { decodeConsentState, encodeConsentEntry } from '../consent-state.ts';
import type { ConsentStateRow } from '../../consent/coverage.ts';
import type { UnitSubjectIds } from './unit-subject-ids.ts';

/** `unitIds`: subject ids the unit of work already knows (see UnitSubjectIds). */
export function sqliteConsentStore(sqlite: Database.Database, unitIds?: UnitSubjectIds): ConsentStore {
  const subjectId = sqlite.prepare<[string], { id: number }>('SELECT id FROM subjects WHERE pseudonym = ?');
  // id null: the next one (AUTOINCREMENT); an id reserved by reserveIds is used as given
  const insert = sqlite.prepare(
    `INSERT INTO consent_records (id, subject_id, purpose, status, legal_basis, source, collected_at, expires_at, notice_version, recorded_at, recorded_by)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  // AUTOINCREMENT keeps the last id handed out in sqlite_sequence: moving it reserves ids (units of work take turns)
  const reserve = sqlite.prepare<[number], { seq: number }>(`UPDATE sqlite_sequence SET seq = seq + ? WHERE name = 'consent_records' RETURNING seq`);
  const firstSequence = sqlite.prepare(`INSERT INTO sqlite_sequence (name, seq) SELECT 'consent_records', coalesce(max(id), 0) FROM consent_records`);
  // which record decides is the domain's rule (supersedes): the store sets what it is told
  const setState = sqlite.prepare('UPDATE subjects SET consent = json_patch(consent, ?) WHERE id = ?');
  const stateOf = sqlite.prepare<[string], { consent: string }>('SELECT consent FROM subjects WHERE pseudonym = ?');
  const history = sqlite.prepare<[string], ConsentRecord>(
    `SELECT c.id, s.pseudonym, c.purpose, c.status, c.legal_basis AS legalBasis, c.source, c.collected_at AS collectedAt, c.expires_at AS expiresAt,
            c.notice_version AS noticeVersion, c.recorded_at AS recordedAt, c.recorded_by AS recordedBy
     FROM consent_records c JOIN subjects s ON s.id = c.subject_id WHERE s.pseudonym = ? ORDER BY c.collected_at, c.id`,
  );
  const has = sqlite.prepare<[number, string, string, string, number], { n: number }>(
    'SELECT 1 AS n FROM consent_records WHERE subject_id = ? AND purpose = ? AND status = ? AND source = ? AND collected_at = ? LIMIT 1',
  );
  const idOf = (cache: Map<string, number>, p: string): number | undefined => {
    let id = cache.get(p) ?? unitIds?.get(p);
    if (id === undefined) {
      id = subjectId.get(p)?.id;
      if (id !== undefined) cache.set(p, id);
    }
    return id;
  };
  return {
    // Positional parameters: ingest appends a record per consent flag of a new customer (named ones cost more).
    append: async (records, options) => {
      const ids = new Map<string, number>();
      const patches = new Map<number, Record<string, unknown>>();
      const out = records.map(({ record: r, current, id: reserved }) => {
        const sid = idOf(ids, r.pseudonym);
        if (sid === undefined) throw new Error('consent recorded for a subject that is not stored');
        const id = Number(
          insert.run(
            reserved ?? null,
            sid,
            r.purpose,
            r.status,
            r.legalBasis,
            r.source,
            r.collectedAt,
            r.expiresAt,
            r.noticeVersion,
            r.recordedAt,
            r.recordedBy,
          ).lastInsertRowid,
        );
        if (current && !options?.statesWritten) {
          const patch = patches.get(sid) ?? {};
          patch[r.purpose] = encodeConsentEntry(r, id);
          patches.set(sid, patch);
        }
        return id;
      });
      for (const [sid, patch] of patches) setState.run(JSON.stringify(patch), sid);
      return out;
    },
    reserveIds: async (n) => {
      if (n === 0) return [];
      let last = reserve.get(n)?.seq;
      if (last === undefined) {
        firstSequence.run();
        last = reserve.get(n)!.seq;
      }
      return Array.from({ length: n }, (_, i) => last - n + 1 + i);
    },
    state: async (p, purpose) => {
      const row = stateOf.get(p);
      return row ? decodeConsentState(row.consent).get(purpose) : undefined;
    },
    states: async (pseudonyms) => {
      const out = new Map<string, Map<string, ConsentStateRow>>();
      for (const p of pseudonyms) {
        const row = stateOf.get(p);
        if (!row || row.consent === '{}') continue;
        out.set(p, decodeConsentState(row.consent));
      }
      return out;
    },
    history: async (p) => history.all(p),
    existing: async (records) => {
      const ids = new Map<string, number>();
      const out = new Set<string>();
      for (const r of records) {
        const sid = idOf(ids, r.pseudonym);
        if (sid !== undefined && has.get(sid, r.purpose, r.status, r.source, r.collectedAt)) out.add(recordKey(r));
      }
      return out;
    },
  };
}
