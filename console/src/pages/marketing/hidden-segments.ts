// Which segments a run hid, as far as the API says: the receipt counts them, and for rules the
// request names the rules whose segment is not among the visible ones. Never a size: the API
// gives none, and nothing here derives one.
import type { Run } from './run-types.ts';

export interface HiddenSegment {
  /** The rule's name, when the request tells which rule it was. */
  name?: string;
  /** The "everyone else" group of a rules run. */
  remainder?: boolean;
}

export function hiddenSegments(run: Run): HiddenSegment[] {
  const result = run.result;
  if (!result) return [];
  const count = result.receipt.suppressed_segments;
  const visible = new Set(result.segments.map((s) => s.id));
  const out: HiddenSegment[] = [];
  if (run.method === 'rules' && run.request?.rules) {
    // rules-method.ts names a rule's segment rule-<n>, the rest "remainder"
    run.request.rules.forEach((r, i) => {
      if (!visible.has(`rule-${i + 1}`)) out.push({ name: r.name });
    });
    if (out.length > count) return Array.from({ length: count }, () => ({}));
    if (out.length < count && !visible.has('remainder')) out.push({ remainder: true });
  }
  while (out.length < count) out.push({});
  return out;
}
