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
export interface WorkerBoot {
  storage: StorageConfig;
  threads: number;
  ahead?: boolean;
}

/** What the worker is told to run, and under whose claim. */
export interface WorkerJob {
  job: JobInput;
  claimant: string;
}

export interface QueueTiming {
  /** Counted from when the job is handed to its worker. */
  timeoutMs: number;
  /** How long a claim holds without renewal (renewed every third of it while the job runs). */
  leaseMs: number;
  /** How often an idle instance looks for runs (submitted on another instance, or to take over). */
  pollMs: number;
}

/** How a job ended on this instance (metrics). */
export type JobOutcome = 'succeeded' | 'failed' | 'timeout' | 'taken_over' | 'handed_back';

/** Claims of a run before it is failed as interrupted (an instance died under it each time). */
export const MAX_ATTEMPTS = 3;

const INTERRUPTED = { code: 'interrupted', message: 'The run was interrupted repeatedly (its gateway instance stopped each time); submit it again.' };
const TIMEOUT = {
  code: 'timeout',
  message: 'The run took longer than the gateway allows (VEILGATE_JOB_TIMEOUT_MS) and was stopped; narrow it or ask an operator.',
};
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
  /** The job this instance runs now, and how to hand it back if the process stops first. */
  private current: { handBack(): void } | undefined;
  /** Told how each job ended on this instance and how long its worker ran (metrics). */
  onSettled: ((method: string, outcome: JobOutcome, seconds: number) => void) | undefined;
  /** Told of each progress a job reported, once it is stored (tests follow a job without polling). */
  onProgress: ((runId: string, progress: number) => void) | undefined;

  constructor(
    private readonly runs: RunStore,
    private readonly logger: Logger,
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

  /** Jobs this instance runs now (0 or 1). */
  get running(): number {
    return this.current ? 1 : 0;
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
    worker.once('exit', () => {
      if (this.standby === worker) this.standby = undefined;
    });
    worker.on('error', (e) => {
      if (this.standby === worker) this.logger.error({ err: e }, 'segmentation standby worker error');
    });
    return worker;
  }

  /** A run was queued (here or elsewhere): look for work now rather than at the next poll. */
  poke(): void {
    if (this.closed) return;
    if (this.active) {
      this.again = true;
      return;
    }
    this.active = this.drain()
      .catch((e: unknown) => this.logger.error({ err: e }, 'segmentation queue: claiming a run failed'))
      .finally(() => {
        this.active = undefined;
        if (this.again) {
          this.again = false;
          this.poke();
        }
      });
  }

  /** Resolves when this instance has nothing running or claimable (tests, graceful shutdown). */
  async idle(): Promise<void> {
    while (this.active) await this.active;
  }

  /**
   * Claims nothing more; a job running now may finish within `graceMs`, else its worker is stopped
   * and the run handed back to the queue (another instance, or this one's next start, runs it).
   */
  async close(graceMs = 0): Promise<void> {
    this.closed = true;
    if (this.poller) clearInterval(this.poller);
    this.poller = undefined;
    const standby = this.standby;
    this.standby = undefined;
    let grace: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => {
      grace = setTimeout(resolve, graceMs);
    });
    await Promise.all([Promise.race([this.idle(), late]), standby?.terminate()]);
    clearTimeout(grace);
    this.current?.handBack();
    await this.idle();
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
      if (claimed.attempts > 1)
        this.logger.warn({ run: claimed.job.runId, attempt: claimed.attempts }, 'segmentation run taken over: its previous claim lapsed');
      await this.run(claimed);
    }
  }

  private run({ job }: ClaimedRun): Promise<void> {
    return new Promise<void>((resolve) => {
      let done = false;
      let timedOut = false;
      let lost = false;
      let handedBack = false;
      const worker = this.standby ?? this.spawn(false);
      this.standby = undefined;
      worker.ref();
      const started = performance.now();
      this.current = {
        handBack: () => {
          handedBack = true;
          void worker.terminate();
        },
      };
      const timer = setTimeout(() => {
        timedOut = true;
        void worker.terminate();
      }, this.timing.timeoutMs);
      // the claim is renewed while the worker runs; lost (taken over), the worker is stopped
      const renewal = setInterval(
        () => {
          void this.runs.renew(job.runId, this.claimant, this.now() + this.timing.leaseMs).then(
            (held) => {
              if (held || done) return;
              lost = true;
              this.logger.warn({ run: job.runId }, 'segmentation run taken over by another instance: this one stops');
              void worker.terminate();
            },
            (e: unknown) => this.logger.error({ run: job.runId, err: e }, 'segmentation run: the claim could not be renewed'),
          );
        },
        Math.max(50, Math.floor(this.timing.leaseMs / 3)),
      );
      // progress comes as messages: the worker's own event loop is busy computing
      let progress: Promise<void> = Promise.resolve();
      worker.on('message', (m: { done?: boolean; errorType?: string; progress?: number }) => {
        if (m.progress !== undefined) {
          const p = m.progress;
          progress = progress
            .then(() => this.runs.progress(job.runId, p, this.claimant))
            .then(() => this.onProgress?.(job.runId, p))
            .catch(() => {});
          return;
        }
        done = m.done === true;
        if (!m.done) this.logger.error({ run: job.runId, err: { type: m.errorType } }, 'segmentation job failed');
      });
      worker.on('error', (e) => this.logger.error({ run: job.runId, err: e }, 'segmentation worker error'));
      worker.on('exit', (code) => {
        clearTimeout(timer);
        clearInterval(renewal);
        this.current = undefined;
        const seconds = (performance.now() - started) / 1000;
        const completed = done && code === 0;
        const ended = handedBack && !completed ? this.handBack(job) : lost ? Promise.resolve<JobOutcome>('taken_over') : this.settle(job, completed, timedOut);
        void progress
          .then(() => ended)
          .then((outcome) => this.onSettled?.(job.spec.method, outcome, seconds))
          .finally(() => {
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
  private async settle(job: JobInput, completed: boolean, timedOut: boolean): Promise<JobOutcome> {
    if (timedOut) this.logger.warn({ run: job.runId }, 'segmentation job stopped at its time limit');
    if (completed) {
      // the job may have completed by recording a refusal (a population under the minimum)
      const status = this.onSettled && (await this.runs.get(job.runId).catch(() => undefined))?.status;
      return status === 'failed' ? 'failed' : 'succeeded';
    }
    try {
      await this.runs.fail(job.runId, timedOut ? TIMEOUT : FAILED, this.now(), this.claimant);
    } catch (e) {
      this.logger.error({ run: job.runId, err: e }, 'a failed run could not be recorded as failed');
    }
    return timedOut ? 'timeout' : 'failed';
  }

  /** Stopped by shutdown: the run goes back to the queue unless it finished meanwhile. */
  private async handBack(job: JobInput): Promise<JobOutcome> {
    try {
      const released = await this.runs.release(job.runId, this.claimant);
      if (released) this.logger.warn({ run: job.runId }, 'segmentation run handed back to the queue: the gateway is stopping');
    } catch (e) {
      // the lease lapses and another instance (or the next start) takes the run over
      this.logger.error({ run: job.runId, err: e }, 'segmentation run could not be handed back; its claim lapses instead');
    }
    return 'handed_back';
  }
}
