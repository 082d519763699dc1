// Reads a large population with two threads: this one scans the lower half of the pseudonym
// range while a helper scans the upper half (the scan is CPU-bound on row decoding, issue 5
// bench: 1M subjects about 3 s alone, 1.4 s in two halves). Both connections read one snapshot:
// a write lock held while both open their read transactions keeps any commit from landing
// between them, so the population is exactly the one a single scan would have read.
import Database from 'better-sqlite3';
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import type { Store } from '../../db/open-database.ts';
import { sqlitePopulationReader } from '../../db/sqlite-population-reader.ts';
import { concatRows, type FeatureMatrix } from '../feature-matrix.ts';
import type { PopulationQuery } from '../population-reader.ts';
import type { FeatureName } from '../../policy/features.ts';
import { READ, signal, waitWhile, type HalfMessage } from './read-handshake.ts';

const BOOT = new URL('./read-boot.mjs', import.meta.url);
/** Below this many stored subjects the helper's start-up costs more than it saves. */
export const PARALLEL_READ_MIN = 200_000;

export interface ReadOptions { threads: number; dataDir: string; parallelMin?: number }

/** The covered population in pseudonym order; `threads` says how many threads read it. */
export function readPopulation(store: Store, q: PopulationQuery, opts: ReadOptions): { matrix: FeatureMatrix; threads: number } {
  const reader = sqlitePopulationReader(store.sqlite);
  const split = opts.threads > 1 ? reader.splitKey() : undefined;
  if (split && split.subjects >= (opts.parallelMin ?? PARALLEL_READ_MIN)) {
    try {
      return { matrix: readInHalves(store, q, split.key, opts.dataDir), threads: 2 };
    } catch {
      // The helper could not start or the write lock was not free: one thread reads it all,
      // in a snapshot of its own (the halves read so far are dropped).
    }
  }
  return { matrix: reader.read(q), threads: 1 };
}

function readInHalves(store: Store, q: PopulationQuery, splitKey: string, dataDir: string): FeatureMatrix {
  const reader = sqlitePopulationReader(store.sqlite);

  const flag = new Int32Array(new SharedArrayBuffer(4));
  const { port1, port2 } = new MessageChannel();
  const query: PopulationQuery = { purpose: q.purpose, features: q.features, now: q.now };
  const worker = new Worker(BOOT, { workerData: { dataDir, query, from: splitKey, flag: flag.buffer, port: port2 }, transferList: [port2] });
  // Failures reach this thread through the flag; the event would only crash it later.
  worker.on('error', () => {});
  worker.unref();
  try {
    if (waitWhile(flag, READ.booting, 30_000) !== READ.ready) throw new Error('population read helper did not start');
    openSharedSnapshot(store, flag);
    let lower: FeatureMatrix;
    try {
      lower = reader.read(q, { below: splitKey });
    } finally {
      store.sqlite.exec('COMMIT');
    }
    if (waitWhile(flag, READ.snapshot, 600_000) !== READ.done) throw new Error('population read helper failed');
    const msg = receiveMessageOnPort(port1)?.message as HalfMessage | undefined;
    if (!msg) throw new Error('population read helper sent nothing');
    return concatRows(lower, fromMessage(msg));
  } finally {
    if (Atomics.load(flag, 0) === READ.ready) signal(flag, READ.failed);
    port1.close();
    void worker.terminate();
  }
}

/** Both connections open their read transactions while writers are held off by a write lock. */
function openSharedSnapshot(store: Store, flag: Int32Array): void {
  const lock = new Database(store.file);
  try {
    lock.pragma('busy_timeout = 5000');
    lock.exec('BEGIN IMMEDIATE');
    try {
      store.sqlite.exec('BEGIN');
      store.sqlite.prepare('SELECT 1 FROM subject_features LIMIT 1').get();
      signal(flag, READ.go);
      if (waitWhile(flag, READ.go, 30_000) !== READ.snapshot) {
        store.sqlite.exec('COMMIT');
        throw new Error('population read helper could not open its snapshot');
      }
    } finally {
      lock.exec('ROLLBACK');
    }
  } finally {
    lock.close();
  }
}

function fromMessage(msg: HalfMessage): FeatureMatrix {
  return {
    n: msg.n,
    pseudonyms: msg.n === 0 ? [] : msg.pseudonyms.split('\n'),
    numeric: new Map(msg.numeric as [FeatureName, Float64Array][]),
    categorical: new Map(msg.categorical as [FeatureName, { codes: Int32Array; levels: string[] }][]),
  };
}
