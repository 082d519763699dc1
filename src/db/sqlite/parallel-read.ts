// Reads a large population with two threads: this one scans the lower half of the subject id
// range while a helper scans the upper half (the scan is CPU-bound on row decoding: in a
// one-off scan of 1M subjects, ~3 s alone and ~1.4 s in two halves). Both connections read one snapshot:
// a write lock held while both open their read transactions keeps any commit from landing
// between them, so the population is exactly the one a single scan would have read.
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import { beginSnapshot, endSnapshot, holdingWriters } from './read-snapshot.ts';
import { sqlitePopulationReader } from './population-reader.ts';
import { concatRows, type FeatureMatrix } from '../../segmentation/feature-matrix.ts';
import type { PopulationQuery } from '../../segmentation/population-reader.ts';
import type { FeatureName } from '../../policy/features.ts';
import { READ, signal, waitWhile, type HalfMessage, type HalfRequest } from './read-handshake.ts';

const BOOT = new URL('./read-boot.mjs', import.meta.url);
/** Below this many stored subjects the helper's start-up costs more than it saves. */
export const PARALLEL_READ_MIN = 200_000;

/** A helper thread started ahead of the read (a warm job worker starts it while it waits). */
export class ReadHelper {
  private constructor(
    private readonly worker: Worker,
    readonly flag: Int32Array,
    readonly port: MessagePort,
  ) {}

  static start(dataDir: string): ReadHelper {
    const flag = new Int32Array(new SharedArrayBuffer(4));
    const { port1, port2 } = new MessageChannel();
    const worker = new Worker(BOOT, { workerData: { dataDir, flag: flag.buffer, port: port2 }, transferList: [port2] });
    // Failures reach the job thread through the flag; the event would only crash it later.
    worker.on('error', () => {});
    worker.unref();
    return new ReadHelper(worker, flag, port1);
  }

  /** Ends the helper, used or not; an idle one is told to stop before it is terminated. */
  dispose(): void {
    const state = Atomics.load(this.flag, 0);
    if (state === READ.booting || state === READ.ready) signal(this.flag, READ.failed);
    this.port.close();
    void this.worker.terminate();
  }
}

export interface ReadOptions {
  threads: number;
  dataDir: string;
  parallelMin?: number;
  helper?: ReadHelper;
}

/** What a read needs of the connection: it, and the file other connections open. */
export interface ScanTarget {
  sqlite: Database.Database;
  file: string;
}

/** The covered population in subject id order; `threads` says how many threads read it. */
export function readPopulation(store: ScanTarget, q: PopulationQuery, opts: ReadOptions): { matrix: FeatureMatrix; threads: number } {
  const reader = sqlitePopulationReader(store.sqlite);
  const split = opts.threads > 1 ? reader.splitKey() : undefined;
  if (split && split.subjects >= (opts.parallelMin ?? PARALLEL_READ_MIN)) {
    const helper = opts.helper ?? ReadHelper.start(opts.dataDir);
    try {
      return { matrix: readInHalves(store, q, split.key, helper), threads: 2 };
    } catch {
      // The helper could not start or the write lock was not free: one thread reads it all,
      // in a snapshot of its own (the halves read so far are dropped).
    } finally {
      if (!opts.helper) helper.dispose();
    }
  }
  return { matrix: reader.read(q), threads: 1 };
}

function readInHalves(store: ScanTarget, q: PopulationQuery, splitKey: number, helper: ReadHelper): FeatureMatrix {
  const { flag, port } = helper;
  if (waitWhile(flag, READ.booting, 30_000) !== READ.ready) throw new Error('population read helper did not start');
  const request: HalfRequest = { query: { purpose: q.purpose, features: q.features, now: q.now }, from: splitKey };
  port.postMessage(request);
  openSharedSnapshot(store, flag);
  let lower: FeatureMatrix;
  try {
    lower = sqlitePopulationReader(store.sqlite).read(q, { below: splitKey });
  } finally {
    endSnapshot(store.sqlite);
  }
  if (waitWhile(flag, READ.snapshot, 600_000) !== READ.done) throw new Error('population read helper failed');
  const msg = receiveMessageOnPort(port)?.message as HalfMessage | undefined;
  if (!msg) throw new Error('population read helper sent nothing');
  return concatRows(lower, fromMessage(msg));
}

/** Both connections open their read transactions while writers are held off by a write lock. */
function openSharedSnapshot(store: ScanTarget, flag: Int32Array): void {
  holdingWriters(store.file, () => {
    beginSnapshot(store.sqlite);
    signal(flag, READ.go);
    if (waitWhile(flag, READ.go, 30_000) !== READ.snapshot) {
      endSnapshot(store.sqlite);
      throw new Error('population read helper could not open its snapshot');
    }
  });
}

function fromMessage(msg: HalfMessage): FeatureMatrix {
  return {
    n: msg.n,
    pseudonyms: msg.n === 0 ? [] : msg.pseudonyms.split('\n'),
    numeric: new Map(msg.numeric as [FeatureName, Float64Array][]),
    categorical: new Map(msg.categorical as [FeatureName, { codes: Int32Array; levels: string[] }][]),
  };
}
