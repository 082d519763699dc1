// SQLite storage of segmentation runs and members.
import type Database from 'better-sqlite3';
import type { ChangeMark, ClaimedRun, MemberExclusion, RunStore } from '../../segmentation/run-store.ts';
import type { JobInput } from '../../segmentation/worker/job-input.ts';
import { MEMBER_CHUNK } from '../member-chunks.ts';
import { RUN_COLUMNS, toRunRow, type RawRun } from '../stored-rows.ts';
import type { UnitOfWork } from './unit-of-work.ts';

/** `uow`: member writes commit chunk groups as units of their own (the API's writes wait at most one). */
export function sqliteRunStore(sqlite: Database.Database, uow: UnitOfWork): RunStore {
  const st = {
    insert:
      sqlite.prepare(`INSERT INTO segmentation_runs (id, owner, issuer_id, roles, purpose, method, params, status, progress, policy_version, privilege, job, created_at)
      VALUES (@id, @owner, @issuerId, @roles, @purpose, @method, @params, 'queued', 0, @policyVersion, @privilege, @job, @createdAt)`),
    get: sqlite.prepare<[string], RawRun>(`SELECT ${RUN_COLUMNS} FROM segmentation_runs WHERE id = ?`),
    list: sqlite.prepare<[string, number], RawRun>(`SELECT ${RUN_COLUMNS} FROM segmentation_runs WHERE owner = ? ORDER BY created_at DESC LIMIT ?`),
    active: sqlite.prepare<[string], { n: number }>(`SELECT count(*) AS n FROM segmentation_runs WHERE owner = ? AND status IN ('queued', 'running')`),
    // the caller served least recently first (by when their last run started), then the oldest run
    claim: sqlite.prepare<[string, number, number, number], { job: string | null; attempts: number; id: string }>(
      `UPDATE segmentation_runs SET claimed_by = ?, started_at = coalesce(started_at, ?), lease_until = ?, attempts = attempts + 1
       WHERE id = (SELECT c.id FROM segmentation_runs c WHERE c.status IN ('queued', 'running') AND (c.claimed_by IS NULL OR c.lease_until < ?)
         ORDER BY (SELECT coalesce(max(s.started_at), -1) FROM segmentation_runs s WHERE s.owner = c.owner AND s.started_at IS NOT NULL), c.created_at, c.id LIMIT 1)
       RETURNING id, job, attempts`,
    ),
    running: sqlite.prepare(`UPDATE segmentation_runs SET status = 'running', started_at = coalesce(started_at, ?)
      WHERE id = ? AND claimed_by = ? AND status IN ('queued', 'running')`),
    renew: sqlite.prepare(`UPDATE segmentation_runs SET lease_until = ? WHERE id = ? AND claimed_by = ? AND status IN ('queued', 'running')`),
    holds: sqlite.prepare<[string, string], { n: number }>(
      `SELECT 1 AS n FROM segmentation_runs WHERE id = ? AND claimed_by = ? AND status IN ('queued', 'running')`,
    ),
    release: sqlite.prepare(`UPDATE segmentation_runs SET status = 'queued', claimed_by = NULL, lease_until = NULL, progress = 0,
      attempts = max(attempts - 1, 0) WHERE id = ? AND claimed_by = ? AND status IN ('queued', 'running')`),
    requeue: sqlite.prepare(`UPDATE segmentation_runs SET status = 'queued', claimed_by = NULL, lease_until = NULL
      WHERE status IN ('queued', 'running') AND claimed_by IS NOT NULL`),
    // written by the claimant only, and never after the result: a late one must not undo it
    progress: sqlite.prepare("UPDATE segmentation_runs SET progress = ? WHERE id = ? AND status = 'running' AND claimed_by = ?"),
    succeed: sqlite.prepare(`UPDATE segmentation_runs SET status = 'succeeded', progress = 1, result = ?, finished_at = ?, lease_until = NULL
      WHERE id = ? AND status IN ('queued', 'running') AND claimed_by = ?`),
    fail: sqlite.prepare(`UPDATE segmentation_runs SET status = 'failed', error = ?, finished_at = ?, lease_until = NULL
      WHERE id = ? AND status IN ('queued', 'running') AND (? IS NULL OR claimed_by = ?)`),
    chunk: sqlite.prepare('INSERT INTO segment_member_chunks (run_id, segment_id, chunk, members) VALUES (?, ?, ?, ?)'),
    clear: sqlite.prepare('DELETE FROM segment_member_chunks WHERE run_id = ? AND segment_id = ?'),
    chunks: sqlite.prepare<[string, string, number, number], { members: string }>(
      'SELECT members FROM segment_member_chunks WHERE run_id = ? AND segment_id = ? AND chunk BETWEEN ? AND ? ORDER BY chunk',
    ),
    mark: sqlite.prepare<[], ChangeMark>(
      'SELECT (SELECT coalesce(max(rowid), 0) FROM erasures) AS erasures, (SELECT coalesce(max(id), 0) FROM consent_records) AS consents',
    ),
    erasedSince: sqlite.prepare<[number], { pseudonym: string }>('SELECT pseudonym FROM erasures WHERE rowid > ?'),
    consentSince: sqlite.prepare<[number, string], { pseudonym: string }>(
      'SELECT DISTINCT s.pseudonym FROM consent_records c JOIN subjects s ON s.id = c.subject_id WHERE c.id > ? AND c.purpose = ?',
    ),
    // the erasure's receipt learns of memberships a run in flight left out for it
    noteRemoved: sqlite.prepare(`UPDATE dsr_requests SET receipt = json_set(receipt, '$.in_flight_memberships_removed',
      coalesce(json_extract(receipt, '$.in_flight_memberships_removed'), 0) + 1) WHERE kind = 'erasure' AND pseudonym = ? AND receipt IS NOT NULL`),
  };
  /** Chunks per write transaction: the API's own writes wait at most one of these for the lock. */
  const CHUNKS_PER_COMMIT = 64;
  return {
    insert: async (r, job) =>
      void st.insert.run({
        ...r,
        roles: JSON.stringify(r.roles),
        params: JSON.stringify(r.params),
        privilege: r.privilege === null ? null : JSON.stringify(r.privilege),
        job: JSON.stringify(job),
      }),
    get: async (id) => {
      const r = st.get.get(id);
      return r && toRunRow(r);
    },
    listByOwner: async (owner, limit) => st.list.all(owner, limit).map(toRunRow),
    activeCount: async (owner) => st.active.get(owner)!.n,
    claim: async (claimant, now, leaseUntil): Promise<ClaimedRun | undefined> => {
      const r = st.claim.get(claimant, now, leaseUntil, now);
      return r && { job: JSON.parse(r.job!) as JobInput, attempts: r.attempts };
    },
    markRunning: async (id, at, claimant) => st.running.run(at, id, claimant).changes === 1,
    renew: async (id, claimant, leaseUntil) => st.renew.run(leaseUntil, id, claimant).changes === 1,
    holds: async (id, claimant) => st.holds.get(id, claimant) !== undefined,
    release: async (id, claimant) => st.release.run(id, claimant).changes === 1,
    requeueRunning: async () => st.requeue.run().changes,
    progress: async (id, p, claimant) => void st.progress.run(p, id, claimant),
    succeed: async (id, result, at, claimant) => st.succeed.run(JSON.stringify(result), at, id, claimant).changes === 1,
    fail: async (id, error, at, claimant) => st.fail.run(JSON.stringify(error), at, id, claimant, claimant).changes === 1,
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
  };
}
