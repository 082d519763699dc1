// A priori segmentation: the first matching rule names a subject's segment.
import type { FeatureMatrix } from '../feature-matrix.ts';
import { describeWhere, matchesRule, type Rule } from '../conditions.ts';
import type { Partition } from '../partition.ts';

/** "a AND ((b) OR (c))": the ORed alternatives are bracketed as a whole, as the rule means. */
function describeRule(r: Rule): string {
  const any = r.any && r.any.map((w) => `(${describeWhere(w)})`).join(' OR ');
  if (!r.where) return any!;
  return any ? `${describeWhere(r.where)} AND (${any})` : describeWhere(r.where);
}

export function rulesPartition(m: FeatureMatrix, rules: readonly Rule[], onProgress: (f: number) => void): Partition {
  const assignment = new Int32Array(m.n).fill(-1);
  for (let i = 0; i < m.n; i++) {
    for (let r = 0; r < rules.length; r++) {
      if (matchesRule(m, i, rules[r]!)) {
        assignment[i] = r;
        break;
      }
    }
    if (i % 100_000 === 0) onProgress(i / m.n);
  }
  return {
    assignment,
    groups: rules.map((r, i) => ({
      key: `rule-${i + 1}`,
      label: r.name,
      rule: describeRule(r),
    })),
  };
}
