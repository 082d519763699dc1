// What a segmentation run needs from storage: the covered population's features, in bulk.
import type { Purpose } from '../policy/access-policy.ts';
import type { FeatureName } from '../policy/features.ts';
import type { FeatureMatrix } from './feature-matrix.ts';

export interface PopulationQuery {
  purpose: Purpose;
  features: readonly { name: FeatureName; kind: 'numeric' | 'categorical' }[];
  now: number;
}

export interface PopulationReader {
  /** Subjects whose consent or legal basis covers the purpose now. */
  count(purpose: Purpose, now: number): Promise<number>;
  /**
   * The covered population in pseudonym order, as typed columns (never row objects), in one
   * consistent snapshot. `threads`: how many threads the read may use.
   */
  read(q: PopulationQuery, opts?: { threads?: number }): Promise<{ matrix: FeatureMatrix; threads: number }>;
  /** Starts what a later read would otherwise wait for (a warm job worker calls it while it waits). */
  warmUp?(threads: number): void;
}
