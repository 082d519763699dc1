// The answers of /v1/dsr/* as the gateway sends them (src/dsr/dsr-service.ts, dsr-package.ts).
export type IdentifierType = 'email' | 'phone' | 'customer_id';

export interface DsrBody {
  identifier: { type: IdentifierType; value: string; source?: string };
  reference: string;
}

export type DsrStatus = 'completed' | 'pending_approval' | 'approved' | 'denied' | 'delivered' | 'not_found' | 'ambiguous';

export interface AccessPackage {
  id: string;
  reference: string;
  status: DsrStatus;
  withheld_fields: string[];
  pseudonym: string;
  identity: Record<string, string>;
  identity_sources: Record<string, { source: string; updated_at: string }>;
  features: Record<string, string | number | null> | null;
  transactions: { date: string; amount: number; currency: string; channel: string; category: string | null; source: string }[];
  consent_history: {
    purpose: string;
    status: string;
    legal_basis: string;
    source: string;
    collected_at: string;
    expires_at: string | null;
    notice_version: string | null;
  }[];
  segment_memberships: { run_id: string; segment_id: string; purpose: string; method: string; at: string }[];
  partner_exports: { at: string; partner: string; purpose: string | null; detail: unknown }[];
  reidentifications: { at: string; who: string; action: string; outcome: string; purpose: string | null; why: string | null }[];
}

export type Receipt = Record<string, string | number>;

export interface ErasureReceipt {
  id: string;
  reference: string;
  pseudonym: string;
  erased_at: string;
  removed: Receipt;
  suppression: { linkage_keys: number; effect: string };
  kept: Record<string, string>;
  maintenance: Record<string, string | number> | null;
}

export interface DsrView {
  id: string;
  kind: 'access' | 'erasure';
  reference: string;
  status: DsrStatus;
  identifier_type: string;
  pseudonym: string | null;
  requested_by: string;
  withheld_fields: string[];
  created_at: string;
  decided_by: string | null;
  decided_at: string | null;
  delivered_at: string | null;
  receipt?: Receipt;
  maintenance?: Record<string, string | number>;
  /** Only once: the approved withheld fields, to their requester. */
  identity?: Record<string, string>;
}
