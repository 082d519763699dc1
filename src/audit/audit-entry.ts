// One audit entry and its keyed chain hash: HMAC(audit key, prev_hash + canonical fields).
import crypto from 'node:crypto';
import { canonicalJson } from '../policy/load-policies.ts';

export interface AuditInput {
  actorIssuer: string;
  actorSubject: string;
  roles: readonly string[];
  action: string;
  outcome: 'granted' | 'denied' | 'pending' | 'ok' | 'failed';
  purpose?: string | null;
  justification?: string | null;
  subjects?: readonly string[];
  requestId?: string | null;
  /** Non-personal details only: counts, ids, reason codes. */
  detail?: Record<string, unknown>;
}

export interface AuditEntry {
  seq: number;
  at: number;
  actorIssuer: string;
  actorSubject: string;
  roles: string;
  action: string;
  outcome: string;
  purpose: string | null;
  justification: string | null;
  subjects: string;
  policyVersion: string;
  requestId: string | null;
  detail: string;
  prevHash: string;
  hash: string;
}

export const GENESIS = '0'.repeat(64);

export function chainHash(key: crypto.KeyObject, e: Omit<AuditEntry, 'hash'>): string {
  const body = canonicalJson({
    seq: e.seq,
    at: e.at,
    actor_issuer: e.actorIssuer,
    actor_subject: e.actorSubject,
    roles: e.roles,
    action: e.action,
    outcome: e.outcome,
    purpose: e.purpose,
    justification: e.justification,
    subjects: e.subjects,
    policy_version: e.policyVersion,
    request_id: e.requestId,
    detail: e.detail,
  });
  return crypto.createHmac('sha256', key).update(e.prevHash).update('\n').update(body).digest('hex');
}
