// The per-point loops of k-means++ and Hamerly's k-means (generic in d), each over one chunk of points.
import { CHUNK, MAX_TRIALS, type Workspace } from './workspace.ts';

/** The per-point loops: generic (any d) here, specialised per d in codegen.ts. Both give the same bits. */
export interface Kernels {
  fullAssign(ws: Workspace, from: number, to: number): void;
  hamerly(ws: Workspace, from: number, to: number): number;
  ppUpdate(ws: Workspace, from: number, to: number, center: number, first: boolean): void;
  ppPots(ws: Workspace, from: number, to: number, nCand: number): void;
}

/**
 * A bound test must win by this relative margin before a distance computation is skipped. Bounds carry round-off
 * from many additions (about 1e-14 relative); the margin keeps every skip provably safe, so assignments equal those
 * of an exact Lloyd step (ml-kmeans) bit for bit, at no measurable cost in skipped work.
 */
export const SAFE = 1 - 1e-9;

/**
 * Squared Euclidean distance with one accumulator, summed over dimensions in order, exactly like ml-kmeans'
 * squaredEuclidean, so the same centroids give the same bits (and the same argmin) in both.
 */
function sqDist(a: Float64Array, ab: number, b: Float64Array, bb: number, d: number): number {
  let s = 0;
  for (let t = 0; t < d; t++) {
    const diff = a[ab + t]! - b[bb + t]!;
    s += diff * diff;
  }
  return s;
}

/** First iteration: exact nearest and second-nearest centroid of every point; sets assign, upper and lower. */
export function fullAssignRange(ws: Workspace, from: number, to: number): void {
  const { data, centroids, assign, upper, lower, d, k } = ws;
  for (let i = from; i < to; i++) {
    const xb = i * d;
    let best = Infinity;
    let second = Infinity;
    let bi = 0;
    // Strict < keeps the first index on ties, as ml-kmeans' nearestVector does.
    for (let j = 0; j < k; j++) {
      const s = sqDist(data, xb, centroids, j * d, d);
      if (s < best) {
        second = best;
        best = s;
        bi = j;
      } else if (s < second) second = s;
    }
    assign[i] = bi;
    upper[i] = Math.sqrt(best);
    lower[i] = Math.sqrt(second);
  }
}

/**
 * One Hamerly assignment step. Bounds are first moved by the last centroid drifts (upper grows by its centroid's
 * drift, lower shrinks by the largest drift of any other centroid); a point whose upper bound is below both half the
 * gap to its centroid's nearest neighbour and its lower bound cannot change cluster and costs no distance at all.
 * Points that move are appended to movedIdx/movedFrom from `from` on. Returns how many moved.
 */
export function hamerlyRange(ws: Workspace, from: number, to: number): number {
  const { data, centroids, assign, upper, lower, half, drift, movedIdx, movedFrom, nbIdx, nbDist, d, k } = ws;
  const p1 = ws.driftMax[0]!;
  const p2 = ws.driftMax[1]!;
  const r = ws.driftMax[2]! | 0;
  const km1 = k - 1;
  let moves = 0;
  for (let i = from; i < to; i++) {
    const a = assign[i]!;
    let u = upper[i]! + drift[a]!;
    const l = lower[i]! - (a === r ? p2 : p1);
    const h = half[a]!;
    const lim = Math.max(h, l) * SAFE;
    if (u < lim) {
      upper[i] = u;
      lower[i] = l;
      continue;
    }
    const xb = i * d;
    // Tighten the upper bound to the true distance: often enough on its own to prove the point stays.
    const sa = sqDist(data, xb, centroids, a * d, d);
    u = Math.sqrt(sa);
    if (u < lim) {
      upper[i] = u;
      lower[i] = l;
      continue;
    }
    // Search the other centroids nearest-to-c_a first. Centroid q is at least |c_a c_q| - u from the point (triangle
    // inequality), so once that exceeds the second-best distance found, q and all after it can be neither the
    // nearest nor the second nearest: best and second are still exact, with far fewer distances for large k.
    let best = sa;
    let second = Infinity;
    let bi = a;
    for (let q = a * km1, end = q + km1; q < end; q++) {
      const g = nbDist[q]! - u;
      if (g > 0 && g * g * SAFE > second) break;
      const j = nbIdx[q]!;
      const s = sqDist(data, xb, centroids, j * d, d);
      // Lowest index wins an exact tie, as in an index-order scan (ml-kmeans).
      if (s < best || (s === best && j < bi)) {
        second = best;
        best = s;
        bi = j;
      } else if (s < second) second = s;
    }
    upper[i] = Math.sqrt(best);
    lower[i] = Math.sqrt(second);
    if (bi !== a) {
      assign[i] = bi;
      movedIdx[from + moves] = i;
      movedFrom[from + moves] = a;
      moves++;
    }
  }
  return moves;
}

/**
 * k-means++: fold centre row `center` into `closest` (min of squared distances; `first` starts from scratch) and
 * recompute the per-chunk sums. `from` is chunk-aligned, so chunk sums never straddle threads.
 */
export function ppUpdateRange(ws: Workspace, from: number, to: number, center: number, first: boolean): void {
  const { data, closest, chunkSum, d } = ws;
  const cb = center * d;
  for (let c0 = from; c0 < to; c0 += CHUNK) {
    const end = Math.min(to, c0 + CHUNK);
    let sum = 0;
    for (let i = c0; i < end; i++) {
      let s = sqDist(data, i * d, data, cb, d);
      if (!first) {
        const old = closest[i]!;
        if (old < s) s = old;
      }
      closest[i] = s;
      sum += s;
    }
    chunkSum[c0 / CHUNK] = sum;
  }
}

/**
 * Greedy k-means++: for each of the first `nCand` candidates, the per-chunk potential (sum of min(closest, d²))
 * if it were chosen. Candidate-major inside a chunk keeps one accumulator in a register and the chunk in cache.
 */
export function ppPotsRange(ws: Workspace, from: number, to: number, nCand: number): void {
  const { data, closest, candPot, candidates, d } = ws;
  for (let c0 = from; c0 < to; c0 += CHUNK) {
    const end = Math.min(to, c0 + CHUNK);
    const base = (c0 / CHUNK) * MAX_TRIALS;
    for (let t = 0; t < nCand; t++) {
      const cb = candidates[t]! * d;
      let sum = 0;
      for (let i = c0; i < end; i++) {
        const s = sqDist(data, i * d, data, cb, d);
        const old = closest[i]!;
        sum += s < old ? s : old;
      }
      candPot[base + t] = sum;
    }
  }
}
