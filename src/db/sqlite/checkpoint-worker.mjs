// Background WAL checkpointer thread (plain JS: it needs no loader, so it starts in milliseconds).
// PASSIVE checkpoints never wait for or block the writer; a busy one is simply retried next tick.
import Database from 'better-sqlite3';
import { workerData } from 'node:worker_threads';

const { file, intervalMs } = workerData;
const stop = new Int32Array(workerData.stop);
const db = new Database(file);
try {
  db.pragma('busy_timeout = 0');
  while (Atomics.wait(stop, 0, 0, intervalMs) === 'timed-out') {
    try {
      db.pragma('wal_checkpoint(PASSIVE)');
    } catch {
      // SQLITE_BUSY or LOCKED: another checkpoint (an erasure's TRUNCATE) is running
    }
  }
} finally {
  db.close();
}
