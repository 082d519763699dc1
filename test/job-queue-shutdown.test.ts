// A stopping gateway's job queue: a job still running when the grace period ends is stopped and
// its run handed back to the queue (claimable at once, the interrupted claim not counted as an
// attempt); a job that finishes within the grace period is waited for and keeps its claim.
// The worker is a stand-in that takes its job and runs until stopped or told to finish (a
// broadcast channel), so the
// test knows the job is running (its progress message) without polling or timing.
import { BroadcastChannel } from 'node:worker_threads';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JobQueue, type JobOutcome } from '../src/segmentation/job-queue.ts';
import type { RunStore } from '../src/segmentation/run-store.ts';
import type { JobInput } from '../src/segmentation/worker/job-input.ts';
import { testGateway, type TestGateway } from './helpers/test-gateway.ts';

const STALLED = new URL('./fixtures/stalled-job-worker.mjs', import.meta.url);

describe('job queue shutdown', () => {
  let gw: TestGateway;
  beforeEach(async () => {
    gw = await testGateway();
    // the gateway's own queue would claim the run first
    await gw.jobs.close();
  });
  afterEach(() => gw?.cleanup());

  async function queued(id: string): Promise<void> {
    const at = gw.now();
    await gw.storage.runs.insert(
      {
        id,
        owner: 'dev:analyst',
        issuerId: 'dev',
        roles: ['marketing'],
        purpose: 'segmentation_analytics',
        method: 'kmeans',
        params: {},
        policyVersion: gw.policies.version,
        privilege: null,
        createdAt: at,
      },
      { runId: id, owner: 'dev:analyst', spec: { method: 'kmeans' } } as unknown as JobInput,
    );
  }

  /** A queue over the real run store whose worker is the stand-in; resolves `running` when the worker took the job. */
  function queue() {
    let took!: () => void;
    const running = new Promise<void>((r) => {
      took = r;
    });
    const runs: RunStore = {
      ...gw.storage.runs,
      progress: async (...a) => {
        took();
        return gw.storage.runs.progress(...a);
      },
    };
    const q = new JobQueue(
      runs,
      gw.logger,
      { url: STALLED, boot: { storage: { dataDir: gw.dataDir }, threads: 1 } },
      { timeoutMs: 600_000, leaseMs: 60_000, pollMs: 60_000 },
    );
    const settled: { outcome: JobOutcome }[] = [];
    q.onSettled = (_m, outcome) => settled.push({ outcome });
    const control = new BroadcastChannel('stalled-job');
    return { q, running, settled, finish: () => control.postMessage('finish'), restore: () => control.close() };
  }

  it('hands a job still running at the end of the grace period back: queued, unclaimed, the attempt not counted', async () => {
    await queued('seg_handback');
    const { q, running, settled, restore } = queue();
    try {
      q.start();
      await running;
      expect(
        await gw.db.get<{ claimed_by: string | null; attempts: number }>('SELECT claimed_by, attempts FROM segmentation_runs WHERE id = ?', 'seg_handback'),
      ).toEqual({ claimed_by: q.claimant, attempts: 1 });
      await q.close(0);
    } finally {
      restore();
    }
    expect(settled).toEqual([{ outcome: 'handed_back' }]);
    const row = await gw.db.get<{ status: string; claimed_by: string | null; lease_until: number | null; attempts: number; progress: number }>(
      'SELECT status, claimed_by, lease_until, attempts, progress FROM segmentation_runs WHERE id = ?',
      'seg_handback',
    );
    expect(row).toMatchObject({ status: 'queued', claimed_by: null, lease_until: null, attempts: 0 });
    expect(Number(row!.progress)).toBe(0);
    // claimable at once by any instance, as a first attempt
    const next = await gw.storage.runs.claim('other-instance', gw.now(), gw.now() + 60_000);
    expect(next?.job.runId).toBe('seg_handback');
    expect(next?.attempts).toBe(1);
  });

  it('waits for a job that finishes within the grace period: not handed back, close resolves after it', async () => {
    await queued('seg_finishes');
    const { q, running, settled, finish, restore } = queue();
    try {
      q.start();
      await running;
      const closed = q.close(600_000);
      let done = false;
      void closed.then(() => {
        done = true;
      });
      await new Promise((r) => setImmediate(r));
      expect(done).toBe(false);
      finish();
      await closed;
    } finally {
      restore();
    }
    expect(settled.map((s) => s.outcome)).not.toContain('handed_back');
    expect(settled).toHaveLength(1);
    // its claim stands: nothing handed it back
    expect(await gw.storage.runs.holds('seg_finishes', q.claimant)).toBe(true);
  });
});
