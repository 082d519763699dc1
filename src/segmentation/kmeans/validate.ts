// Argument checks shared by the public entry points, so bad shapes fail loudly instead of reading garbage.
import type { KMeansOptions } from './hamerly.ts';

/** Throws unless data holds n×d values and 1 <= k <= n. */
export function checkShape(data: Float64Array, n: number, d: number, k: number): void {
  if (!(data instanceof Float64Array)) throw new TypeError('data must be a Float64Array (n×d, row-major)');
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`n must be an integer >= 1, got ${n}`);
  if (!Number.isInteger(d) || d < 1) throw new RangeError(`d must be an integer >= 1, got ${d}`);
  if (data.length < n * d) throw new RangeError(`data has ${data.length} values, n×d needs ${n * d}`);
  if (!Number.isInteger(k) || k < 1 || k > n) throw new RangeError(`k must be an integer in 1..n (n = ${n}), got ${k}`);
  if (n * d > 2 ** 31 - 1) throw new RangeError('n×d must stay below 2^31 (Int32 indices)');
}

/**
 * Non-finite features would poison every distance (NaN compares false, so no centroid is ever "nearest"). One sum is
 * enough to detect them: NaN and ±Infinity propagate through addition.
 */
export function checkFinite(data: Float64Array, len: number): void {
  let s = 0;
  for (let i = 0; i < len; i++) s += data[i]! * 0;
  if (s !== 0) throw new RangeError('data contains NaN or Infinity; impute or drop those values before clustering');
}

/** Checks k-means options (and, unless `dataChecked`, the data: one pass over it). */
export function checkOptions(data: Float64Array, n: number, d: number, o: KMeansOptions, dataChecked = false): void {
  if (!dataChecked) {
    checkShape(data, n, d, o.k);
    checkFinite(data, n * d);
  }
  if (!(o.initial instanceof Float64Array) || o.initial.length !== o.k * d) throw new RangeError(`initial must be a Float64Array of k×d = ${o.k * d} values`);
  checkFinite(o.initial, o.initial.length);
  const it = o.maxIterations ?? 300;
  if (!Number.isInteger(it) || it < 1) throw new RangeError(`maxIterations must be an integer >= 1, got ${it}`);
  const tol = o.tolerance ?? 1e-6;
  if (!(tol >= 0)) throw new RangeError(`tolerance must be >= 0, got ${tol}`);
  const th = o.threads ?? 1;
  if (!Number.isInteger(th) || th < 1) throw new RangeError(`threads must be an integer >= 1, got ${th}`);
}
