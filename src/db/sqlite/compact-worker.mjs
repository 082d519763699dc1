// WAL truncation after an erasure, on a thread of its own (plain JS: no loader to boot): a
// TRUNCATE checkpoint waits for readers and copies the WAL into the file, which must not hold
// up the event loop that answers requests. Posts true once the WAL is empty, false when a
// reader still held old frames at the end of the budget.
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';

const { file, waitMs } = workerData;
const pause = new Int32Array(new SharedArrayBuffer(4));
let done = false;
const db = new Database(file);
try {
  // each attempt waits briefly for the lock; the loop, not the busy handler, holds the budget
  db.pragma('busy_timeout = 50');
  const until = Date.now() + waitMs;
  for (;;) {
    try {
      const [r] = db.pragma('wal_checkpoint(TRUNCATE)');
      if (!r || r.busy === 0) {
        done = true;
        break;
      }
    } catch {
      // SQLITE_BUSY: the background checkpointer holds the checkpoint lock this instant
    }
    if (Date.now() >= until) break;
    Atomics.wait(pause, 0, 0, 50);
  }
} finally {
  db.close();
}
parentPort.postMessage(done);
