// Runs an erasure's WAL truncation on a short-lived thread (see compact-worker.mjs), so the
// request that erased answers at once and the event loop never waits on a reader.
import { Worker } from 'node:worker_threads';

const WORKER = new URL('./compact-worker.mjs', import.meta.url);

/** Resolves true when the WAL of `file` was truncated within `waitMs`, false otherwise. */
export function compactWal(file: string, waitMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const worker = new Worker(WORKER, { workerData: { file, waitMs } });
    let result = false;
    worker.once('message', (ok: boolean) => {
      result = ok;
    });
    worker.once('error', () => {
      result = false;
    });
    worker.once('exit', () => resolve(result));
  });
}
