// One segmentation over a population matrix: method, suppression, profiles, labels, result.
import { matchesWhere } from './conditions.ts';
import { selectRows, type FeatureMatrix } from './feature-matrix.ts';
import { labelOf } from './labels.ts';
import { kmeansPartition } from './methods/kmeans-method.ts';
import { rfmPartition } from './methods/rfm-method.ts';
import { rulesPartition } from './methods/rules-method.ts';
import { treePartition } from './methods/tree-method.ts';
import { suppressIntoRemainder, type Partition, type Suppressed } from './partition.ts';
import { populationStats, profileOf, type Profile, type TopFeature } from './profile.ts';
import type { SegmentationSpec } from './segmentation-spec.ts';
import { populationTooSmall, SegmentationInputError } from './segmentation-error.ts';
import type { FeatureName } from '../policy/features.ts';

/** The same rows with only some feature columns (shared, not copied). */
function restrictTo(m: FeatureMatrix, features: readonly FeatureName[]): FeatureMatrix {
  const keep = new Set(features);
  return {
    n: m.n,
    pseudonyms: m.pseudonyms,
    numeric: new Map([...m.numeric].filter(([f]) => keep.has(f))),
    categorical: new Map([...m.categorical].filter(([f]) => keep.has(f))),
  };
}

export interface SegmentResult {
  id: string;
  label: string;
  size: number;
  share: number;
  profile: Profile;
  top_features: TopFeature[];
  rule?: string;
}

export interface SegmentationOutcome {
  population: number;
  segments: SegmentResult[];
  quality?: Partition['quality'];
  suppressed_segments: number;
  /** Row indices of each visible segment's members, by segment id. */
  members: Map<string, Uint32Array>;
  matrix: FeatureMatrix;
}

export function runSegmentation(
  population: FeatureMatrix,
  spec: SegmentationSpec,
  opts: { minGroupSize: number; onProgress: (fraction: number) => void; threads?: number; profileFeatures?: readonly FeatureName[] },
): SegmentationOutcome {
  const m = spec.filters ? selectRows(population, (i) => matchesWhere(population, i, spec.filters!)) : population;
  const min = opts.minGroupSize;
  // Before any method runs: a filtered population of one subject that succeeded with k=1 and
  // failed at k=2 (or ran its rules) would let a binary search count any filtered group.
  if (m.n < min) throw populationTooSmall();
  const step = (from: number, to: number) => (f: number) => opts.onProgress(from + (to - from) * Math.min(1, Math.max(0, f)));
  let partition: Partition;
  let suppressed: Suppressed;
  switch (spec.method) {
    case 'rules':
      partition = rulesPartition(m, spec.rules ?? [], step(0.1, 0.7));
      suppressed = suppressIntoRemainder(partition, min);
      break;
    case 'rfm':
      partition = rfmPartition(m, step(0.1, 0.7));
      suppressed = suppressIntoRemainder(partition, min, 'other customers');
      break;
    case 'tree': {
      if (!spec.target) throw new SegmentationInputError('target_required', 'method tree needs a target feature');
      partition = treePartition(m, spec.features, spec.target, { maxDepth: spec.max_depth ?? 4, minLeaf: min, seed: spec.seed ?? 1 }, step(0.1, 0.7));
      suppressed = suppressIntoRemainder(partition, min);
      break;
    }
    case 'kmeans': {
      const out = kmeansPartition(m, spec, { minGroupSize: min, onProgress: step(0.1, 0.7), ...(opts.threads !== undefined && { threads: opts.threads }) });
      partition = out.partition;
      suppressed = out.suppressed;
      break;
    }
  }
  const visibleRows = suppressed.visible.reduce((s, g) => s + g.rows.length, 0);
  // Profiles describe only what the role may also see: a feature it may use but not see (income
  // for marketing) shapes the segments, and its means must not come out with them.
  const shown = opts.profileFeatures ? restrictTo(m, opts.profileFeatures) : m;
  const pop = populationStats(shown, undefined);
  const segments: SegmentResult[] = [];
  const members = new Map<string, Uint32Array>();
  suppressed.visible.forEach((g, i) => {
    const { profile, top } = profileOf(shown, g.rows, pop);
    segments.push({
      id: g.key,
      label: g.label ?? labelOf(top, `segment ${i + 1}`),
      size: g.rows.length,
      share: visibleRows ? Math.round((g.rows.length / visibleRows) * 10_000) / 10_000 : 0,
      profile,
      top_features: top,
      ...(g.rule !== undefined && { rule: g.rule }),
    });
    members.set(g.key, g.rows);
    opts.onProgress(0.7 + (0.2 * (i + 1)) / suppressed.visible.length);
  });
  return {
    population: visibleRows,
    segments,
    ...(partition.quality && { quality: partition.quality }),
    suppressed_segments: suppressed.suppressed,
    members,
    matrix: m,
  };
}
