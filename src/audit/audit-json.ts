// The public shape of one audit entry: what GET /v1/audit returns (JSON, NDJSON, CSV columns) and
// what the audit sink forwards, so an entry reads the same wherever it is found.
import type { AuditEntry } from './audit-entry.ts';

export interface AuditEntryJson {
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

export const auditEntryJson = (e: AuditEntry): AuditEntryJson => ({
  seq: e.seq,
  at: new Date(e.at).toISOString(),
  actor: { issuer: e.actorIssuer, subject: e.actorSubject },
  roles: e.roles ? e.roles.split(',') : [],
  action: e.action,
  outcome: e.outcome,
  purpose: e.purpose,
  justification: e.justification,
  subjects: JSON.parse(e.subjects) as string[],
  policy_version: e.policyVersion,
  request_id: e.requestId,
  detail: JSON.parse(e.detail) as unknown,
  prev_hash: e.prevHash,
  hash: e.hash,
});

export const AUDIT_CSV_COLUMNS = [
  'seq',
  'at',
  'actor_issuer',
  'actor_subject',
  'roles',
  'action',
  'outcome',
  'purpose',
  'justification',
  'subjects',
  'policy_version',
  'request_id',
  'detail',
  'prev_hash',
  'hash',
] as const;

/** The CSV columns' values, in AUDIT_CSV_COLUMNS order (roles and subjects space-separated, detail as JSON). */
export const auditCsvValues = (j: AuditEntryJson): unknown[] => [
  j.seq,
  j.at,
  j.actor.issuer,
  j.actor.subject,
  j.roles.join(' '),
  j.action,
  j.outcome,
  j.purpose,
  j.justification,
  j.subjects.join(' '),
  j.policy_version,
  j.request_id,
  j.detail,
  j.prev_hash,
  j.hash,
];
