// Worker entry: loads the k-means worker (compiled in a build, else its TypeScript source).
import { workerData } from 'node:worker_threads';
import { loadSibling } from '../../workers/load-sibling.mjs';

const boot = new Int32Array(workerData.boot);
try {
  await loadSibling(import.meta.url, 'worker');
} catch (e) {
  // The pool may be blocked in Atomics.wait on this slot: report through shared memory and the sync error port.
  workerData.errors.postMessage(e instanceof Error ? (e.stack ?? e.message) : String(e));
  Atomics.store(boot, workerData.slot, -1);
  Atomics.notify(boot, workerData.slot);
}
