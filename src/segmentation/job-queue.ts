// Runs segmentation jobs one at a time in worker threads, so the event loop keeps answering.
import { Worker } from 'node:worker_threads';
import type { Logger } from '../logging/logger.ts';
import type { RunStore } from './run-store.ts';
import type { JobInput } from './worker/job-input.ts';

const BOOT = new URL('./worker/boot.mjs', import.meta.url);

export class JobQueue {
  private readonly pending: JobInput[] = [];
  private active: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly runs: RunStore, private readonly logger: Logger, private readonly clock: () => number) {}

  submit(job: JobInput): void {
    if (this.closed) throw new Error('job queue closed');
    this.pending.push(job);
    this.pump();
  }

  /** Resolves when the queue is empty (tests, graceful shutdown). */
  async idle(): Promise<void> {
    while (this.active) await this.active;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.pending.length = 0;
    await this.idle();
  }

  private pump(): void {
    if (this.active || this.pending.length === 0) return;
    const job = this.pending.shift()!;
    this.active = this.run(job).finally(() => {
      this.active = undefined;
      this.pump();
    });
  }

  private run(job: JobInput): Promise<void> {
    return new Promise<void>((resolve) => {
      let done = false;
      const worker = new Worker(BOOT, { workerData: job });
      worker.on('message', (m: { done: boolean; errorType?: string }) => {
        done = m.done;
        if (!m.done) this.logger.error({ run: job.runId, err: { type: m.errorType } }, 'segmentation job failed');
      });
      worker.on('error', (e) => this.logger.error({ run: job.runId, err: e }, 'segmentation worker error'));
      worker.on('exit', (code) => {
        // A job that reported a failure may have failed before it could record it (e.g. its
        // store could not be opened): the run must not stay queued or running forever.
        if (!done || code !== 0) {
          const row = this.runs.get(job.runId);
          if (row && row.status !== 'succeeded' && row.status !== 'failed') {
            this.runs.fail(job.runId, { code: 'internal_error', message: 'The run failed unexpectedly; it was not completed.' }, this.clock());
          }
        }
        resolve();
      });
    });
  }
}
