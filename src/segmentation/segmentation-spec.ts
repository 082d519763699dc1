// A validated segmentation request, as the domain sees it (the HTTP schema produces it).
import type { FeatureName } from '../policy/features.ts';
import type { Rule, Where } from './conditions.ts';

export type Method = 'rules' | 'tree' | 'kmeans' | 'rfm';

export interface SegmentationSpec {
  purpose: string;
  method: Method;
  features: FeatureName[];
  k?: number;
  k_range?: [number, number];
  seed?: number;
  rules?: Rule[];
  target?: FeatureName;
  filters?: Where;
  max_depth?: number;
}

export const RFM_FEATURES: FeatureName[] = ['recency_days', 'frequency', 'monetary'];

/** Every feature a run reads: its own list, the target, rule and filter features. */
export function featuresRead(spec: SegmentationSpec): FeatureName[] {
  const s = new Set<FeatureName>(spec.features);
  if (spec.target) s.add(spec.target);
  if (spec.method === 'rfm') RFM_FEATURES.forEach((f) => s.add(f));
  for (const r of spec.rules ?? []) {
    for (const f of Object.keys(r.where ?? {})) s.add(f as FeatureName);
    for (const w of r.any ?? []) for (const f of Object.keys(w)) s.add(f as FeatureName);
  }
  for (const f of Object.keys(spec.filters ?? {})) s.add(f as FeatureName);
  return [...s];
}
