// The pure policy decision: may this role, for this purpose, do this action on this category?
import type { AccessRule, Action } from './schemas/access-rules-schema.ts';

export interface AccessRequest {
  role: string;
  issuerId?: string;
  purpose: string;
  action: Action;
  /** Dotted data category of the feature or vault field concerned. */
  category: string;
}

export interface Decision {
  decision: 'ALLOW' | 'DENY';
  /** Id of the deciding rule, or `default-deny` / `purpose-not-allowed`. */
  rule: string;
  policy_version: string;
  /** Every rule that matched, best first: the evaluation trail for review and audit. */
  trail: { rule: string; decision: 'ALLOW' | 'DENY'; priority: number }[];
}

/** `user.financial` covers `user.financial.income`; `user.fin` covers nothing but itself. */
export const categoryMatches = (pattern: string, category: string): boolean => category === pattern || category.startsWith(pattern + '.');

export function evaluate(rules: readonly AccessRule[], version: string, rolePurposes: ReadonlySet<string> | undefined, req: AccessRequest): Decision {
  if (!rolePurposes?.has(req.purpose)) {
    return { decision: 'DENY', rule: 'purpose-not-allowed', policy_version: version, trail: [] };
  }
  const matched = rules
    .filter(
      (r) =>
        r.roles.includes(req.role) &&
        r.actions.includes(req.action) &&
        (!r.issuers || (req.issuerId !== undefined && r.issuers.includes(req.issuerId))) &&
        (!r.purposes || r.purposes.includes(req.purpose)) &&
        r.data_categories.some((c) => categoryMatches(c, req.category)),
    )
    // highest priority first; at equal priority DENY first
    .sort((a, b) => b.priority - a.priority || (a.decision === b.decision ? 0 : a.decision === 'DENY' ? -1 : 1));
  const trail = matched.map((r) => ({ rule: r.id, decision: r.decision, priority: r.priority }));
  const top = matched[0];
  if (!top) return { decision: 'DENY', rule: 'default-deny', policy_version: version, trail };
  return { decision: top.decision, rule: top.id, policy_version: version, trail };
}
