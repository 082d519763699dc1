// The shapes of GET /v1/audit and GET /v1/audit/verify answers (src/audit/audit-json.ts, audit-verify.ts).
export interface AuditEntry {
  seq: number;
  at: string;
  actor: { issuer: string; subject: string };
  roles: string[];
  action: string;
  outcome: string;
  purpose: string | null;
  justification: string | null;
  subjects: string[];
  policy_version: string;
  request_id: string | null;
  detail: unknown;
  prev_hash: string;
  hash: string;
}

export interface AuditPage {
  entries: AuditEntry[];
  next_cursor: string | null;
}

export interface Verification {
  ok: boolean;
  entries: number;
  head: { seq: number; hash: string } | null;
  first_invalid_seq: number | null;
  reason?: string;
  reanchored_at?: number[];
}

export const OUTCOMES = ['granted', 'denied', 'pending', 'ok', 'failed'] as const;

/** Actions the gateway writes, offered as suggestions (the filter takes any action). */
export const KNOWN_ACTIONS = [
  'audit.read',
  'audit.reanchor',
  'audit.verify',
  'auth.forbidden',
  'auth.refused',
  'consent.change',
  'consent.read',
  'dsr.access',
  'dsr.approve',
  'dsr.deliver',
  'dsr.deny',
  'dsr.erasure',
  'ingest.consents',
  'ingest.customers',
  'ingest.transactions',
  'policy.load',
  'reidentification.approve',
  'reidentification.deliver',
  'reidentification.deny',
  'reidentification.list',
  'reidentification.request',
  'segment.members.export',
  'segmentation.create',
  'subject.read',
];

export const outcomeBadge = (outcome: string): 'ok' | 'bad' | 'neutral' =>
  outcome === 'granted' || outcome === 'ok' ? 'ok' : outcome === 'denied' || outcome === 'failed' ? 'bad' : 'neutral';
