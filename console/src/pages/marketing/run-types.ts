// The shapes GET /v1/segmentations(/{id}) answers with (src/segmentation/worker/execute-job.ts
// writes the result): what the run pages read, nothing about members.

export type RunStatus = 'queued' | 'running' | 'succeeded' | 'failed';
export type Method = 'rules' | 'tree' | 'kmeans' | 'rfm';

export interface NumericProfile {
  mean: number | null;
  median: number | null;
  q1: number | null;
  q3: number | null;
  /** The segment's mean against the population's, population = 100. */
  index: number | null;
  missing_share: number;
}

export interface CategoricalProfile {
  shares: Record<string, number>;
  missing_share: number;
}

export type FeatureProfile = NumericProfile | CategoricalProfile;

export const isCategorical = (p: FeatureProfile): p is CategoricalProfile => 'shares' in p;

export interface TopFeature {
  feature: string;
  /** 'high' or 'low' for a numeric feature, the over-represented level for a categorical one. */
  direction: string;
  effect: number;
}

/** A visible segment: suppressed ones are not in the answer at all, only counted in the receipt. */
export interface Segment {
  id: string;
  label: string;
  size: number;
  share: number;
  profile: Record<string, FeatureProfile>;
  top_features: TopFeature[];
  rule?: string;
}

export interface Receipt {
  purpose: string;
  policy_version: string;
  consent_snapshot: {
    legal_basis: string;
    evaluated_at: string;
    covered_subjects?: number;
    after_filters?: number;
    population_digest: string;
  };
  min_group_size: number;
  suppressed_segments: number;
  features_used: string[];
}

export interface Quality {
  inertia: number;
  silhouette: number | null;
  k: number;
  iterations: number;
  silhouette_by_k?: Record<string, number>;
}

export interface RunResult {
  /** People in the visible segments. */
  population: number;
  segments: Segment[];
  quality?: Quality;
  receipt: Receipt;
}

export interface ConditionBody {
  eq?: string | number;
  in?: (string | number)[];
  gte?: number;
  lte?: number;
  between?: [number, number];
}
export type WhereBody = Record<string, ConditionBody>;
export interface RuleBody {
  name: string;
  where?: WhereBody;
  any?: WhereBody[];
}

/** The body of POST /v1/segmentations (SegmentationRequest). */
export interface SegmentationBody {
  purpose: string;
  method: Method;
  features: string[];
  k?: number;
  k_range?: [number, number];
  seed?: number;
  rules?: RuleBody[];
  target?: string;
  max_depth?: number;
}

export interface Run {
  id: string;
  status: RunStatus;
  progress: number;
  method: Method;
  purpose: string;
  created_at: string;
  result?: RunResult;
  error?: { code: string; message: string };
  /** The request as submitted (single-run answer only). */
  request?: SegmentationBody;
}
