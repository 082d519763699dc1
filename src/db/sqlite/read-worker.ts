// Helper thread of a parallel population read: boots ahead of its job, then scans the upper
// half of the subject id range inside the read snapshot the job thread opened with it.
import { receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { openConnection } from './open-database.ts';
import { beginSnapshot, endSnapshot } from './read-snapshot.ts';
import { sqlitePopulationReader } from './population-reader.ts';
import { READ, signal, type HalfMessage, type HalfRequest } from './read-handshake.ts';

const { dataDir, port } = workerData as { dataDir: string; port: MessagePort };
const flag = new Int32Array((workerData as { flag: SharedArrayBuffer }).flag);
const store = { sqlite: openConnection(dataDir, { migrate: false }) };
try {
  // Dismissed while booting: nothing to do.
  if (Atomics.compareExchange(flag, 0, READ.booting, READ.ready) === READ.booting) {
    Atomics.notify(flag, 0);
    // Idle until the job needs it (no timeout: a warm worker can wait long for its job).
    Atomics.wait(flag, 0, READ.ready);
    if (Atomics.load(flag, 0) === READ.go) scanUpperHalf();
  }
} catch (e) {
  signal(flag, READ.failed);
  throw e;
} finally {
  store.sqlite.close();
  port.close();
}

function scanUpperHalf(): void {
  const req = receiveMessageOnPort(port)?.message as HalfRequest | undefined;
  if (!req) throw new Error('population read request missing');
  // The snapshot is fixed while the job thread holds off writers.
  beginSnapshot(store.sqlite);
  signal(flag, READ.snapshot);
  const m = sqlitePopulationReader(store.sqlite).read(req.query, { from: req.from });
  endSnapshot(store.sqlite);
  const numeric = [...m.numeric].map(([f, col]) => [f, col.slice()] as [string, Float64Array]);
  const categorical = [...m.categorical].map(([f, col]) => [f, { codes: col.codes.slice(), levels: col.levels }] as HalfMessage['categorical'][number]);
  const msg: HalfMessage = { n: m.n, pseudonyms: m.pseudonyms.join('\n'), numeric, categorical };
  port.postMessage(msg, [...numeric.map(([, a]) => a.buffer as ArrayBuffer), ...categorical.map(([, c]) => c.codes.buffer as ArrayBuffer)]);
  signal(flag, READ.done);
}
