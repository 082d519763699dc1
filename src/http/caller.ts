// The policy's view of the calling principal.
import type { Context } from 'hono';
import type { Caller } from '../policy/access-policy.ts';
import type { AppEnv } from './app-env.ts';
import type { AuditActor } from '../audit/audit-actor.ts';

export const callerOf = (c: Context<AppEnv>): Caller => {
  const p = c.get('principal');
  return { roles: p.roles, issuerId: p.issuerId };
};

/** The audit log's view of the caller (token issuer and subject, roles, request id). */
export const auditActorOf = (c: Context<AppEnv>): AuditActor => {
  const p = c.get('principal');
  return { issuer: p.issuerId, subject: p.subject, roles: p.roles, requestId: c.get('requestId') ?? null };
};
