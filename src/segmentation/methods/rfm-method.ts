// RFM: quintile scores of recency, frequency and monetary value, mapped to the classic segments.
import type { FeatureMatrix } from '../feature-matrix.ts';
import type { Partition } from '../partition.ts';

/** The usual R x F grid (M refines champions); first match wins. */
const SEGMENTS: { key: string; label: string; r: [number, number]; f: [number, number]; m?: [number, number] }[] = [
  { key: 'champions', label: 'champions', r: [4, 5], f: [4, 5], m: [4, 5] },
  { key: 'loyal', label: 'loyal customers', r: [3, 5], f: [3, 5] },
  { key: 'potential-loyalists', label: 'potential loyalists', r: [4, 5], f: [2, 3] },
  { key: 'new-customers', label: 'new customers', r: [5, 5], f: [1, 1] },
  { key: 'promising', label: 'promising', r: [4, 4], f: [1, 1] },
  { key: 'need-attention', label: 'need attention', r: [3, 3], f: [2, 3] },
  { key: 'about-to-sleep', label: 'about to sleep', r: [3, 3], f: [1, 1] },
  { key: 'cannot-lose', label: 'cannot lose them', r: [1, 2], f: [5, 5] },
  { key: 'at-risk', label: 'at risk', r: [1, 2], f: [3, 4] },
  { key: 'hibernating', label: 'hibernating', r: [2, 2], f: [1, 2] },
  { key: 'lost', label: 'lost', r: [1, 1], f: [1, 2] },
];

/**
 * Quintile score 1..5 by rank (ties share the score of their first rank), so equal values
 * never split across scores; missing values score 1 (no purchase is the worst recency).
 */
export function quintiles(values: Float64Array, higherIsBetter: boolean): Uint8Array {
  const n = values.length;
  const idx = Array.from({ length: n }, (_, i) => i).filter((i) => !Number.isNaN(values[i]!));
  idx.sort((a, b) => (higherIsBetter ? values[a]! - values[b]! : values[b]! - values[a]!));
  const scores = new Uint8Array(n).fill(1);
  let start = 0;
  for (let j = 0; j < idx.length; j++) {
    if (j > 0 && values[idx[j]!] !== values[idx[j - 1]!]) start = j;
    scores[idx[j]!] = 1 + Math.min(4, Math.floor((start * 5) / idx.length));
  }
  return scores;
}

export function rfmPartition(m: FeatureMatrix, onProgress: (f: number) => void): Partition & { scores: { r: Uint8Array; f: Uint8Array; m: Uint8Array } } {
  const col = (f: 'recency_days' | 'frequency' | 'monetary') => {
    const c = m.numeric.get(f);
    if (!c) throw new Error(`rfm needs ${f}`);
    return c;
  };
  const r = quintiles(col('recency_days'), false);
  onProgress(0.3);
  const f = quintiles(col('frequency'), true);
  onProgress(0.6);
  const mo = quintiles(col('monetary'), true);
  const assignment = new Int32Array(m.n).fill(-1);
  const within = (v: number, [lo, hi]: [number, number]) => v >= lo && v <= hi;
  for (let i = 0; i < m.n; i++) {
    const s = SEGMENTS.findIndex((g) => within(r[i]!, g.r) && within(f[i]!, g.f) && (!g.m || within(mo[i]!, g.m)));
    assignment[i] = s;
  }
  return {
    assignment,
    groups: SEGMENTS.map((g) => ({ key: g.key, label: g.label, rule: `R ${g.r.join('-')}, F ${g.f.join('-')}${g.m ? `, M ${g.m.join('-')}` : ''}` })),
    scores: { r, f, m: mo },
  };
}
