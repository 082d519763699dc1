// What the main thread hands a segmentation worker (structured-cloneable).
import type { Purpose } from '../../policy/access-policy.ts';
import type { FeatureName } from '../../policy/features.ts';
import type { SegmentationSpec } from '../segmentation-spec.ts';
import type { StorageConfig } from '../../storage/storage-config.ts';

export interface JobInput {
  runId: string;
  /** The caller (issuer id + ':' + subject): the queue takes turns between callers. */
  owner: string;
  /** Where the job opens its own storage. */
  storage: StorageConfig;
  purpose: Purpose;
  features: { name: FeatureName; kind: 'numeric' | 'categorical' }[];
  spec: SegmentationSpec;
  minGroupSize: number;
  /** Features the results may describe: those read that the role may also `see`. */
  profileFeatures: FeatureName[];
  policyVersion: string;
  /** Run time: the instant consent is evaluated at. */
  now: number;
  threads: number;
}
