// How much work a request asks of every subject: each condition of its rules and filters counts
// 1, plus each value of an `in` list. A rules request is evaluated per subject, so this bounds the
// cost of a run (a 3.5 MB request once cost about a millisecond per subject).
import type { Condition, Where } from './conditions.ts';
import type { SegmentationSpec } from './segmentation-spec.ts';

const ofCondition = (c: Condition | undefined): number => (c ? 1 + (c.in?.length ?? 0) : 0);
const ofWhere = (w: Where | undefined): number => (w ? Object.values(w).reduce((n, c) => n + ofCondition(c), 0) : 0);

export function requestComplexity(spec: SegmentationSpec): number {
  let n = ofWhere(spec.filters);
  for (const r of spec.rules ?? []) {
    n += ofWhere(r.where);
    for (const w of r.any ?? []) n += ofWhere(w);
  }
  return n;
}
