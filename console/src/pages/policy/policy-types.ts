// GET /v1/policies: the effective policy (src/policy/load-policies.ts, `effective`). Typed as far
// as the page reads it; everything else shows in the raw view.
export interface Privilege {
  purposes: string[];
  export_members: boolean;
  partner_scoped: boolean;
  min_group_size: number;
  reidentify_purposes: string[];
  min_justification?: number;
  daily_quota?: number;
  four_eyes_fields?: string[];
  dsr_daily_quota?: number;
  issuers?: Record<string, Omit<Privilege, 'issuers'>>;
}

export interface AccessRule {
  id: string;
  decision: 'ALLOW' | 'DENY';
  priority: number;
  roles?: string[];
  issuers?: string[];
  purposes?: string[];
  actions: string[];
  data_categories: string[];
}

export interface PurposeDef {
  name?: string;
  description: string;
  // the effective policy keeps the loader's names; either spelling is read
  legalBases?: string[];
  legal_bases?: string[];
  basis: string;
  consentValidityDays?: number;
  consent_validity_days?: number;
}

export interface IssuerDef {
  id: string;
  issuer: string;
  audience: string[];
  algorithms: string[];
  roles: string[];
  max_token_lifetime?: number;
  keys: { jwks_url?: string; jwks_file?: string; kids?: (string | null)[] };
}

export interface FeatureDef {
  name: string;
  kind: string;
  classification: string;
  category: string;
}

export interface EffectivePolicy {
  version: string;
  policy: {
    roles?: Record<string, { description: string; operations: string[] }>;
    issuers?: IssuerDef[];
    dictionary?: {
      default_region?: string;
      linkage?: string[][];
      validity_threshold?: number;
      record_types?: Record<string, Record<string, { type?: string; classification?: string; category?: string }>>;
      features?: Record<string, FeatureDef>;
    };
    purposes?: Record<string, PurposeDef>;
    privileges?: Record<string, Privilege>;
    access_rules?: AccessRule[];
    sources?: Record<string, { description?: string; writers?: { issuer: string; subjects?: string[] }[] }>;
    [k: string]: unknown;
  };
}
