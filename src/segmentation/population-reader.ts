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

export interface PopulationReader {
  /** Subjects whose consent or legal basis covers the purpose now, in pseudonym order. */
  count(purpose: Purpose, now: number): number;
  read(q: PopulationQuery): FeatureMatrix;
}
