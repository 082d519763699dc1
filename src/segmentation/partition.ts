// A method's output: each row's group, and what each group is. Suppression works on this.
export interface Group {
  key: string;
  label?: string;
  rule?: string;
}

export interface Partition {
  /** Group index per row; -1 means the remainder. */
  assignment: Int32Array;
  groups: Group[];
  quality?: { inertia: number; silhouette: number | null; k: number; iterations: number; silhouette_by_k?: Record<string, number> };
}

export interface VisibleGroup extends Group {
  /** Row indices of the members. */
  rows: Uint32Array;
}

export interface Suppressed {
  visible: VisibleGroup[];
  suppressed: number;
  remainderHidden: boolean;
}

export const REMAINDER_KEY = 'remainder';

/**
 * Rules, tree and RFM: groups under `min` merge into the remainder; a remainder under `min`
 * is hidden too. What is shown then adds up, and no hidden size follows from it: a merged
 * size is only ever seen inside the remainder, never beside a total that contains it. Every
 * group under `min` counts as suppressed, an empty one too: were only non-empty ones counted,
 * a rule whose threshold moves by one unit would tell 0 members from 1 by the count.
 */
export function suppressIntoRemainder(p: Partition, min: number, remainderLabel = 'everyone else'): Suppressed {
  const sizes = new Uint32Array(p.groups.length);
  let remainder = 0;
  for (const g of p.assignment) g < 0 ? remainder++ : sizes[g]!++;
  let suppressed = 0;
  const keep = p.groups.map((_, g) => {
    if (sizes[g]! >= min) return true;
    suppressed++;
    remainder += sizes[g]!;
    return false;
  });
  const rowsOf = collectRows(p.assignment, p.groups.length, (g) => (g >= 0 && keep[g] ? g : -1));
  const visible: VisibleGroup[] = [];
  p.groups.forEach((g, i) => {
    if (keep[i]) visible.push({ ...g, rows: rowsOf.groups[i]! });
  });
  // the remainder too: hidden and counted whenever it is under the minimum, empty or not
  const remainderHidden = remainder < min;
  if (!remainderHidden) visible.push({ key: REMAINDER_KEY, label: remainderLabel, rows: rowsOf.remainder });
  return { visible, suppressed: suppressed + (remainderHidden ? 1 : 0), remainderHidden };
}

export function collectRows(assignment: Int32Array, groups: number, map: (g: number) => number): { groups: Uint32Array[]; remainder: Uint32Array } {
  const counts = new Uint32Array(groups + 1);
  for (const g of assignment) counts[map(g) + 1]!++;
  const out = Array.from({ length: groups + 1 }, (_, i) => new Uint32Array(counts[i]!));
  const fill = new Uint32Array(groups + 1);
  for (let i = 0; i < assignment.length; i++) {
    const g = map(assignment[i]!) + 1;
    out[g]![fill[g]!++] = i;
  }
  return { groups: out.slice(1), remainder: out[0]! };
}
