// Worker thread body: boots ahead of its job (its k-means threads and population-read helper
// start while it waits), runs one job, and reports only "done" or "crashed" to the parent.
import { parentPort, workerData } from 'node:worker_threads';
import { sharedPool } from '../kmeans/index.ts';
import { executeJob } from './execute-job.ts';
import type { JobInput } from './job-input.ts';
import { ReadHelper } from './parallel-population-read.ts';

export interface WorkerBoot { dataDir: string; threads: number; ahead?: boolean }

const boot = workerData as WorkerBoot;
// Started ahead only by a warm standby: a worker spawned for a waiting job starts them on demand.
const ahead = boot.ahead === true && boot.threads > 1;
if (ahead) sharedPool(boot.threads);
const helper = ahead ? ReadHelper.start(boot.dataDir) : undefined;

parentPort!.once('message', (job: JobInput) => {
  try {
    executeJob(job, Date.now, helper);
    parentPort!.postMessage({ done: true });
  } catch (e) {
    // Only the class name crosses back: messages can carry data (bound SQL parameters).
    parentPort!.postMessage({ done: false, errorType: e instanceof Error ? e.name : typeof e });
  } finally {
    helper?.dispose();
  }
});
