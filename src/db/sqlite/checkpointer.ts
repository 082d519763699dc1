// Moves WAL checkpoints off the writer: with random pseudonym keys a batch dirties pages all
// over the file, and the writer's own autocheckpoints cost 13-15% of the ingest floor's time
// (alternating A/B runs, 100k customers). A thread checkpoints every intervalMs;
// the writer keeps a high autocheckpoint threshold only as a safety net should it stop.
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import { AUTOCHECKPOINT_PAGES } from './open-database.ts';

const WORKER = new URL('./checkpoint-worker.mjs', import.meta.url);
/** Pages of WAL (4 KiB each) the writer lets accumulate before checkpointing itself. */
export const SAFETY_NET_PAGES = 100_000;

export class Checkpointer {
  private constructor(
    private readonly worker: Worker,
    private readonly stopFlag: Int32Array,
    private readonly exited: Promise<void>,
  ) {}

  /** `sqlite`: the writer's connection, whose own checkpoint threshold becomes a safety net. */
  static start(sqlite: Database.Database, opts: { intervalMs?: number; onError?: (e: Error) => void } = {}): Checkpointer {
    const stopFlag = new Int32Array(new SharedArrayBuffer(4));
    const worker = new Worker(WORKER, { workerData: { file: sqlite.name, intervalMs: opts.intervalMs ?? 250, stop: stopFlag.buffer } });
    worker.unref();
    const exited = new Promise<void>((resolve) =>
      worker.once('exit', () => {
        // without the thread the writer checkpoints again at the usual threshold
        try {
          if (sqlite.open) sqlite.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`);
        } catch {
          /* closed meanwhile */
        }
        resolve();
      }),
    );
    worker.on('error', (e) => opts.onError?.(e));
    sqlite.pragma(`wal_autocheckpoint = ${SAFETY_NET_PAGES}`);
    return new Checkpointer(worker, stopFlag, exited);
  }

  /** Ends the thread after its current checkpoint; resolves when it has closed its connection. */
  stop(): Promise<void> {
    // The thread is unref'd so it never keeps a process alive on its own; while it is being
    // stopped it must, or a CLI awaiting this (nothing else pending) exits before it is told.
    this.worker.ref();
    Atomics.store(this.stopFlag, 0, 1);
    Atomics.notify(this.stopFlag, 0);
    return this.exited;
  }
}
