// Segmentation runs and members on PostgreSQL. Member chunks are written a group per unit of
// work (each group one INSERT over arrays), so the rest of the gateway's writes never wait long.
import type { ChangeMark, MemberExclusion, RunStore } from '../../segmentation/run-store.ts';
import type { JobInput } from '../../segmentation/worker/job-input.ts';
import { MEMBER_CHUNK } from '../member-chunks.ts';
import { RUN_COLUMNS, toRunRow, type RawRun } from '../stored-rows.ts';
import type { Db } from './db.ts';
import type { PgUnitOfWork } from './unit-of-work.ts';

/** Chunks per unit of work: the API's own writes wait at most one of these. */
const CHUNKS_PER_COMMIT = 64;

export function pgRunStore(db: Db, uow: PgUnitOfWork): RunStore {
  return {
    insert: async (r, job) =>
      void (await db.run(
        `INSERT INTO segmentation_runs (id, owner, issuer_id, roles, purpose, method, params, status, progress, policy_version, privilege, job, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'queued', 0, $8, $9, $10, $11)`,
        [
          r.id,
          r.owner,
          r.issuerId,
          JSON.stringify(r.roles),
          r.purpose,
          r.method,
          JSON.stringify(r.params),
          r.policyVersion,
          r.privilege === null ? null : JSON.stringify(r.privilege),
          JSON.stringify(job),
          r.createdAt,
        ],
      )),
    get: async (id) => {
      const r = await db.one<RawRun>(`SELECT ${RUN_COLUMNS} FROM segmentation_runs WHERE id = $1`, [id]);
      return r && toRunRow(r);
    },
    listByOwner: async (owner, limit) =>
      (await db.rows<RawRun>(`SELECT ${RUN_COLUMNS} FROM segmentation_runs WHERE owner = $1 ORDER BY created_at DESC LIMIT $2`, [owner, limit])).map(toRunRow),
    activeCount: async (owner) =>
      (await db.one<{ n: number }>(`SELECT count(*)::int AS n FROM segmentation_runs WHERE owner = $1 AND status IN ('queued', 'running')`, [owner]))!.n,
    // SKIP LOCKED: instances asking at once each get another run, none waits on another's claim;
    // the caller served least recently first (by when their last run started), then the oldest run
    claim: async (claimant, now, leaseUntil) => {
      const r = await db.one<{ job: string; attempts: number }>(
        `UPDATE segmentation_runs SET claimed_by = $1, started_at = coalesce(started_at, $2), lease_until = $3, attempts = attempts + 1
         WHERE id = (SELECT c.id FROM segmentation_runs c WHERE c.status IN ('queued', 'running') AND (c.claimed_by IS NULL OR c.lease_until < $2)
           ORDER BY (SELECT coalesce(max(s.started_at), -1) FROM segmentation_runs s WHERE s.owner = c.owner AND s.started_at IS NOT NULL), c.created_at, c.id
           LIMIT 1 FOR UPDATE SKIP LOCKED)
         RETURNING job, attempts`,
        [claimant, now, leaseUntil],
      );
      return r && { job: JSON.parse(r.job) as JobInput, attempts: r.attempts };
    },
    markRunning: async (id, at, claimant) =>
      (await db.run(
        `UPDATE segmentation_runs SET status = 'running', started_at = coalesce(started_at, $1) WHERE id = $2 AND claimed_by = $3 AND status IN ('queued', 'running')`,
        [at, id, claimant],
      )) === 1,
    renew: async (id, claimant, leaseUntil) =>
      (await db.run(`UPDATE segmentation_runs SET lease_until = $1 WHERE id = $2 AND claimed_by = $3 AND status IN ('queued', 'running')`, [
        leaseUntil,
        id,
        claimant,
      ])) === 1,
    holds: async (id, claimant) =>
      (await db.one(`SELECT 1 FROM segmentation_runs WHERE id = $1 AND claimed_by = $2 AND status IN ('queued', 'running')`, [id, claimant])) !== undefined,
    release: async (id, claimant) =>
      (await db.run(
        `UPDATE segmentation_runs SET status = 'queued', claimed_by = NULL, lease_until = NULL, progress = 0, attempts = greatest(attempts - 1, 0)
       WHERE id = $1 AND claimed_by = $2 AND status IN ('queued', 'running')`,
        [id, claimant],
      )) === 1,
    requeueRunning: () =>
      db.run(
        `UPDATE segmentation_runs SET status = 'queued', claimed_by = NULL, lease_until = NULL WHERE status IN ('queued', 'running') AND claimed_by IS NOT NULL`,
      ),
    // written by the claimant only, and never after the result: a late one must not undo it
    progress: async (id, p, claimant) =>
      void (await db.run(`UPDATE segmentation_runs SET progress = $1 WHERE id = $2 AND status = 'running' AND claimed_by = $3`, [p, id, claimant])),
    succeed: async (id, result, at, claimant) =>
      (await db.run(
        `UPDATE segmentation_runs SET status = 'succeeded', progress = 1, result = $1, finished_at = $2, lease_until = NULL
       WHERE id = $3 AND status IN ('queued', 'running') AND claimed_by = $4`,
        [JSON.stringify(result), at, id, claimant],
      )) === 1,
    fail: async (id, error, at, claimant) =>
      (await db.run(
        `UPDATE segmentation_runs SET status = 'failed', error = $1, finished_at = $2, lease_until = NULL
       WHERE id = $3 AND status IN ('queued', 'running') AND ($4::text IS NULL OR claimed_by = $4)`,
        [JSON.stringify(error), at, id, claimant],
      )) === 1,
    // Identities are drawn before commit, so a later commit can hold a smaller one: the share
    // locks wait for every unit writing these tables to commit, and later writers draw larger ones.
    changeMark: () =>
      uow.run(async () => {
        await db.run('LOCK TABLE erasures, consent_records IN SHARE MODE');
        return (await db.one<ChangeMark>(
          'SELECT (SELECT coalesce(max(seq), 0) FROM erasures) AS erasures, (SELECT coalesce(max(id), 0) FROM consent_records) AS consents',
        ))!;
      }),
    changedSince: async (mark, purpose) => ({
      erased: (await db.rows<{ pseudonym: string }>('SELECT pseudonym FROM erasures WHERE seq > $1', [mark.erasures])).map((r) => r.pseudonym),
      consentChanged: (
        await db.rows<{ pseudonym: string }>(
          'SELECT DISTINCT s.pseudonym FROM consent_records c JOIN subjects s ON s.id = c.subject_id WHERE c.id > $1 AND c.purpose = $2',
          [mark.consents, purpose],
        )
      ).map((r) => r.pseudonym),
    }),
    writeMembers: async (id, segmentId, pseudonyms, exclude) => {
      await uow.run(async () => void (await db.run('DELETE FROM segment_member_chunks WHERE run_id = $1 AND segment_id = $2', [id, segmentId])));
      const chunks = Math.ceil(pseudonyms.length / MEMBER_CHUNK);
      let left = 0;
      for (let c0 = 0; c0 < chunks; c0 += CHUNKS_PER_COMMIT) {
        await uow.run(async () => {
          const out: ReadonlyMap<string, MemberExclusion> = (await exclude?.()) ?? new Map();
          const numbers: number[] = [];
          const texts: string[] = [];
          const erased: string[] = [];
          for (let c = c0; c < Math.min(chunks, c0 + CHUNKS_PER_COMMIT); c++) {
            const slots = pseudonyms.slice(c * MEMBER_CHUNK, (c + 1) * MEMBER_CHUNK);
            if (out.size > 0) {
              for (let i = 0; i < slots.length; i++) {
                const why = out.get(slots[i]!);
                if (!why) continue;
                if (why === 'erased') erased.push(slots[i]!);
                slots[i] = '';
                left++;
              }
            }
            numbers.push(c);
            texts.push(slots.join('\n'));
          }
          await db.run(
            `INSERT INTO segment_member_chunks (run_id, segment_id, chunk, members) SELECT $1, $2, c, m FROM unnest($3::int[], $4::text[]) AS u(c, m)`,
            [id, segmentId, numbers, texts],
          );
          // the erasure's receipt learns of memberships a run in flight left out for it
          for (const p of erased) {
            await db.run(
              `UPDATE dsr_requests SET receipt = (receipt::jsonb || jsonb_build_object('in_flight_memberships_removed',
                 coalesce((receipt::jsonb ->> 'in_flight_memberships_removed')::int, 0) + 1))::text
               WHERE kind = 'erasure' AND pseudonym = $1 AND receipt IS NOT NULL`,
              [p],
            );
          }
        });
      }
      return left;
    },
    members: async (id, segmentId, offset, limit) => {
      if (limit <= 0) return [];
      const first = Math.floor(offset / MEMBER_CHUNK);
      const rows = await db.rows<{ members: string }>(
        'SELECT members FROM segment_member_chunks WHERE run_id = $1 AND segment_id = $2 AND chunk BETWEEN $3 AND $4 ORDER BY chunk',
        [id, segmentId, first, Math.floor((offset + limit - 1) / MEMBER_CHUNK)],
      );
      const slots = rows.flatMap((r) => r.members.split('\n'));
      const from = offset - first * MEMBER_CHUNK;
      return slots.slice(from, from + limit).map((p) => (p === '' ? null : p));
    },
  };
}
