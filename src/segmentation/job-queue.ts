// Runs segmentation jobs from the queue stored with the runs, one at a time per instance, in
// worker threads (the event loop keeps answering). Any instance sharing the database may claim a
// queued run; the claim is a lease this instance renews while its worker runs, so a run whose
// instance died is taken over by another once the lease lapses, and a run is worked on by one
// instance at a time. Each job gets a fresh worker (its memory goes back when it ends); a server
// keeps the next one booted ahead (prewarm). Callers take turns: the claim takes the run of the
// caller served least recently. A job past its time limit is stopped and fails with `timeout`.
import crypto from 'node:crypto';
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../logging/logger.ts';
import type { StorageConfig } from '../storage/storage-config.ts';
import type { ClaimedRun, RunStore } from './run-store.ts';
import type { JobInput } from './worker/job-input.ts';

/** What a job worker is started with: where its storage is, how many threads it may use. */
export interface WorkerBoot { storage: StorageConfig; threads: number; ahead?: boolean }

/** What the worker is told to run, and under whose claim. */
export interface WorkerJob { job: JobInput; claimant: string }

export interface QueueTiming {
  /** Counted from when the job is handed to its worker. */
  timeoutMs: number;
  /** How long a claim holds without renewal (renewed every third of it while the job runs). */
  leaseMs: number;
  /** How often an idle instance looks for runs (submitted on another instance, or to take over). */
  pollMs: number;
}

/** Claims of a run before it is failed as interrupted (an instance died under it each time). */
export const MAX_ATTEMPTS = 3;

const INTERRUPTED = { code: 'interrupted', message: 'The run was interrupted repeatedly (its gateway instance stopped each time); submit it again.' };
const TIMEOUT = { code: 'timeout', message: 'The run took longer than the gateway allows (VEILGATE_JOB_TIMEOUT_MS) and was stopped; narrow it or ask an operator.' };
const FAILED = { code: 'internal_error', message: 'The run failed unexpectedly; it was not completed.' };

export class JobQueue {
  /** This instance's name in claims: host, process and a random part (a restarted process is another claimant). */
  readonly claimant = `${os.hostname()}:${process.pid}:${crypto.randomBytes(4).toString('hex')}`;
  private active: Promise<void> | undefined;
  private again = false;
  private closed = false;
  private warm = false;
  private standby: Worker | undefined;
  private poller: NodeJS.Timeout | undefined;

  constructor(
    private readonly runs: RunStore, private readonly logger: Logger,
    /** The worker's entry script (it opens storage and runs executeJob) and its boot data. */
    private readonly worker: { url: URL; boot: WorkerBoot },
    private readonly timing: QueueTiming,
    /** Wall time: leases are compared across instances. */
    private readonly now: () => number = Date.now,
  ) {}

  /** Looks for runs every pollMs from now on (a gateway calls it; the CLI never runs jobs). */
  start(): void {
    if (this.poller || this.closed) return;
    this.poller = setInterval(() => this.poke(), this.timing.pollMs);
    this.poller.unref();
    this.poke();
  }

  /**
   * Keeps one worker booted ahead of the next job, from now on. A server calls it at start; it
   * costs idle threads (the worker, its k-means threads and its read helper), so tests do not.
   */
  prewarm(): void {
    if (this.closed) return;
    this.warm = true;
    this.standby ??= this.spawn(true);
  }

  /** Whether a worker is booted (or booting) ahead of the next job. */
  get hasStandby(): boolean {
    return this.standby !== undefined;
  }

  /** `ahead`: the worker starts its k-means threads and read helper while it waits for a job. */
  private spawn(ahead: boolean): Worker {
    const worker = new Worker(this.worker.url, { workerData: { ...this.worker.boot, ahead } satisfies WorkerBoot });
    // idle, it must not keep the process alive; run() refs it when it takes a job
    worker.unref();
    worker.once('exit', () => { if (this.standby === worker) this.standby = undefined; });
    worker.on('error', (e) => { if (this.standby === worker) this.logger.error({ err: e }, 'segmentation standby worker error'); });
    return worker;
  }

  /** A run was queued (here or elsewhere): look for work now rather than at the next poll. */
  poke(): void {
    if (this.closed) return;
    if (this.active) { this.again = true; return; }
    this.active = this.drain()
      .catch((e: unknown) => this.logger.error({ err: e }, 'segmentation queue: claiming a run failed'))
      .finally(() => {
        this.active = undefined;
        if (this.again) { this.again = false; this.poke(); }
      });
  }

  /** Resolves when this instance has nothing running or claimable (tests, graceful shutdown). */
  async idle(): Promise<void> {
    while (this.active) await this.active;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.poller) clearInterval(this.poller);
    this.poller = undefined;
    const standby = this.standby;
    this.standby = undefined;
    await Promise.all([this.idle(), standby?.terminate()]);
  }

  private async drain(): Promise<void> {
    for (;;) {
      this.again = false;
      if (this.closed) return;
      const t = this.now();
      const claimed = await this.runs.claim(this.claimant, t, t + this.timing.leaseMs);
      if (!claimed) return;
      if (claimed.attempts > MAX_ATTEMPTS) {
        await this.runs.fail(claimed.job.runId, INTERRUPTED, this.now(), this.claimant);
        this.logger.warn({ run: claimed.job.runId, attempts: claimed.attempts }, 'segmentation run failed: interrupted too often');
        continue;
      }
      if (claimed.attempts > 1) this.logger.warn({ run: claimed.job.runId, attempt: claimed.attempts }, 'segmentation run taken over: its previous claim lapsed');
      await this.run(claimed);
    }
  }

  private run({ job }: ClaimedRun): Promise<void> {
    return new Promise<void>((resolve) => {
      let done = false;
      let timedOut = false;
      let lost = false;
      const worker = this.standby ?? this.spawn(false);
      this.standby = undefined;
      worker.ref();
      const timer = setTimeout(() => {
        timedOut = true;
        void worker.terminate();
      }, this.timing.timeoutMs);
      // the claim is renewed while the worker runs; lost (taken over), the worker is stopped
      const renewal = setInterval(() => {
        void this.runs.renew(job.runId, this.claimant, this.now() + this.timing.leaseMs).then((held) => {
          if (held || done) return;
          lost = true;
          this.logger.warn({ run: job.runId }, 'segmentation run taken over by another instance: this one stops');
          void worker.terminate();
        }, (e: unknown) => this.logger.error({ run: job.runId, err: e }, 'segmentation run: the claim could not be renewed'));
      }, Math.max(50, Math.floor(this.timing.leaseMs / 3)));
      // progress comes as messages: the worker's own event loop is busy computing
      let progress: Promise<void> = Promise.resolve();
      worker.on('message', (m: { done?: boolean; errorType?: string; progress?: number }) => {
        if (m.progress !== undefined) {
          const p = m.progress;
          progress = progress.then(() => this.runs.progress(job.runId, p, this.claimant)).catch(() => {});
          return;
        }
        done = m.done === true;
        if (!m.done) this.logger.error({ run: job.runId, err: { type: m.errorType } }, 'segmentation job failed');
      });
      worker.on('error', (e) => this.logger.error({ run: job.runId, err: e }, 'segmentation worker error'));
      worker.on('exit', (code) => {
        clearTimeout(timer);
        clearInterval(renewal);
        void progress.then(() => (lost ? undefined : this.settle(job, done && code === 0, timedOut))).finally(() => {
          if (this.warm && !this.closed) this.standby ??= this.spawn(true);
          resolve();
        });
      });
      worker.postMessage({ job, claimant: this.claimant } satisfies WorkerJob);
    });
  }

  /**
   * A job that reported a failure may have failed before it could record it (e.g. its storage
   * could not be opened): the run must not stay running until its lease lapses and repeat.
   */
  private async settle(job: JobInput, completed: boolean, timedOut: boolean): Promise<void> {
    if (timedOut) this.logger.warn({ run: job.runId }, 'segmentation job stopped at its time limit');
    if (completed) return;
    try {
      await this.runs.fail(job.runId, timedOut ? TIMEOUT : FAILED, this.now(), this.claimant);
    } catch (e) {
      this.logger.error({ run: job.runId, err: e }, 'a failed run could not be recorded as failed');
    }
  }
}
