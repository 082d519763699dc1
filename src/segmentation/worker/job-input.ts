// What a segmentation job needs, as stored with its run in the shared queue (JSON) and handed to
// a worker by whichever instance claims it. Where storage is and how many threads to use are the
// claiming instance's own (its worker's boot data), never stored.
import type { Purpose } from '../../policy/access-policy.ts';
import type { FeatureName } from '../../policy/features.ts';
import type { SegmentationSpec } from '../segmentation-spec.ts';

export interface JobInput {
  runId: string;
  /** The caller (issuer id + ':' + subject): the queue takes turns between callers. */
  owner: string;
  purpose: Purpose;
  features: { name: FeatureName; kind: 'numeric' | 'categorical' }[];
  spec: SegmentationSpec;
  minGroupSize: number;
  /** Features the results may describe: those read that the role may also `see`. */
  profileFeatures: FeatureName[];
  policyVersion: string;
  /** Run time: the instant consent is evaluated at. */
  now: number;
}
