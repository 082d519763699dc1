// Data-subject access and erasure on PostgreSQL, and the register of requests.
import type { DsrStore, ErasureCounts, Membership } from '../../dsr/dsr-store.ts';
import { SHARED_LINK } from '../../ingest/ingest-store.ts';
import { toRequest, type RawRequest } from '../stored-rows.ts';
import type { Db } from './db.ts';
import { SHARED_SUBJECT } from './ingest-store.ts';

/** A chunk slot is a whole line: delimiters on both sides, so no partial match. */
const SLOT_MATCH = `position(E'\\n' || $1 || E'\\n' in E'\\n' || m.members || E'\\n') > 0`;

/** `shredded`: told the vault partition of each shredded row (maintenance rewrites it after commit). */
export function pgDsrStore(db: Db, shredded: (partition: string) => void = () => {}): DsrStore {
  return {
    findLink: async (h) => {
      const l = await db.one<{ subject_id: number; pseudonym: string | null }>(
        'SELECT l.subject_id, s.pseudonym FROM subject_links l LEFT JOIN subjects s ON s.id = l.subject_id WHERE l.key_hash = $1',
        [h],
      );
      return l?.subject_id === SHARED_SUBJECT ? SHARED_LINK : (l?.pseudonym ?? undefined);
    },
    isSuppressed: async (k) => (await db.one('SELECT 1 FROM suppressions WHERE key_hash = $1', [k])) !== undefined,
    memberships: (p) =>
      db.rows<Membership>(
        `SELECT DISTINCT m.run_id AS "runId", m.segment_id AS "segmentId", r.purpose, r.method, r.created_at AS "createdAt"
       FROM segment_member_chunks m JOIN segmentation_runs r ON r.id = m.run_id WHERE ${SLOT_MATCH} ORDER BY r.created_at, m.segment_id`,
        [p],
      ),
    transactionsOf: (p) =>
      db.rows(
        `SELECT t.day, t.amount, t.currency, t.channel, t.category, t.source FROM transactions t JOIN subjects s ON s.id = t.subject_id
       WHERE s.pseudonym = $1 ORDER BY t.day, t.id`,
        [p],
      ),
    erase: async (p, at, suppressionKeyOf) => {
      const id = (await db.one<{ id: number }>('SELECT id FROM subjects WHERE pseudonym = $1 FOR UPDATE', [p]))?.id ?? null;
      const links = id === null ? [] : await db.rows<{ key_hash: string }>('SELECT key_hash FROM subject_links WHERE subject_id = $1', [id]);
      if (links.length > 0) {
        await db.run('INSERT INTO suppressions (key_hash, created_at) SELECT k, $2 FROM unnest($1::text[]) AS k ON CONFLICT DO NOTHING', [
          links.map((l) => suppressionKeyOf(l.key_hash)),
          at,
        ]);
      }
      let memberships = 0;
      for (const c of await db.rows<{ run_id: string; segment_id: string; chunk: number; members: string }>(
        `SELECT m.run_id, m.segment_id, m.chunk, m.members FROM segment_member_chunks m WHERE ${SLOT_MATCH} FOR UPDATE`,
        [p],
      )) {
        const slots = c.members.split('\n');
        for (let i = 0; i < slots.length; i++)
          if (slots[i] === p) {
            slots[i] = '';
            memberships++;
          }
        await db.run('UPDATE segment_member_chunks SET members = $1 WHERE run_id = $2 AND segment_id = $3 AND chunk = $4', [
          slots.join('\n'),
          c.run_id,
          c.segment_id,
          c.chunk,
        ]);
      }
      const counts: ErasureCounts = {
        links: id === null ? 0 : await db.run('DELETE FROM subject_links WHERE subject_id = $1', [id]),
        transactions: id === null ? 0 : await db.run('DELETE FROM transactions WHERE subject_id = $1', [id]),
        consents: 0,
        memberships,
        features: 0,
        vaultKeyDestroyed: false,
        inFlightRuns: (await db.one<{ n: number }>(`SELECT count(*)::int AS n FROM segmentation_runs WHERE status IN ('queued', 'running')`))!.n,
      };
      // the erasure row first: the consent history trigger allows deletion only for erased subjects
      await db.run('INSERT INTO erasures (pseudonym, subject_id, erased_at, receipt) VALUES ($1, $2, $3, $4)', [p, id, at, '{}']);
      if (id !== null) {
        counts.consents = await db.run('DELETE FROM consent_records WHERE subject_id = $1', [id]);
        counts.features = await db.run('DELETE FROM subjects WHERE id = $1', [id]);
        const shred = await db.rows<{ partition: string }>(
          `UPDATE vault SET wrapped_key = NULL, ciphertext = NULL, fields = '', field_meta = '{}', updated_at = $1 WHERE subject_id = $2
           RETURNING tableoid::regclass::text AS partition`,
          [at, id],
        );
        counts.vaultKeyDestroyed = shred.length === 1;
        for (const r of shred) shredded(r.partition);
      }
      await db.run('UPDATE erasures SET receipt = $1 WHERE pseudonym = $2', [JSON.stringify(counts), p]);
      return counts;
    },
    insertRequest: async (r) =>
      void (await db.run(
        `INSERT INTO dsr_requests (id, kind, requester, reference, identifier_type, pseudonym, status, withheld, receipt, maintenance, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
        [
          r.id,
          r.kind,
          r.requester,
          r.reference,
          r.identifierType,
          r.pseudonym,
          r.status,
          JSON.stringify(r.withheld),
          r.receipt === null ? null : JSON.stringify(r.receipt),
          r.maintenance === null ? null : JSON.stringify(r.maintenance),
          r.createdAt,
        ],
      )),
    getRequest: async (id) => {
      const r = await db.one<RawRequest>('SELECT * FROM dsr_requests WHERE id = $1', [id]);
      return r && toRequest(r);
    },
    requestsSince: async (requester, since) => {
      // counted under a lock of the requester's, to the end of the unit: two instances cannot both take the last place
      if (db.inside) await db.run('SELECT pg_advisory_xact_lock(hashtextextended($1, 7))', [requester]);
      return (await db.one<{ n: number }>('SELECT count(*)::int AS n FROM dsr_requests WHERE requester = $1 AND created_at >= $2', [requester, since]))!.n;
    },
    moveRequest: async (id, from, to, by, at) =>
      (to === 'delivered'
        ? await db.run('UPDATE dsr_requests SET status = $1, delivered_at = $2 WHERE id = $3 AND status = $4', [to, at, id, from])
        : await db.run('UPDATE dsr_requests SET status = $1, decided_by = $2, decided_at = $3 WHERE id = $4 AND status = $5', [to, by, at, id, from])) === 1,
    setMaintenance: async (id, m) => void (await db.run('UPDATE dsr_requests SET maintenance = $1 WHERE id = $2', [JSON.stringify(m), id])),
    rekeySuppressions: async (isCurrent, rekey) => {
      let n = 0;
      for (const s of await db.rows<{ key_hash: string; created_at: number }>('SELECT key_hash, created_at FROM suppressions')) {
        if (isCurrent(s.key_hash)) continue;
        await db.run('INSERT INTO suppressions (key_hash, created_at) VALUES ($1, $2) ON CONFLICT DO NOTHING', [rekey(s.key_hash), s.created_at]);
        await db.run('DELETE FROM suppressions WHERE key_hash = $1', [s.key_hash]);
        n++;
      }
      return n;
    },
  };
}
