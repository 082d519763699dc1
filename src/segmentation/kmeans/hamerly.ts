// Hamerly's exact k-means (same result as Lloyd / ml-kmeans, most distance computations skipped) on flat arrays.
import { LocalExecutor, type Executor } from './executor.ts';
import { sharedPool, type KMeansWorkerPool } from './pool.ts';
import { CHUNK, PHASE, createWorkspace, toShared, type Workspace } from './workspace.ts';
import { checkOptions } from './validate.ts';

export interface KMeansOptions {
  k: number;
  /** k×d initial centroids (e.g. from kmeansPlusPlus); not modified. */
  initial: Float64Array;
  /** Upper limit on assignment+update steps (default 300). */
  maxIterations?: number;
  /**
   * Converged when no centroid moved more than this, as a *squared* Euclidean distance: ml-kmeans' rule, so both
   * stop at the same iteration. Default 1e-6; on standardized features that is ~1e-3 of a standard deviation.
   */
  tolerance?: number;
  /** Called after each iteration with its 1-based number and how many points changed cluster (n on the first). */
  onIteration?: (iteration: number, changed: number) => void;
  /**
   * Threads for the per-point passes, the caller's included (default 1: no workers). Results are bit-identical for
   * every thread count. threads > 1 uses this thread's shared pool (created on first use; its workers take ~0.5 s
   * to boot and join the work when ready) unless `pool` is given, and wants `data` in a SharedArrayBuffer (else
   * it is copied once per call; see allocSharedMatrix).
   */
  threads?: number;
  /** Worker pool to use instead of the shared one; its size wins over `threads`. */
  pool?: KMeansWorkerPool;
  /** Use the generic loops instead of those compiled for this d (tests check both give the same bits). */
  genericKernels?: boolean;
}

export interface KMeansResult {
  /** k×d final centroids (the means of `assignments`; an empty cluster keeps its previous centroid). */
  centroids: Float64Array;
  /** Cluster of each point, from the last assignment step (as ml-kmeans' `clusters`). */
  assignments: Int32Array;
  /** Points per cluster. */
  sizes: Int32Array;
  /** Sum over points of the squared distance to the centroid of their cluster. */
  inertia: number;
  iterations: number;
  converged: boolean;
}

/**
 * Exact k-means from the given initial centroids: the same assignments, centroids and iteration count as Lloyd's
 * algorithm (ml-kmeans) from the same start, computed with Hamerly's bounds. Synchronous, also with threads > 1.
 */
export function kmeans(data: Float64Array, n: number, d: number, options: KMeansOptions): KMeansResult {
  checkOptions(data, n, d, options);
  return kmeansUnchecked(data, n, d, options);
}

/** kmeans() without the argument checks (one pass over the data), for callers that made them already. */
export function kmeansUnchecked(data: Float64Array, n: number, d: number, options: KMeansOptions): KMeansResult {
  const threads = options.pool?.threads ?? options.threads ?? 1;
  if (threads === 1) {
    const ws = createWorkspace(data, n, d, options.k, { shared: false, init: false, generic: options.genericKernels });
    return iterate(new LocalExecutor(ws), options);
  }
  const pool = options.pool ?? sharedPool(threads);
  const ws = createWorkspace(toShared(data), n, d, options.k, { shared: true, init: false, generic: options.genericKernels });
  const exec = pool.attach(ws);
  try {
    return iterate(exec, options);
  } finally {
    exec.detach();
  }
}

/**
 * The iteration driver, on any executor. Per iteration: assignment (the executor's threads), then on this thread the
 * centroid update. Cluster sums are kept incrementally: only moved points are subtracted/added, in point order,
 * which makes the update O(moved·d) instead of O(n·d) and independent of the thread count.
 */
export function iterate(exec: Executor, options: KMeansOptions): KMeansResult {
  const ws = exec.ws;
  const { n, d, k, data } = ws;
  const maxIterations = options.maxIterations ?? 300;
  const tolerance = options.tolerance ?? 1e-6;
  ws.centroids.set(options.initial);
  const sums = new Float64Array(k * d);
  const counts = new Int32Array(k);
  const prev = new Float64Array(k * d);

  exec.run(PHASE.FULL_ASSIGN);
  // First sums from scratch, in point order: the same additions as ml-kmeans' updateCenters.
  for (let i = 0; i < n; i++) {
    const a = ws.assign[i]!;
    counts[a]!++;
    const xb = i * d;
    const sb = a * d;
    for (let t = 0; t < d; t++) sums[sb + t]! += data[xb + t]!;
  }
  let iterations = 1;
  let converged = updateCentroids(ws, sums, counts, prev, tolerance);
  options.onIteration?.(1, n);
  while (!converged && iterations < maxIterations) {
    iterations++;
    exec.run(PHASE.HAMERLY);
    const moved = applyMoves(ws, sums, counts);
    converged = updateCentroids(ws, sums, counts, prev, tolerance);
    options.onIteration?.(iterations, moved);
  }

  let inertia = 0;
  const c = ws.centroids;
  for (let i = 0; i < n; i++) {
    const xb = i * d;
    const cb = ws.assign[i]! * d;
    let s = 0;
    for (let t = 0; t < d; t++) {
      const diff = data[xb + t]! - c[cb + t]!;
      s += diff * diff;
    }
    inertia += s;
  }
  return { centroids: c.slice(0, k * d), assignments: ws.assign.slice(0, n), sizes: counts, inertia, iterations, converged };
}

/** Moves are recorded per chunk and applied chunk by chunk: global point order, whoever computed them. */
function applyMoves(ws: Workspace, sums: Float64Array, counts: Int32Array): number {
  const { data, d } = ws;
  let total = 0;
  for (let c = 0; c < ws.chunks; c++) {
    const from = c * CHUNK;
    const m = ws.chunkMoves[c]!;
    total += m;
    for (let q = from; q < from + m; q++) {
      const i = ws.movedIdx[q]!;
      const src = ws.movedFrom[q]! * d;
      const dst = ws.assign[i]! * d;
      counts[ws.movedFrom[q]!]!--;
      counts[ws.assign[i]!]!++;
      const xb = i * d;
      for (let s = 0; s < d; s++) {
        const x = data[xb + s]!;
        sums[src + s]! -= x;
        sums[dst + s]! += x;
      }
    }
  }
  // An emptied cluster's sum is exactly zero, not the round-off left by its subtractions.
  if (total > 0) for (let j = 0; j < ws.k; j++) if (counts[j] === 0) sums.fill(0, j * d, j * d + d);
  return total;
}

/**
 * New centroids = sums / counts (an empty cluster keeps its centroid, as in ml-kmeans), then what the next Hamerly
 * step needs: each centroid's drift, the two largest drifts, and half the distance to each centroid's nearest other
 * centroid. Returns whether every centroid moved (squared) no more than `tolerance`.
 */
function updateCentroids(ws: Workspace, sums: Float64Array, counts: Int32Array, prev: Float64Array, tolerance: number): boolean {
  const { centroids: c, d, k } = ws;
  const order = new Int32Array(k);
  const cc = new Float64Array(k);
  prev.set(c);
  for (let j = 0; j < k; j++) {
    const cnt = counts[j]!;
    if (cnt > 0) for (let t = 0; t < d; t++) c[j * d + t] = sums[j * d + t]! / cnt;
  }
  let converged = true;
  let p1 = 0;
  let p2 = 0;
  let r = 0;
  for (let j = 0; j < k; j++) {
    const s2 = sq(c, j * d, prev, j * d, d);
    if (s2 > tolerance) converged = false;
    const p = Math.sqrt(s2);
    ws.drift[j] = p;
    if (p > p1) {
      p2 = p1;
      p1 = p;
      r = j;
    } else if (p > p2) p2 = p;
  }
  ws.driftMax[0] = p1;
  ws.driftMax[1] = p2;
  ws.driftMax[2] = r;
  // Neighbour lists for the pruned search (k² log k per iteration: nothing next to the n-point pass).
  const km1 = k - 1;
  for (let j = 0; j < k; j++) {
    for (let q = 0, o = 0; q < k; q++) if (q !== j) order[o++] = q;
    for (let q = 0; q < k; q++) if (q !== j) cc[q] = Math.sqrt(sq(c, j * d, c, q * d, d));
    order.subarray(0, km1).sort((x, y) => cc[x]! - cc[y]! || x - y);
    for (let o = 0; o < km1; o++) {
      ws.nbIdx[j * km1 + o] = order[o]!;
      ws.nbDist[j * km1 + o] = cc[order[o]!]!;
    }
    ws.half[j] = km1 > 0 ? 0.5 * ws.nbDist[j * km1]! : Infinity;
  }
  return converged;
}

function sq(a: Float64Array, ab: number, b: Float64Array, bb: number, d: number): number {
  let s = 0;
  for (let t = 0; t < d; t++) {
    const diff = a[ab + t]! - b[bb + t]!;
    s += diff * diff;
  }
  return s;
}
