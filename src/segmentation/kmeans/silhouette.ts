// Silhouette on a sample, and choosing k by it: O(sample²·d), so it stays cheap even for millions of points.
import { fitKMeans } from './fit.ts';
import { createRng, type Rng } from './rng.ts';
import { checkFinite, checkShape } from './validate.ts';

/** m distinct indices of 0..n-1 (Floyd's algorithm: O(m) time and memory, unlike shuffling all n), ascending. */
export function sampleIndices(n: number, m: number, rng: Rng): Int32Array {
  if (m >= n) return Int32Array.from({ length: n }, (_, i) => i);
  const chosen = new Set<number>();
  for (let j = n - m; j < n; j++) {
    const t = rng.nextInt(j + 1);
    chosen.add(chosen.has(t) ? j : t);
  }
  return Int32Array.from(chosen).sort();
}

/**
 * Mean silhouette of the points in `rows`, each measured against the other sampled points only (the standard
 * "silhouette on a sample"). A point alone in its cluster within the sample scores 0, as in scikit-learn. NaN when
 * the sample holds fewer than two clusters (the silhouette is undefined there).
 */
export function silhouetteOfRows(data: Float64Array, d: number, assignments: Int32Array, k: number, rows: Int32Array): number {
  const m = rows.length;
  const label = new Int32Array(m);
  const count = new Int32Array(k);
  for (let i = 0; i < m; i++) {
    const a = assignments[rows[i]!]!;
    if (!(a >= 0 && a < k)) throw new RangeError(`assignment ${a} of row ${rows[i]} is outside 0..${k - 1}`);
    label[i] = a;
    count[a]!++;
  }
  if (count.filter((c) => c > 0).length < 2) return NaN;
  // dist sums per (sampled point, cluster); each pair is computed once and credited to both ends.
  const sums = new Float64Array(m * k);
  for (let i = 0; i < m; i++) {
    const xb = rows[i]! * d;
    const li = label[i]!;
    for (let j = i + 1; j < m; j++) {
      const yb = rows[j]! * d;
      let s = 0;
      for (let t = 0; t < d; t++) {
        const diff = data[xb + t]! - data[yb + t]!;
        s += diff * diff;
      }
      const dist = Math.sqrt(s);
      sums[i * k + label[j]!]! += dist;
      sums[j * k + li]! += dist;
    }
  }
  let total = 0;
  for (let i = 0; i < m; i++) {
    const li = label[i]!;
    if (count[li]! < 2) continue; // silhouette 0
    const a = sums[i * k + li]! / (count[li]! - 1);
    let b = Infinity;
    for (let c = 0; c < k; c++) if (c !== li && count[c]! > 0) b = Math.min(b, sums[i * k + c]! / count[c]!);
    const den = Math.max(a, b);
    if (den > 0) total += (b - a) / den;
  }
  return total / m;
}

/** Mean silhouette over `sampleSize` points drawn without replacement with `rng` (all points if n <= sampleSize). */
export function silhouetteSample(data: Float64Array, n: number, d: number, assignments: Int32Array, k: number, sampleSize: number, rng: Rng): number {
  checkShape(data, n, d, Math.min(k, n));
  if (assignments.length < n) throw new RangeError(`assignments has ${assignments.length} entries, need n = ${n}`);
  if (!Number.isInteger(sampleSize) || sampleSize < 2) throw new RangeError(`sampleSize must be an integer >= 2, got ${sampleSize}`);
  return silhouetteOfRows(data, d, assignments, k, sampleIndices(n, sampleSize, rng));
}

export interface ChooseKOptions {
  /** k-means for each k runs on at most this many rows drawn from the data (default max(20000, 10 × sampleSize)). */
  fitSize?: number;
  maxIterations?: number;
}

export interface ChooseKResult {
  /** The k with the highest silhouette (the smallest such k on a tie). */
  k: number;
  /** Silhouette per k tried. */
  scores: Record<number, number>;
  /** Inertia per k on the fit sample (for an elbow plot; not used to choose). */
  inertias: Record<number, number>;
}

/**
 * Picks k in [min, max] by silhouette: one seeded k-means per k on a sample of the data, each scored on the same
 * silhouette sample, so the comparison between k is like for like and reproducible from `seed`.
 */
export function chooseK(
  data: Float64Array,
  n: number,
  d: number,
  kRange: readonly [number, number],
  seed: number,
  sampleSize = 2000,
  options: ChooseKOptions = {},
): ChooseKResult {
  const [lo, hi] = kRange;
  if (!Number.isInteger(lo) || !Number.isInteger(hi) || lo < 2 || hi < lo) {
    throw new RangeError(`k range must be integers 2 <= min <= max, got [${lo}, ${hi}] (the silhouette needs 2 clusters)`);
  }
  checkShape(data, n, d, Math.min(lo, n));
  checkFinite(data, n * d);
  if (n < 2) throw new RangeError('chooseK needs at least 2 points');
  const rng = createRng(seed);
  const fitSize = options.fitSize ?? Math.max(20_000, 10 * sampleSize);
  const fitRows = sampleIndices(n, fitSize, rng);
  const fm = fitRows.length;
  const fit = fm === n ? data : new Float64Array(fm * d);
  if (fit !== data) for (let i = 0; i < fm; i++) fit.set(data.subarray(fitRows[i]! * d, fitRows[i]! * d + d), i * d);
  const silRows = sampleIndices(fm, sampleSize, rng);
  const scores: Record<number, number> = {};
  const inertias: Record<number, number> = {};
  let best = lo;
  let bestScore = -Infinity;
  for (let k = lo; k <= Math.min(hi, fm); k++) {
    const r = fitKMeans(fit, fm, d, { k, seed, ...(options.maxIterations !== undefined && { maxIterations: options.maxIterations }) });
    const s = silhouetteOfRows(fit, d, r.assignments, k, silRows);
    scores[k] = s;
    inertias[k] = r.inertia;
    if (s > bestScore) {
      bestScore = s;
      best = k;
    }
  }
  return { k: best, scores, inertias };
}
