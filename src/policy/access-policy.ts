// Field-level access decisions over the validated purposes, privileges and access rules.
import { evaluate, type Decision } from './evaluate.ts';
import type { AccessRule, Action } from './schemas/access-rules-schema.ts';
import type { LegalBasis } from './schemas/purposes-schema.ts';
import type { Dictionary } from './load-dictionary.ts';
import type { FeatureName } from './features.ts';

export interface Purpose {
  name: string;
  description: string;
  legalBases: readonly LegalBasis[];
  basis: LegalBasis;
  consentValidityDays: number;
}

export interface Privilege {
  purposes: ReadonlySet<string>;
  exportMembers: boolean;
  partnerScoped: boolean;
  minGroupSize: number;
  reidentifyPurposes: ReadonlySet<string>;
  minJustification: number;
  dailyQuota: number;
  fourEyesFields: ReadonlySet<string>;
  /** Data-subject requests per actor and UTC day (0: none). */
  dsrDailyQuota: number;
}

export interface Caller {
  roles: readonly string[];
  issuerId?: string;
}

const NONE: Privilege = Object.freeze({
  purposes: new Set<string>(),
  exportMembers: false,
  partnerScoped: false,
  minGroupSize: Number.MAX_SAFE_INTEGER,
  reidentifyPurposes: new Set<string>(),
  minJustification: Number.MAX_SAFE_INTEGER,
  dailyQuota: 0,
  fourEyesFields: new Set<string>(),
  dsrDailyQuota: 0,
});

export class AccessPolicy {
  constructor(
    readonly version: () => string,
    readonly purposes: ReadonlyMap<string, Purpose>,
    private readonly privileges: ReadonlyMap<string, { base: Privilege; issuers: ReadonlyMap<string, Privilege> }>,
    readonly rules: readonly AccessRule[],
    private readonly dictionary: Dictionary,
  ) {}

  /** The privilege of one role for one issuer: the issuer entry can only narrow the role's. */
  privilegeOf(role: string, issuerId?: string): Privilege {
    const p = this.privileges.get(role);
    if (!p) return NONE;
    return (issuerId !== undefined && p.issuers.get(issuerId)) || p.base;
  }

  /**
   * Combined privilege of a multi-role caller: union of purposes and rights, and the largest
   * group minimum among the roles that may use the purpose (the strictest applies).
   */
  callerPrivilege(caller: Caller): Privilege {
    const ps = caller.roles.map((r) => this.privilegeOf(r, caller.issuerId));
    if (ps.length === 0) return NONE;
    return {
      purposes: new Set(ps.flatMap((p) => [...p.purposes])),
      exportMembers: ps.some((p) => p.exportMembers),
      partnerScoped: ps.some((p) => p.partnerScoped),
      minGroupSize: Math.max(...ps.map((p) => p.minGroupSize)),
      reidentifyPurposes: new Set(ps.flatMap((p) => [...p.reidentifyPurposes])),
      minJustification: Math.max(...ps.map((p) => (p.reidentifyPurposes.size ? p.minJustification : 0))),
      dailyQuota: Math.max(...ps.map((p) => p.dailyQuota)),
      fourEyesFields: new Set(ps.flatMap((p) => [...p.fourEyesFields])),
      dsrDailyQuota: Math.max(...ps.map((p) => p.dsrDailyQuota)),
    };
  }

  /** ALLOW if any of the caller's roles allows; otherwise the first role's DENY with its trail. */
  decide(caller: Caller, purpose: string, action: Action, category: string): Decision {
    let first: Decision | undefined;
    for (const role of caller.roles) {
      const privilege = this.privilegeOf(role, caller.issuerId);
      const purposes = action === 'reidentify' ? privilege.reidentifyPurposes : privilege.purposes;
      const d = evaluate(this.rules, this.version(), purposes, {
        role,
        ...(caller.issuerId !== undefined && { issuerId: caller.issuerId }),
        purpose,
        action,
        category,
      });
      if (d.decision === 'ALLOW') return d;
      first ??= d;
    }
    return first ?? { decision: 'DENY', rule: 'default-deny', policy_version: this.version(), trail: [] };
  }

  featureCategory(feature: string): string | undefined {
    return this.dictionary.features.get(feature as FeatureName)?.category;
  }

  /** Features of the dictionary the caller may `use` or `see` under `purpose`. */
  allowedFeatures(caller: Caller, purpose: string, action: 'use' | 'see'): FeatureName[] {
    return [...this.dictionary.features.values()].filter((f) => this.decide(caller, purpose, action, f.category).decision === 'ALLOW').map((f) => f.name);
  }

  /** Category of a vault field (a customer direct or quasi identifier). */
  fieldCategory(field: string): string | undefined {
    const rule = this.dictionary.recordTypes.customers.fields.get(field);
    return rule && (rule.classification === 'direct_identifier' || rule.classification === 'quasi_identifier') ? rule.category : undefined;
  }
}
