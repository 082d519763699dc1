// SQLite side of data-subject access and erasure.
import type Database from 'better-sqlite3';
import type { DsrStore, ErasureCounts, Membership } from '../dsr/dsr-store.ts';

export function sqliteDsrStore(sqlite: Database.Database): DsrStore {
  const st = {
    link: sqlite.prepare<[string], { pseudonym: string }>('SELECT pseudonym FROM subject_links WHERE key_hash = ?'),
    suppressed: sqlite.prepare<[string], { n: number }>('SELECT 1 AS n FROM suppressions WHERE key_hash = ?'),
    // A slot is a whole line of a chunk: delimiters on both sides, so no partial match.
    memberships: sqlite.prepare<[string], Membership>(`SELECT DISTINCT m.run_id AS runId, m.segment_id AS segmentId, r.purpose, r.method, r.created_at AS createdAt
      FROM segment_member_chunks m JOIN segmentation_runs r ON r.id = m.run_id
      WHERE instr(char(10) || m.members || char(10), char(10) || ? || char(10)) > 0 ORDER BY r.created_at, m.segment_id`),
    chunksOf: sqlite.prepare<[string], { run_id: string; segment_id: string; chunk: number; members: string }>(
      `SELECT run_id, segment_id, chunk, members FROM segment_member_chunks WHERE instr(char(10) || members || char(10), char(10) || ? || char(10)) > 0`),
    putChunk: sqlite.prepare('UPDATE segment_member_chunks SET members = ? WHERE run_id = ? AND segment_id = ? AND chunk = ?'),
    transactions: sqlite.prepare(`SELECT day, amount, currency, channel, category, source FROM transactions WHERE pseudonym = ? ORDER BY day`),
    erasure: sqlite.prepare('INSERT INTO erasures (pseudonym, erased_at, receipt) VALUES (?, ?, ?)'),
    linksOf: sqlite.prepare<[string], { key_hash: string }>('SELECT key_hash FROM subject_links WHERE pseudonym = ?'),
    suppress: sqlite.prepare('INSERT OR IGNORE INTO suppressions (key_hash, created_at) VALUES (?, ?)'),
    delLinks: sqlite.prepare('DELETE FROM subject_links WHERE pseudonym = ?'),
    delTx: sqlite.prepare('DELETE FROM transactions WHERE pseudonym = ?'),
    delConsents: sqlite.prepare('DELETE FROM consent_records WHERE pseudonym = ?'),
    delConsentState: sqlite.prepare('DELETE FROM consent_state WHERE pseudonym = ?'),
    delFeatures: sqlite.prepare('DELETE FROM subject_features WHERE pseudonym = ?'),
    shred: sqlite.prepare(`UPDATE vault SET wrapped_key = NULL, ciphertext = NULL, fields = '', field_meta = '{}', updated_at = ? WHERE pseudonym = ?`),
  };
  /** Empties the subject's member slots (other slots keep their offsets); returns how many. */
  const emptySlots = (p: string): number => {
    let n = 0;
    for (const c of st.chunksOf.all(p)) {
      const slots = c.members.split('\n');
      for (let i = 0; i < slots.length; i++) if (slots[i] === p) { slots[i] = ''; n++; }
      st.putChunk.run(slots.join('\n'), c.run_id, c.segment_id, c.chunk);
    }
    return n;
  };
  return {
    transaction: (fn) => sqlite.transaction(fn).immediate(),
    findLink: (h) => st.link.get(h)?.pseudonym,
    isSuppressed: (h) => st.suppressed.get(h) !== undefined,
    memberships: (p) => st.memberships.all(p),
    transactionsOf: (p) => st.transactions.all(p) as ReturnType<DsrStore['transactionsOf']>,
    erase: (p, at, receipt) => {
      // secure_delete zeroes freed cells, so the destroyed data key does not linger in free pages
      sqlite.pragma('secure_delete = ON');
      try {
        const links = st.linksOf.all(p);
        for (const l of links) st.suppress.run(l.key_hash, at);
        const counts: ErasureCounts = {
          links: st.delLinks.run(p).changes,
          transactions: st.delTx.run(p).changes,
          consents: 0,
          memberships: emptySlots(p),
          features: 0,
          vaultKeyDestroyed: false,
        };
        // the erasure row first: the consent history trigger allows deletion only for erased subjects
        st.erasure.run(p, at, '{}');
        counts.consents = st.delConsents.run(p).changes;
        st.delConsentState.run(p);
        counts.features = st.delFeatures.run(p).changes;
        counts.vaultKeyDestroyed = st.shred.run(at, p).changes === 1;
        sqlite.prepare('UPDATE erasures SET receipt = ? WHERE pseudonym = ?').run(receipt(counts), p);
        return counts;
      } finally {
        sqlite.pragma('secure_delete = FAST');
      }
    },
    compact: (waitMs = 10_000) => {
      // A reader on another connection (a segmentation job) can hold old frames, and the
      // background checkpointer may be mid-checkpoint: retry for a while (erasures are rare).
      // Each attempt waits on the busy handler: shorten it, or one attempt alone would block for
      // the connection's whole busy_timeout and the loop for many times waitMs.
      const busyTimeout = sqlite.pragma('busy_timeout', { simple: true }) as number;
      sqlite.pragma('busy_timeout = 50');
      try {
        const until = Date.now() + waitMs;
        for (;;) {
          const [r] = sqlite.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[];
          if (!r || r.busy === 0) return true;
          if (Date.now() >= until) return false;
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
        }
      } finally {
        sqlite.pragma(`busy_timeout = ${busyTimeout}`);
      }
    },
  };
}
