// SQLite storage of segmentation runs and members.
import type Database from 'better-sqlite3';
import type { ChangeMark, MemberExclusion, RunRow, RunStore } from '../../segmentation/run-store.ts';
import { MEMBER_CHUNK } from './schema/segmentations.ts';
import type { UnitOfWork } from './unit-of-work.ts';

interface Raw { id: string; owner: string; issuer_id: string; roles: string; purpose: string; method: string; params: string; status: RunRow['status']; progress: number; result: string | null; error: string | null; policy_version: string; privilege: string | null; created_at: number; started_at: number | null; finished_at: number | null }

const toRow = (r: Raw): RunRow => ({
  id: r.id, owner: r.owner, issuerId: r.issuer_id, roles: JSON.parse(r.roles) as string[], purpose: r.purpose, method: r.method,
  params: JSON.parse(r.params), status: r.status, progress: r.progress, result: r.result === null ? null : JSON.parse(r.result),
  error: r.error === null ? null : (JSON.parse(r.error) as RunRow['error']), policyVersion: r.policy_version,
  privilege: r.privilege === null ? null : (JSON.parse(r.privilege) as RunRow['privilege']),
  createdAt: r.created_at, startedAt: r.started_at, finishedAt: r.finished_at,
});

/** `uow`: member writes commit chunk groups as units of their own (the API's writes wait at most one). */
export function sqliteRunStore(sqlite: Database.Database, uow: UnitOfWork): RunStore {
  const st = {
    insert: sqlite.prepare(`INSERT INTO segmentation_runs (id, owner, issuer_id, roles, purpose, method, params, status, progress, policy_version, privilege, created_at)
      VALUES (@id, @owner, @issuerId, @roles, @purpose, @method, @params, 'queued', 0, @policyVersion, @privilege, @createdAt)`),
    get: sqlite.prepare<[string], Raw>('SELECT * FROM segmentation_runs WHERE id = ?'),
    list: sqlite.prepare<[string, number], Raw>('SELECT * FROM segmentation_runs WHERE owner = ? ORDER BY created_at DESC LIMIT ?'),
    active: sqlite.prepare<[string], { n: number }>(`SELECT count(*) AS n FROM segmentation_runs WHERE owner = ? AND status IN ('queued', 'running')`),
    running: sqlite.prepare(`UPDATE segmentation_runs SET status = 'running', started_at = ? WHERE id = ?`),
    // progress is written from another thread than the result: a late one must not undo it
    progress: sqlite.prepare("UPDATE segmentation_runs SET progress = ? WHERE id = ? AND status = 'running'"),
    succeed: sqlite.prepare(`UPDATE segmentation_runs SET status = 'succeeded', progress = 1, result = ?, finished_at = ? WHERE id = ?`),
    fail: sqlite.prepare(`UPDATE segmentation_runs SET status = 'failed', error = ?, finished_at = ? WHERE id = ?`),
    chunk: sqlite.prepare('INSERT INTO segment_member_chunks (run_id, segment_id, chunk, members) VALUES (?, ?, ?, ?)'),
    clear: sqlite.prepare('DELETE FROM segment_member_chunks WHERE run_id = ? AND segment_id = ?'),
    chunks: sqlite.prepare<[string, string, number, number], { members: string }>(
      'SELECT members FROM segment_member_chunks WHERE run_id = ? AND segment_id = ? AND chunk BETWEEN ? AND ? ORDER BY chunk'),
    interrupted: sqlite.prepare<[], { id: string }>(`SELECT id FROM segmentation_runs WHERE status IN ('queued', 'running')`),
    mark: sqlite.prepare<[], ChangeMark>('SELECT (SELECT coalesce(max(rowid), 0) FROM erasures) AS erasures, (SELECT coalesce(max(id), 0) FROM consent_records) AS consents'),
    erasedSince: sqlite.prepare<[number], { pseudonym: string }>('SELECT pseudonym FROM erasures WHERE rowid > ?'),
    consentSince: sqlite.prepare<[number, string], { pseudonym: string }>('SELECT DISTINCT pseudonym FROM consent_records WHERE id > ? AND purpose = ?'),
    // the erasure's receipt learns of memberships a run in flight left out for it
    noteRemoved: sqlite.prepare(`UPDATE dsr_requests SET receipt = json_set(receipt, '$.in_flight_memberships_removed',
      coalesce(json_extract(receipt, '$.in_flight_memberships_removed'), 0) + 1) WHERE kind = 'erasure' AND pseudonym = ? AND receipt IS NOT NULL`),
  };
  /** Chunks per write transaction: the API's own writes wait at most one of these for the lock. */
  const CHUNKS_PER_COMMIT = 64;
  return {
    insert: async (r) => void st.insert.run({ ...r, roles: JSON.stringify(r.roles), params: JSON.stringify(r.params), privilege: r.privilege === null ? null : JSON.stringify(r.privilege) }),
    get: async (id) => { const r = st.get.get(id); return r && toRow(r); },
    listByOwner: async (owner, limit) => st.list.all(owner, limit).map(toRow),
    activeCount: async (owner) => st.active.get(owner)!.n,
    markRunning: async (id, at) => void st.running.run(at, id),
    progress: async (id, p) => void st.progress.run(p, id),
    succeed: async (id, result, at) => void st.succeed.run(JSON.stringify(result), at, id),
    fail: async (id, error, at) => void st.fail.run(JSON.stringify(error), at, id),
    changeMark: async () => st.mark.get()!,
    changedSince: async (mark, purpose) => ({
      erased: st.erasedSince.all(mark.erasures).map((r) => r.pseudonym),
      consentChanged: st.consentSince.all(mark.consents, purpose).map((r) => r.pseudonym),
    }),
    writeMembers: async (id, segmentId, pseudonyms, exclude) => {
      await uow.run(async () => void st.clear.run(id, segmentId));
      const chunks = Math.ceil(pseudonyms.length / MEMBER_CHUNK);
      let left = 0;
      for (let c0 = 0; c0 < chunks; c0 += CHUNKS_PER_COMMIT) {
        await uow.run(async () => {
          const out: ReadonlyMap<string, MemberExclusion> = (await exclude?.()) ?? new Map();
          for (let c = c0; c < Math.min(chunks, c0 + CHUNKS_PER_COMMIT); c++) {
            const slots = pseudonyms.slice(c * MEMBER_CHUNK, (c + 1) * MEMBER_CHUNK);
            if (out.size > 0) {
              for (let i = 0; i < slots.length; i++) {
                const why = out.get(slots[i]!);
                if (!why) continue;
                if (why === 'erased') st.noteRemoved.run(slots[i]);
                slots[i] = '';
                left++;
              }
            }
            st.chunk.run(id, segmentId, c, slots.join('\n'));
          }
        });
      }
      return left;
    },
    members: async (id, segmentId, offset, limit) => {
      if (limit <= 0) return [];
      const first = Math.floor(offset / MEMBER_CHUNK);
      const rows = st.chunks.all(id, segmentId, first, Math.floor((offset + limit - 1) / MEMBER_CHUNK));
      const slots = rows.flatMap((r) => r.members.split('\n'));
      const from = offset - first * MEMBER_CHUNK;
      return slots.slice(from, from + limit).map((p) => (p === '' ? null : p));
    },
    interrupted: async () => st.interrupted.all().map((r) => r.id),
  };
}
