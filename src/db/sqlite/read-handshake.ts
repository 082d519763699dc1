// States of the flag a job thread and its population-read helper share (Int32Array slot 0).
export const READ = { booting: 0, ready: 1, go: 2, snapshot: 3, done: 4, failed: -1 } as const;

/** Blocks until the flag leaves `from`; returns the new state, or `failed` after the timeout. */
export function waitWhile(flag: Int32Array, from: number, timeoutMs: number): number {
  const deadline = Date.now() + timeoutMs;
  let state = Atomics.load(flag, 0);
  while (state === from) {
    const left = deadline - Date.now();
    if (left <= 0) return READ.failed;
    Atomics.wait(flag, 0, from, left);
    state = Atomics.load(flag, 0);
  }
  return state;
}

export function signal(flag: Int32Array, state: number): void {
  Atomics.store(flag, 0, state);
  Atomics.notify(flag, 0);
}

import type { PopulationQuery } from '../../segmentation/population-reader.ts';

/** What the job thread asks of its helper, posted before it signals go. */
export interface HalfRequest {
  query: PopulationQuery;
  from: number;
}

/** The upper half's columns as they cross threads: buffers are transferred, pseudonyms joined. */
export interface HalfMessage {
  n: number;
  pseudonyms: string;
  numeric: [string, Float64Array][];
  categorical: [string, { codes: Int32Array; levels: string[] }][];
}
