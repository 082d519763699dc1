// Worker entry: registers tsx's loader in this thread (workers do not inherit it), then loads the TypeScript worker.
import { workerData } from 'node:worker_threads';

const boot = new Int32Array(workerData.boot);
try {
  const { register } = await import('tsx/esm/api');
  register();
  await import('./worker.ts');
} catch (e) {
  // The pool may be blocked in Atomics.wait on this slot: report through shared memory and the sync error port.
  workerData.errors.postMessage(e instanceof Error ? (e.stack ?? e.message) : String(e));
  Atomics.store(boot, workerData.slot, -1);
  Atomics.notify(boot, workerData.slot);
}
