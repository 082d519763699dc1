// Who an audit entry names: the verified token's issuer and subject, its roles, the request.
export interface AuditActor {
  issuer: string;
  subject: string;
  roles: readonly string[];
  requestId: string | null;
}

export const SYSTEM_ACTOR: AuditActor = { issuer: 'veilgate', subject: 'system', roles: [], requestId: null };

export const actorFields = (a: AuditActor) => ({
  actorIssuer: a.issuer,
  actorSubject: a.subject,
  roles: a.roles,
  requestId: a.requestId,
});
