// PostgreSQL consent registry: the append-only history, and the derived state in the subject's
// row (subjects.consent), merged per subject in one statement. States read for a change are
// locked (FOR UPDATE, in id order) so instances appending for one subject take turns and the
// domain's precedence rule sees the state it replaces.
import { recordKey, type ConsentRecord, type ConsentStore } from '../../consent/consent-store.ts';
import type { ConsentStateRow } from '../../consent/coverage.ts';
import { decodeConsentState, encodeConsentEntry, type ConsentEntry } from '../consent-state.ts';
import type { Db } from './db.ts';

export function pgConsentStore(db: Db): ConsentStore {
  const ids = async (pseudonyms: readonly string[]) =>
    new Map(
      (await db.rows<{ id: number; pseudonym: string }>('SELECT id, pseudonym FROM subjects WHERE pseudonym = ANY($1::text[])', [pseudonyms])).map((r) => [
        r.pseudonym,
        r.id,
      ]),
    );
  const draw = async (n: number): Promise<number[]> =>
    n === 0
      ? []
      : (await db.rows<{ id: number }>(`SELECT nextval(pg_get_serial_sequence('consent_records', 'id')) AS id FROM generate_series(1, $1)`, [n])).map((r) =>
          Number(r.id),
        );
  return {
    reserveIds: draw,
    append: async (records, options) => {
      if (records.length === 0) return [];
      const idOf = await ids([...new Set(records.map((r) => r.record.pseudonym))]);
      const subjectIds = records.map(({ record }) => {
        const id = idOf.get(record.pseudonym);
        if (id === undefined) throw new Error('consent recorded for a subject that is not stored');
        return id;
      });
      // ids known first (reserved, or drawn now in order), so each record's id is known without relying on RETURNING order
      const drawn = await draw(records.filter((r) => r.id === undefined).length);
      let next = 0;
      const recordIds = records.map((r) => r.id ?? drawn[next++]!);
      const rs = records.map((r) => r.record);
      await db.run(
        `INSERT INTO consent_records (id, subject_id, purpose, status, legal_basis, source, collected_at, expires_at, notice_version, recorded_at, recorded_by)
         SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::bigint[], $9::text[], $10::bigint[], $11::text[])`,
        [
          recordIds,
          subjectIds,
          rs.map((r) => r.purpose),
          rs.map((r) => r.status),
          rs.map((r) => r.legalBasis),
          rs.map((r) => r.source),
          rs.map((r) => r.collectedAt),
          rs.map((r) => r.expiresAt),
          rs.map((r) => r.noticeVersion),
          rs.map((r) => r.recordedAt),
          rs.map((r) => r.recordedBy),
        ],
      );
      const patches = new Map<number, Record<string, ConsentEntry>>();
      records.forEach(({ record, current }, i) => {
        if (!current || options?.statesWritten) return;
        const patch = patches.get(subjectIds[i]!) ?? {};
        patch[record.purpose] = encodeConsentEntry(record, recordIds[i]!);
        patches.set(subjectIds[i]!, patch);
      });
      if (patches.size > 0) {
        await db.run(
          `UPDATE subjects SET consent = subjects.consent || p.patch FROM unnest($1::bigint[], $2::jsonb[]) AS p(id, patch) WHERE subjects.id = p.id`,
          [[...patches.keys()], [...patches.values()].map((p) => JSON.stringify(p))],
        );
      }
      return recordIds;
    },
    state: async (p, purpose) => {
      const row = await db.one<{ consent: Record<string, ConsentEntry> }>('SELECT consent FROM subjects WHERE pseudonym = $1', [p]);
      return row ? decodeConsentState(row.consent).get(purpose) : undefined;
    },
    states: async (pseudonyms) => {
      const out = new Map<string, Map<string, ConsentStateRow>>();
      if (pseudonyms.length === 0) return out;
      const rows = await db.rows<{ pseudonym: string; consent: Record<string, ConsentEntry> }>(
        `SELECT pseudonym, consent FROM subjects WHERE pseudonym = ANY($1::text[])${db.inside ? ' ORDER BY id FOR UPDATE' : ''}`,
        [pseudonyms],
      );
      for (const r of rows) if (Object.keys(r.consent).length > 0) out.set(r.pseudonym, decodeConsentState(r.consent));
      return out;
    },
    history: (p) =>
      db.rows<ConsentRecord>(
        `SELECT c.id, s.pseudonym, c.purpose, c.status, c.legal_basis AS "legalBasis", c.source, c.collected_at AS "collectedAt",
              c.expires_at AS "expiresAt", c.notice_version AS "noticeVersion", c.recorded_at AS "recordedAt", c.recorded_by AS "recordedBy"
       FROM consent_records c JOIN subjects s ON s.id = c.subject_id WHERE s.pseudonym = $1 ORDER BY c.collected_at, c.id`,
        [p],
      ),
    existing: async (records) => {
      const out = new Set<string>();
      if (records.length === 0) return out;
      const rows = await db.rows<{ pseudonym: string; purpose: string; status: ConsentRecord['status']; source: string; collected_at: number }>(
        `SELECT s.pseudonym, c.purpose, c.status, c.source, c.collected_at FROM consent_records c JOIN subjects s ON s.id = c.subject_id
         WHERE s.pseudonym = ANY($1::text[])`,
        [[...new Set(records.map((r) => r.pseudonym))]],
      );
      const held = new Set(
        rows.map((r) => recordKey({ pseudonym: r.pseudonym, purpose: r.purpose, status: r.status, source: r.source, collectedAt: r.collected_at })),
      );
      for (const r of records) if (held.has(recordKey(r))) out.add(recordKey(r));
      return out;
    },
  };
}
