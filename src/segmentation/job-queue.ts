// Runs segmentation jobs one at a time in worker threads, so the event loop keeps answering.
// Each job gets a fresh worker (its memory goes back when it ends); a server keeps the next one
// booted ahead (prewarm), so a job does not wait ~1 s for threads to start. Callers take turns
// (one job of each caller with jobs waiting, in rotation), so nobody waits behind another
// caller's backlog; a job running past its time limit is stopped and fails with `timeout`.
import { Worker } from 'node:worker_threads';
import type { Logger } from '../logging/logger.ts';
import type { RunStore } from './run-store.ts';
import type { JobInput } from './worker/job-input.ts';
import type { StorageConfig } from '../storage/storage-config.ts';

/** What a job worker is started with: where its storage is, how many threads it may use. */
export interface WorkerBoot { storage: StorageConfig; threads: number; ahead?: boolean }

export class JobQueue {
  /** Waiting jobs by caller, callers in the order their first waiting job arrived. */
  private readonly pending = new Map<string, JobInput[]>();
  /** The turn at which each caller with jobs waiting (and the one served last) was last served. */
  private readonly served = new Map<string, number>();
  private turn = 0;
  private active: Promise<void> | undefined;
  private closed = false;
  private warm = false;
  private standby: Worker | undefined;

  constructor(
    private readonly runs: RunStore, private readonly logger: Logger, private readonly clock: () => number,
    /** The worker's entry script (it opens storage and runs executeJob) and its boot data. */
    private readonly worker: { url: URL; boot: WorkerBoot },
    /** Counted from when the job is handed to its worker. */
    private readonly timeoutMs = 15 * 60_000,
  ) {}

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

  submit(job: JobInput): void {
    if (this.closed) throw new Error('job queue closed');
    const waiting = this.pending.get(job.owner);
    if (waiting) waiting.push(job);
    else this.pending.set(job.owner, [job]);
    this.pump();
  }

  /**
   * The oldest job of the waiting caller served least recently (one never served first, in order
   * of arrival): with several callers waiting, each gets a job in turn.
   */
  private take(): JobInput | undefined {
    let owner: string | undefined;
    let best = Infinity;
    for (const o of this.pending.keys()) {
      const s = this.served.get(o) ?? -1;
      if (s < best) { best = s; owner = o; }
    }
    if (owner === undefined) return undefined;
    const jobs = this.pending.get(owner)!;
    const job = jobs.shift()!;
    if (jobs.length === 0) this.pending.delete(owner);
    this.served.set(owner, ++this.turn);
    for (const o of this.served.keys()) if (o !== owner && !this.pending.has(o)) this.served.delete(o);
    return job;
  }

  /** Resolves when the queue is empty (tests, graceful shutdown). */
  async idle(): Promise<void> {
    while (this.active) await this.active;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.pending.clear();
    this.served.clear();
    const standby = this.standby;
    this.standby = undefined;
    await Promise.all([this.idle(), standby?.terminate()]);
  }

  private pump(): void {
    if (this.active) return;
    const job = this.take();
    if (!job) return;
    this.active = this.run(job).finally(() => {
      this.active = undefined;
      this.pump();
    });
  }

  private run(job: JobInput): Promise<void> {
    return new Promise<void>((resolve) => {
      let done = false;
      let timedOut = false;
      const worker = this.standby ?? this.spawn(false);
      this.standby = undefined;
      worker.ref();
      const timer = setTimeout(() => {
        timedOut = true;
        void worker.terminate();
      }, this.timeoutMs);
      // progress comes as messages: the worker's own event loop is busy computing
      let progress: Promise<void> = Promise.resolve();
      worker.on('message', (m: { done?: boolean; errorType?: string; progress?: number }) => {
        if (m.progress !== undefined) {
          const p = m.progress;
          progress = progress.then(() => this.runs.progress(job.runId, p)).catch(() => {});
          return;
        }
        done = m.done === true;
        if (!m.done) this.logger.error({ run: job.runId, err: { type: m.errorType } }, 'segmentation job failed');
      });
      worker.on('error', (e) => this.logger.error({ run: job.runId, err: e }, 'segmentation worker error'));
      worker.on('exit', (code) => {
        clearTimeout(timer);
        void progress.then(() => this.settle(job, done && code === 0, timedOut)).finally(() => {
          if (this.warm && !this.closed) this.standby ??= this.spawn(true);
          resolve();
        });
      });
      worker.postMessage(job);
    });
  }

  /**
   * A job that reported a failure may have failed before it could record it (e.g. its storage
   * could not be opened): the run must not stay queued or running forever.
   */
  private async settle(job: JobInput, completed: boolean, timedOut: boolean): Promise<void> {
    if (timedOut) this.logger.warn({ run: job.runId }, 'segmentation job stopped at its time limit');
    if (completed) return;
    try {
      const row = await this.runs.get(job.runId);
      if (row && row.status !== 'succeeded' && row.status !== 'failed') {
        await this.runs.fail(job.runId, timedOut
          ? { code: 'timeout', message: 'The run took longer than the gateway allows (VEILGATE_JOB_TIMEOUT_MS) and was stopped; narrow it or ask an operator.' }
          : { code: 'internal_error', message: 'The run failed unexpectedly; it was not completed.' }, this.clock());
      }
    } catch (e) {
      this.logger.error({ run: job.runId, err: e }, 'a failed run could not be recorded as failed');
    }
  }
}
