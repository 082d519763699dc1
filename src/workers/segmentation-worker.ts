// Segmentation worker thread: opens storage of its own, boots ahead of its job (its k-means
// threads and the storage's read helpers start while it waits), runs one job, and reports only
// "done" or "crashed" to the parent.
import { parentPort, workerData } from 'node:worker_threads';
import { openStorage } from '../db/open-storage.ts';
import { sharedPool } from '../segmentation/kmeans/index.ts';
import { executeJob } from '../segmentation/worker/execute-job.ts';
import type { WorkerBoot, WorkerJob } from '../segmentation/job-queue.ts';

const boot = workerData as WorkerBoot;
const storage = await openStorage({ ...boot.storage, migrate: false, poolSize: 2 });
// Started ahead only by a warm standby: a worker spawned for a waiting job starts them on demand.
if (boot.ahead === true && boot.threads > 1) {
  sharedPool(boot.threads);
  storage.population.warmUp?.(boot.threads);
}

parentPort!.once('message', ({ job, claimant }: WorkerJob) => {
  void executeJob(job, storage, { claimant, threads: boot.threads, onProgress: (fraction) => parentPort!.postMessage({ progress: fraction }) })
    .then(() => parentPort!.postMessage({ done: true }))
    // Only the class name crosses back: messages can carry data (bound SQL parameters).
    .catch((e: unknown) => parentPort!.postMessage({ done: false, errorType: e instanceof Error ? e.name : typeof e }))
    .finally(() => storage.close());
});
