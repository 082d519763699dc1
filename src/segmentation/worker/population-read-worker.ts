// Helper thread of a parallel population read: scans the upper half of the pseudonym range
// inside the read snapshot the job thread opened with it, and hands the columns back.
import { workerData, type MessagePort } from 'node:worker_threads';
import { openStore } from '../../db/open-database.ts';
import { sqlitePopulationReader } from '../../db/sqlite-population-reader.ts';
import type { PopulationQuery } from '../population-reader.ts';
import { READ, signal, waitWhile, type HalfMessage } from './read-handshake.ts';

const { dataDir, query, from, port } = workerData as { dataDir: string; query: PopulationQuery; from: string; port: MessagePort };
const flag = new Int32Array((workerData as { flag: SharedArrayBuffer }).flag);
const store = openStore(dataDir, { migrate: false });
try {
  signal(flag, READ.ready);
  if (waitWhile(flag, READ.ready, 60_000) !== READ.go) throw new Error('population read abandoned');
  store.sqlite.exec('BEGIN');
  // The first read fixes this connection's WAL snapshot while the job thread holds off writers.
  store.sqlite.prepare('SELECT 1 FROM subject_features LIMIT 1').get();
  signal(flag, READ.snapshot);
  const m = sqlitePopulationReader(store.sqlite).read(query, { from });
  store.sqlite.exec('COMMIT');
  const numeric = [...m.numeric].map(([f, col]) => [f, col.slice()] as [string, Float64Array]);
  const categorical = [...m.categorical].map(([f, col]) => [f, { codes: col.codes.slice(), levels: col.levels }] as HalfMessage['categorical'][number]);
  const msg: HalfMessage = { n: m.n, pseudonyms: m.pseudonyms.join('\n'), numeric, categorical };
  port.postMessage(msg, [...numeric.map(([, a]) => a.buffer as ArrayBuffer), ...categorical.map(([, c]) => c.codes.buffer as ArrayBuffer)]);
  signal(flag, READ.done);
} catch (e) {
  signal(flag, READ.failed);
  throw e;
} finally {
  store.close();
  port.close();
}
