// Worker thread body: one job per worker; the parent only learns "done" or "crashed".
import { parentPort, workerData } from 'node:worker_threads';
import { executeJob } from './execute-job.ts';
import type { JobInput } from './job-input.ts';

try {
  executeJob(workerData as JobInput);
  parentPort?.postMessage({ done: true });
} catch (e) {
  // Only the class name crosses back: messages can carry data (bound SQL parameters).
  parentPort?.postMessage({ done: false, errorType: e instanceof Error ? e.name : typeof e });
}
