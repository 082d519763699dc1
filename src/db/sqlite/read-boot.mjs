// Population-read helper entry: loads the read worker (compiled in a build, else its TypeScript source).
import { workerData } from 'node:worker_threads';
import { loadSibling } from '../../workers/load-sibling.mjs';

try {
  await loadSibling(import.meta.url, 'read-worker');
} catch (e) {
  // The job thread may be blocked in Atomics.wait on the flag: fail it there, not only here.
  const flag = new Int32Array(workerData.flag);
  Atomics.store(flag, 0, -1);
  Atomics.notify(flag, 0);
  throw e;
}
