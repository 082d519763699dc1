// SQLite side of data-subject access and erasure, and the register of requests.
import type Database from 'better-sqlite3';
import type { DsrStore, ErasureCounts, Membership } from '../../dsr/dsr-store.ts';
import { SHARED_LINK } from '../../ingest/ingest-store.ts';
import { toRequest, type RawRequest } from '../stored-rows.ts';
import { SHARED_SUBJECT } from './ingest-store.ts';

export function sqliteDsrStore(sqlite: Database.Database): DsrStore {
  const st = {
    link: sqlite.prepare<[string], { id: number; pseudonym: string | null }>(
      'SELECT l.subject_id AS id, s.pseudonym FROM subject_links l LEFT JOIN subjects s ON s.id = l.subject_id WHERE l.key_hash = ?',
    ),
    subjectId: sqlite.prepare<[string], { id: number }>('SELECT id FROM subjects WHERE pseudonym = ?'),
    suppressed: sqlite.prepare<[string], { n: number }>('SELECT 1 AS n FROM suppressions WHERE key_hash = ?'),
    // A slot is a whole line of a chunk: delimiters on both sides, so no partial match.
    memberships: sqlite.prepare<
      [string],
      Membership
    >(`SELECT DISTINCT m.run_id AS runId, m.segment_id AS segmentId, r.purpose, r.method, r.created_at AS createdAt
      FROM segment_member_chunks m JOIN segmentation_runs r ON r.id = m.run_id
      WHERE instr(char(10) || m.members || char(10), char(10) || ? || char(10)) > 0 ORDER BY r.created_at, m.segment_id`),
    chunksOf: sqlite.prepare<[string], { run_id: string; segment_id: string; chunk: number; members: string }>(
      `SELECT run_id, segment_id, chunk, members FROM segment_member_chunks WHERE instr(char(10) || members || char(10), char(10) || ? || char(10)) > 0`,
    ),
    putChunk: sqlite.prepare('UPDATE segment_member_chunks SET members = ? WHERE run_id = ? AND segment_id = ? AND chunk = ?'),
    transactions: sqlite.prepare(`SELECT t.day, t.amount, t.currency, t.channel, t.category, t.source FROM transactions t
      JOIN subjects s ON s.id = t.subject_id WHERE s.pseudonym = ? ORDER BY t.day`),
    erasure: sqlite.prepare('INSERT INTO erasures (pseudonym, subject_id, erased_at, receipt) VALUES (?, ?, ?, ?)'),
    erasureReceipt: sqlite.prepare('UPDATE erasures SET receipt = ? WHERE pseudonym = ?'),
    linksOf: sqlite.prepare<[number], { key_hash: string }>('SELECT key_hash FROM subject_links WHERE subject_id = ?'),
    suppress: sqlite.prepare('INSERT OR IGNORE INTO suppressions (key_hash, created_at) VALUES (?, ?)'),
    delLinks: sqlite.prepare('DELETE FROM subject_links WHERE subject_id = ?'),
    delTx: sqlite.prepare('DELETE FROM transactions WHERE subject_id = ?'),
    delConsents: sqlite.prepare('DELETE FROM consent_records WHERE subject_id = ?'),
    delSubject: sqlite.prepare('DELETE FROM subjects WHERE id = ?'),
    shred: sqlite.prepare(`UPDATE vault SET wrapped_key = NULL, ciphertext = NULL, fields = '', field_meta = '{}', updated_at = ? WHERE subject_id = ?`),
    inFlight: sqlite.prepare<[], { n: number }>(`SELECT count(*) AS n FROM segmentation_runs WHERE status IN ('queued', 'running')`),
    insertRequest:
      sqlite.prepare(`INSERT INTO dsr_requests (id, kind, requester, reference, identifier_type, pseudonym, status, withheld, receipt, maintenance, created_at)
      VALUES (@id, @kind, @requester, @reference, @identifierType, @pseudonym, @status, @withheld, @receipt, @maintenance, @createdAt)`),
    getRequest: sqlite.prepare<[string], RawRequest>('SELECT * FROM dsr_requests WHERE id = ?'),
    since: sqlite.prepare<[string, number], { n: number }>('SELECT count(*) AS n FROM dsr_requests WHERE requester = ? AND created_at >= ?'),
    decide: sqlite.prepare('UPDATE dsr_requests SET status = ?, decided_by = ?, decided_at = ? WHERE id = ? AND status = ?'),
    deliver: sqlite.prepare('UPDATE dsr_requests SET status = ?, delivered_at = ? WHERE id = ? AND status = ?'),
    maintenance: sqlite.prepare('UPDATE dsr_requests SET maintenance = ? WHERE id = ?'),
    allSuppressions: sqlite.prepare<[], { key_hash: string; created_at: number }>('SELECT key_hash, created_at FROM suppressions'),
    delSuppression: sqlite.prepare('DELETE FROM suppressions WHERE key_hash = ?'),
  };
  /** Empties the subject's member slots (other slots keep their offsets); returns how many. */
  const emptySlots = (p: string): number => {
    let n = 0;
    for (const c of st.chunksOf.all(p)) {
      const slots = c.members.split('\n');
      for (let i = 0; i < slots.length; i++)
        if (slots[i] === p) {
          slots[i] = '';
          n++;
        }
      st.putChunk.run(slots.join('\n'), c.run_id, c.segment_id, c.chunk);
    }
    return n;
  };
  return {
    findLink: async (h) => {
      const l = st.link.get(h);
      return l?.id === SHARED_SUBJECT ? SHARED_LINK : (l?.pseudonym ?? undefined);
    },
    isSuppressed: async (k) => st.suppressed.get(k) !== undefined,
    memberships: async (p) => st.memberships.all(p),
    transactionsOf: async (p) => st.transactions.all(p) as Awaited<ReturnType<DsrStore['transactionsOf']>>,
    erase: async (p, at, suppressionKeyOf) => {
      // secure_delete zeroes freed cells, so the destroyed data key does not linger in free pages
      sqlite.pragma('secure_delete = ON');
      try {
        const id = st.subjectId.get(p)?.id ?? -1;
        const links = st.linksOf.all(id);
        for (const l of links) st.suppress.run(suppressionKeyOf(l.key_hash), at);
        const counts: ErasureCounts = {
          links: st.delLinks.run(id).changes,
          transactions: st.delTx.run(id).changes,
          consents: 0,
          memberships: emptySlots(p),
          features: 0,
          vaultKeyDestroyed: false,
          inFlightRuns: st.inFlight.get()!.n,
        };
        // the erasure row first: the consent history trigger allows deletion only for erased subjects
        st.erasure.run(p, id < 0 ? null : id, at, '{}');
        counts.consents = st.delConsents.run(id).changes;
        counts.features = st.delSubject.run(id).changes;
        counts.vaultKeyDestroyed = st.shred.run(at, id).changes === 1;
        st.erasureReceipt.run(JSON.stringify(counts), p);
        return counts;
      } finally {
        sqlite.pragma('secure_delete = FAST');
      }
    },
    insertRequest: async (r) =>
      void st.insertRequest.run({
        id: r.id,
        kind: r.kind,
        requester: r.requester,
        reference: r.reference,
        identifierType: r.identifierType,
        pseudonym: r.pseudonym,
        status: r.status,
        withheld: JSON.stringify(r.withheld),
        receipt: r.receipt === null ? null : JSON.stringify(r.receipt),
        maintenance: r.maintenance === null ? null : JSON.stringify(r.maintenance),
        createdAt: r.createdAt,
      }),
    getRequest: async (id) => {
      const r = st.getRequest.get(id);
      return r && toRequest(r);
    },
    requestsSince: async (requester, since) => st.since.get(requester, since)!.n,
    moveRequest: async (id, from, to, by, at) => (to === 'delivered' ? st.deliver.run(to, at, id, from) : st.decide.run(to, by, at, id, from)).changes === 1,
    setMaintenance: async (id, m) => void st.maintenance.run(JSON.stringify(m), id),
    rekeySuppressions: async (isCurrent, rekey) => {
      let n = 0;
      for (const s of st.allSuppressions.all()) {
        if (isCurrent(s.key_hash)) continue;
        st.suppress.run(rekey(s.key_hash), s.created_at);
        st.delSuppression.run(s.key_hash);
        n++;
      }
      return n;
    },
  };
}
