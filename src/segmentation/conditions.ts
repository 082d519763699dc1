// The condition language of a priori rules and filters: eq | in | gte | lte | between, ANDed.
import type { FeatureName } from '../policy/features.ts';
import { valueAt, type FeatureMatrix } from './feature-matrix.ts';

export interface Condition {
  eq?: string | number;
  in?: (string | number)[];
  gte?: number;
  lte?: number;
  between?: [number, number];
}

export type Where = Partial<Record<FeatureName, Condition>>;

export interface Rule {
  name: string;
  where?: Where;
  any?: Where[];
}

/** A missing value matches no condition: a subject without a purchase is not "recent". */
function holds(c: Condition, v: number | string | null): boolean {
  if (v === null) return false;
  if (c.eq !== undefined && v !== c.eq) return false;
  if (c.in !== undefined && !c.in.includes(v)) return false;
  if (typeof v === 'number') {
    if (c.gte !== undefined && v < c.gte) return false;
    if (c.lte !== undefined && v > c.lte) return false;
    if (c.between !== undefined && (v < c.between[0] || v > c.between[1])) return false;
  } else if (c.gte !== undefined || c.lte !== undefined || c.between !== undefined) return false;
  return true;
}

export function matchesWhere(m: FeatureMatrix, i: number, where: Where): boolean {
  for (const [f, c] of Object.entries(where) as [FeatureName, Condition][]) {
    if (!holds(c, valueAt(m, f, i))) return false;
  }
  return true;
}

export function matchesRule(m: FeatureMatrix, i: number, r: Rule): boolean {
  if (r.where && !matchesWhere(m, i, r.where)) return false;
  if (r.any && !r.any.some((w) => matchesWhere(m, i, w))) return false;
  return true;
}

export function describeWhere(w: Where): string {
  return Object.entries(w)
    .map(([f, c]) => {
      const parts: string[] = [];
      if (c!.eq !== undefined) parts.push(`${f} = ${c!.eq}`);
      if (c!.in !== undefined) parts.push(`${f} in (${c!.in.join(', ')})`);
      if (c!.gte !== undefined) parts.push(`${f} >= ${c!.gte}`);
      if (c!.lte !== undefined) parts.push(`${f} <= ${c!.lte}`);
      if (c!.between !== undefined) parts.push(`${f} between ${c!.between[0]} and ${c!.between[1]}`);
      return parts.join(' AND ');
    })
    .join(' AND ');
}
