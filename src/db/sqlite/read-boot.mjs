// Population-read helper entry: workers do not inherit tsx's loader, so register it first.
import { workerData } from 'node:worker_threads';

try {
  const { register } = await import('tsx/esm/api');
  register();
  await import('./read-worker.ts');
} catch (e) {
  // The job thread may be blocked in Atomics.wait on the flag: fail it there, not only here.
  const flag = new Int32Array(workerData.flag);
  Atomics.store(flag, 0, -1);
  Atomics.notify(flag, 0);
  throw e;
}
