// Describes a segment against the population: numeric quartiles and index, categorical shares.
import quickselect from 'quickselect';
import type { FeatureName } from '../policy/features.ts';
import type { FeatureMatrix } from './feature-matrix.ts';

export interface NumericProfile {
  mean: number | null;
  median: number | null;
  q1: number | null;
  q3: number | null;
  index: number | null;
  missing_share: number;
}
export interface CategoricalProfile {
  shares: Record<string, number>;
  missing_share: number;
}
export type Profile = Record<string, NumericProfile | CategoricalProfile>;

export interface TopFeature {
  feature: FeatureName;
  direction: 'high' | 'low' | string;
  effect: number;
}

export interface PopulationStats {
  numeric: Map<FeatureName, { mean: number; std: number }>;
  categorical: Map<FeatureName, Float64Array>;
}

const r4 = (v: number) => Math.round(v * 10_000) / 10_000;
const r2 = (v: number) => Math.round(v * 100) / 100;

/** Linear-interpolated quantile of values already in sorted order (the reference definition). */
export function quantileOfSorted(sorted: Float64Array, q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/**
 * The same quantiles as quantileOfSorted, by selection instead of a full sort: only the order
 * statistics they interpolate between are put in place (a 1M-member profile sorts in ~1 s).
 * Reorders `values`.
 */
export function quantiles(values: Float64Array, qs: readonly number[]): number[] {
  const n = values.length;
  const ranks = [...new Set(qs.flatMap((q) => [Math.floor((n - 1) * q), Math.ceil((n - 1) * q)]))].sort((a, b) => a - b);
  placeRanks(values as unknown as number[], ranks, 0, ranks.length - 1, 0, n - 1);
  return qs.map((q) => {
    const pos = (n - 1) * q;
    const lo = Math.floor(pos);
    return values[lo]! + (values[Math.ceil(pos)]! - values[lo]!) * (pos - lo);
  });
}

/** Puts each rank's order statistic at its index; ranks[a..b] lie within [left, right]. */
function placeRanks(arr: number[], ranks: number[], a: number, b: number, left: number, right: number): void {
  if (a > b) return;
  const mid = (a + b) >> 1;
  const k = ranks[mid]!;
  quickselect(arr, k, left, right);
  placeRanks(arr, ranks, a, mid - 1, left, k - 1);
  placeRanks(arr, ranks, mid + 1, b, k + 1, right);
}

export function populationStats(m: FeatureMatrix, rows: Uint32Array | undefined): PopulationStats {
  const numeric = new Map<FeatureName, { mean: number; std: number }>();
  for (const [f, col] of m.numeric) {
    let s = 0,
      s2 = 0,
      c = 0;
    const n = rows ? rows.length : m.n;
    for (let j = 0; j < n; j++) {
      const v = col[rows ? rows[j]! : j]!;
      if (Number.isNaN(v)) continue;
      s += v;
      s2 += v * v;
      c++;
    }
    const mean = c ? s / c : 0;
    numeric.set(f, { mean, std: c ? Math.sqrt(Math.max(0, s2 / c - mean * mean)) : 0 });
  }
  const categorical = new Map<FeatureName, Float64Array>();
  for (const [f, col] of m.categorical) {
    const counts = new Float64Array(col.levels.length);
    const n = rows ? rows.length : m.n;
    for (let j = 0; j < n; j++) {
      const code = col.codes[rows ? rows[j]! : j]!;
      if (code >= 0) counts[code]!++;
    }
    for (let k = 0; k < counts.length; k++) counts[k]! /= Math.max(1, n);
    categorical.set(f, counts);
  }
  return { numeric, categorical };
}

export function profileOf(m: FeatureMatrix, rows: Uint32Array, pop: PopulationStats): { profile: Profile; top: TopFeature[] } {
  const profile: Profile = {};
  const scores: TopFeature[] = [];
  for (const [f, col] of m.numeric) {
    const vals = new Float64Array(rows.length);
    let c = 0;
    for (const i of rows) {
      const v = col[i]!;
      if (!Number.isNaN(v)) vals[c++] = v;
    }
    const present = vals.subarray(0, c);
    const p = pop.numeric.get(f)!;
    let mean: number | null = null;
    let q: number[] = [];
    if (c > 0) {
      let s = 0;
      for (const v of present) s += v;
      mean = s / c;
      q = quantiles(present, [0.25, 0.5, 0.75]);
      if (p.std > 0) scores.push({ feature: f, direction: mean >= p.mean ? 'high' : 'low', effect: r4(Math.abs(mean - p.mean) / p.std) });
    }
    profile[f] = {
      mean: mean === null ? null : r2(mean),
      median: c ? r2(q[1]!) : null,
      q1: c ? r2(q[0]!) : null,
      q3: c ? r2(q[2]!) : null,
      index: mean === null || p.mean === 0 ? null : Math.round((mean / p.mean) * 100),
      missing_share: r4(1 - c / Math.max(1, rows.length)),
    };
  }
  for (const [f, col] of m.categorical) {
    const counts = new Float64Array(col.levels.length);
    let missing = 0;
    for (const i of rows) {
      const code = col.codes[i]!;
      if (code < 0) missing++;
      else counts[code]!++;
    }
    const popShares = pop.categorical.get(f)!;
    const shares: Record<string, number> = {};
    let best: TopFeature | undefined;
    col.levels.forEach((level, k) => {
      const share = counts[k]! / Math.max(1, rows.length);
      if (counts[k]! > 0) shares[level] = r4(share);
      const ps = popShares[k]!;
      // standardized difference of proportions: comparable with the numeric effect sizes
      const effect = ps > 0 && ps < 1 ? (share - ps) / Math.sqrt(ps * (1 - ps)) : 0;
      if (effect > 0 && (!best || effect > best.effect)) best = { feature: f, direction: level, effect: r4(effect) };
    });
    if (best) scores.push(best);
    profile[f] = { shares, missing_share: r4(missing / Math.max(1, rows.length)) };
  }
  scores.sort((a, b) => b.effect - a.effect);
  return { profile, top: scores.slice(0, 3) };
}
