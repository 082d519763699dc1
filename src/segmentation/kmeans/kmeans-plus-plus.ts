// k-means++ seeding (plain D² sampling and the greedy variant), reproducible from an Rng and thread-count independent.
import { LocalExecutor, type Executor } from './executor.ts';
import type { Rng } from './rng.ts';
import { CHUNK, MAX_TRIALS, PHASE, createWorkspace } from './workspace.ts';
import { checkShape } from './validate.ts';

/** Number of candidates per centre in greedy k-means++: scikit-learn's and ml-kmeans' 2 + floor(ln k). */
export function defaultTrials(k: number): number {
  return Math.min(MAX_TRIALS, 2 + Math.floor(Math.log(k)));
}

/**
 * Plain k-means++ (Arthur & Vassilvitskii): first centre uniform, each next one drawn with probability
 * proportional to D(x)², the squared distance to the nearest centre chosen so far. Returns k×d centroids.
 */
export function kmeansPlusPlus(data: Float64Array, n: number, d: number, k: number, rng: Rng): Float64Array {
  return seedWith(data, n, d, k, rng, 1);
}

/**
 * Greedy k-means++ (as in scikit-learn and ml-kmeans): draws `trials` D² candidates per centre and keeps the one
 * that lowers the potential most. About `trials`× the work of the plain version, usually a better start (fewer
 * iterations, lower final inertia). Still reproducible: same data, seed and trials give the same centroids.
 */
export function greedyKmeansPlusPlus(data: Float64Array, n: number, d: number, k: number, rng: Rng, trials = defaultTrials(k)): Float64Array {
  return seedWith(data, n, d, k, rng, trials);
}

function seedWith(data: Float64Array, n: number, d: number, k: number, rng: Rng, trials: number): Float64Array {
  checkShape(data, n, d, k);
  const ws = createWorkspace(data, n, d, k, { shared: false, iterate: false });
  return rowsToCentroids(data, d, seedIndices(new LocalExecutor(ws), k, rng, trials));
}

export function rowsToCentroids(data: Float64Array, d: number, rows: Int32Array): Float64Array {
  const out = new Float64Array(rows.length * d);
  for (let j = 0; j < rows.length; j++) out.set(data.subarray(rows[j]! * d, rows[j]! * d + d), j * d);
  return out;
}

/**
 * The seeding loop, on any executor: the per-point passes run through the executor, the draws here on the caller's
 * thread. Potentials are sums of per-chunk sums in chunk order, so every thread count draws the same rows.
 */
export function seedIndices(exec: Executor, k: number, rng: Rng, trials: number): Int32Array {
  const ws = exec.ws;
  if (!Number.isInteger(trials) || trials < 1 || trials > MAX_TRIALS) throw new RangeError(`trials must be 1..${MAX_TRIALS}, got ${trials}`);
  const rows = new Int32Array(k);
  rows[0] = rng.nextInt(ws.n);
  exec.run(PHASE.PP_INIT, rows[0]);
  for (let c = 1; c < k; c++) {
    const pot = sumChunks(ws.chunkSum, ws.chunks);
    if (trials === 1) {
      rows[c] = drawD2(ws.closest, ws.chunkSum, ws.n, pot, rng);
    } else {
      for (let t = 0; t < trials; t++) ws.candidates[t] = drawD2(ws.closest, ws.chunkSum, ws.n, pot, rng);
      exec.run(PHASE.PP_POTS, trials);
      let best = 0;
      let bestPot = Infinity;
      for (let t = 0; t < trials; t++) {
        let p = 0;
        for (let ch = 0; ch < ws.chunks; ch++) p += ws.candPot[ch * MAX_TRIALS + t]!;
        if (p < bestPot) {
          bestPot = p;
          best = t;
        }
      }
      rows[c] = ws.candidates[best]!;
    }
    exec.run(PHASE.PP_UPDATE, rows[c]);
  }
  return rows;
}

function sumChunks(chunkSum: Float64Array, chunks: number): number {
  let s = 0;
  for (let c = 0; c < chunks; c++) s += chunkSum[c]!;
  return s;
}

/**
 * One D² draw: walk the chunk sums to the chunk holding the target mass, then the points inside it. A point with
 * D = 0 (already a centre, or a duplicate of one) is never drawn while any mass remains.
 */
function drawD2(closest: Float64Array, chunkSum: Float64Array, n: number, pot: number, rng: Rng): number {
  // Every point coincides with a chosen centre (e.g. k > number of distinct points): any row is as good.
  if (!(pot > 0) || !Number.isFinite(pot)) return rng.nextInt(n);
  const r = rng.nextFloat() * pot;
  let acc = 0;
  const chunks = chunkSum.length;
  for (let c = 0; c < chunks; c++) {
    const w = chunkSum[c]!;
    if (acc + w > r && w > 0) {
      const end = Math.min(n, (c + 1) * CHUNK);
      let a = acc;
      let lastPositive = -1;
      for (let i = c * CHUNK; i < end; i++) {
        const x = closest[i]!;
        if (x > 0) lastPositive = i;
        a += x;
        if (a > r && x > 0) return i;
      }
      // Per-point partial sums can round below the chunk sum by an ulp: take the chunk's last positive point.
      return lastPositive;
    }
    acc += w;
  }
  // Only reachable through round-off in the last chunk; fall back to the last point with mass.
  for (let i = n - 1; i >= 0; i--) if (closest[i]! > 0) return i;
  return rng.nextInt(n);
}
