// Unsupervised segmentation: standardized numerics + one-hot categoricals, k-means++ (seeded),
// k by silhouette when a range is given; clusters under the group minimum are dissolved.
import { allocSharedMatrix, chooseK, createRng, greedyKmeansPlusPlus, kmeans } from '../kmeans/index.ts';
import { silhouetteSample } from '../kmeans/index.ts';
import type { FeatureMatrix } from '../feature-matrix.ts';
import type { Partition, Suppressed, VisibleGroup } from '../partition.ts';
import { collectRows } from '../partition.ts';
import type { SegmentationSpec } from '../segmentation-spec.ts';
import { SegmentationInputError } from '../segmentation-error.ts';

const SILHOUETTE_SAMPLE = 2000;

/** Row-major n x d design matrix; a missing numeric value sits at the mean (0 after scaling). */
export function designMatrix(m: FeatureMatrix, features: readonly string[], shared = false): { data: Float64Array; d: number } {
  const cols: ((i: number, out: Float64Array, at: number) => void)[] = [];
  let d = 0;
  for (const f of features) {
    const num = m.numeric.get(f as never);
    if (num) {
      let s = 0,
        s2 = 0,
        c = 0;
      for (const v of num)
        if (!Number.isNaN(v)) {
          s += v;
          s2 += v * v;
          c++;
        }
      const mean = c ? s / c : 0;
      const std = c ? Math.sqrt(Math.max(0, s2 / c - mean * mean)) : 0;
      const j = d++;
      cols.push((i, out, at) => {
        const v = num[i]!;
        out[at + j] = Number.isNaN(v) || std === 0 ? 0 : (v - mean) / std;
      });
      continue;
    }
    const cat = m.categorical.get(f as never);
    if (!cat) continue;
    const base = d;
    d += cat.levels.length;
    cols.push((i, out, at) => {
      const code = cat.codes[i]!;
      if (code >= 0) out[at + base + code] = 1;
    });
  }
  // shared memory when the engine splits assignment across threads: no copy per call
  const data = shared ? allocSharedMatrix(m.n, d) : new Float64Array(m.n * d);
  for (let i = 0; i < m.n; i++) for (const c of cols) c(i, data, i * d);
  return { data, d };
}

function nearest(data: Float64Array, i: number, d: number, centroids: Float64Array, alive: Uint8Array): number {
  let best = -1,
    bestD = Infinity;
  for (let c = 0; c < alive.length; c++) {
    if (!alive[c]) continue;
    let s = 0;
    for (let j = 0; j < d; j++) {
      const t = data[i * d + j]! - centroids[c * d + j]!;
      s += t * t;
    }
    if (s < bestD) {
      bestD = s;
      best = c;
    }
  }
  return best;
}

export function kmeansPartition(
  m: FeatureMatrix,
  spec: SegmentationSpec,
  opts: { minGroupSize: number; onProgress: (f: number) => void; threads?: number },
): { partition: Partition; suppressed: Suppressed } {
  const { data, d } = designMatrix(m, spec.features, (opts.threads ?? 1) > 1);
  const seed = spec.seed ?? 1;
  let k = spec.k ?? 0;
  let byK: Record<string, number> | undefined;
  if (spec.k_range) {
    // the silhouette search needs at least k_range[0] subjects: say so, not "failed unexpectedly"
    // (the population is at or over the group minimum here, so its size is no secret)
    if (spec.k_range[0] > m.n)
      throw new SegmentationInputError('k_exceeds_population', `k_range starts at ${spec.k_range[0]}, more subjects than the population holds`);
    const chosen = chooseK(data, m.n, d, spec.k_range, seed, SILHOUETTE_SAMPLE);
    k = chosen.k;
    byK = Object.fromEntries(Object.entries(chosen.scores).map(([kk, v]) => [kk, Math.round(Number(v) * 10_000) / 10_000]));
  }
  if (k < 1) throw new SegmentationInputError('k_required', 'kmeans needs k or k_range');
  // never the population's size in the message: a small population's exact count is what
  // min_group_size hides everywhere else
  if (k > m.n) throw new SegmentationInputError('k_exceeds_population', `k (${k}) is more than the number of subjects in the population`);
  opts.onProgress(0.1);
  // greedy k-means++ (as scikit-learn and ml-kmeans seed): better starts than plain D² sampling
  const initial = greedyKmeansPlusPlus(data, m.n, d, k, createRng(seed));
  const fit = kmeans(data, m.n, d, {
    k,
    initial,
    ...(opts.threads !== undefined && { threads: opts.threads }),
    onIteration: (iter: number) => opts.onProgress(0.1 + 0.8 * Math.min(1, iter / 50)),
  });
  const assignment = Int32Array.from(fit.assignments);

  // Dissolve clusters under the minimum, smallest first, into the nearest surviving centroid.
  const alive = new Uint8Array(k).fill(1);
  let dissolved = 0;
  for (;;) {
    const sizes = new Uint32Array(k);
    for (const a of assignment) sizes[a]!++;
    let smallest = -1;
    for (let c = 0; c < k; c++) if (alive[c] && sizes[c]! < opts.minGroupSize && (smallest < 0 || sizes[c]! < sizes[smallest]!)) smallest = c;
    const aliveCount = alive.reduce((s, v) => s + v, 0);
    if (smallest < 0 || aliveCount === 1) break;
    alive[smallest] = 0;
    // an empty cluster counts too: the receipt must not tell 0 members from 1
    dissolved++;
    for (let i = 0; i < m.n; i++) if (assignment[i] === smallest) assignment[i] = nearest(data, i, d, fit.centroids, alive);
  }
  let inertia = 0;
  for (let i = 0; i < m.n; i++) {
    const c = assignment[i]!;
    for (let j = 0; j < d; j++) {
      const t = data[i * d + j]! - fit.centroids[c * d + j]!;
      inertia += t * t;
    }
  }
  const rows = collectRows(assignment, k, (g) => g);
  const visible: VisibleGroup[] = [];
  let hidden = false;
  for (let c = 0; c < k; c++) {
    if (!alive[c]) continue;
    if (rows.groups[c]!.length < opts.minGroupSize) {
      hidden = true;
      continue;
    } // the whole population is under the minimum
    visible.push({ key: `cluster-${visible.length + 1}`, rows: rows.groups[c]! });
  }
  const silhouette = visible.length > 1 ? silhouetteSample(data, m.n, d, assignment, k, SILHOUETTE_SAMPLE, createRng(seed + 1)) : null;
  return {
    partition: {
      assignment,
      groups: [],
      quality: {
        inertia: Math.round(inertia * 1000) / 1000,
        silhouette: silhouette === null ? null : Math.round(silhouette * 10_000) / 10_000,
        k,
        iterations: fit.iterations,
        ...(byK && { silhouette_by_k: byK }),
      },
    },
    suppressed: { visible, suppressed: dissolved + (hidden ? 1 : 0), remainderHidden: hidden },
  };
}
