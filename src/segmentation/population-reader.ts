// What a segmentation run needs from storage: the covered population's features.
import type { Purpose } from '../policy/access-policy.ts';
import type { FeatureName } from '../policy/features.ts';
import type { FeatureMatrix } from './feature-matrix.ts';

export interface PopulationQuery {
  purpose: Purpose;
  features: readonly { name: FeatureName; kind: 'numeric' | 'categorical' }[];
  now: number;
  onProgress?: (rowsRead: number) => void;
}

/** A pseudonym range: from (inclusive) and below (exclusive), either side open. */
export interface KeyRange { from?: string; below?: string }

export interface PopulationReader {
  /** Subjects whose consent or legal basis covers the purpose now, in pseudonym order. */
  count(purpose: Purpose, now: number): number;
  read(q: PopulationQuery, range?: KeyRange): FeatureMatrix;
  /** The median pseudonym of the feature store (splits a scan in two halves), if it has two subjects. */
  splitKey(): { key: string; subjects: number } | undefined;
}
