// Audits refusals on /v1 and keeps the audit head in step before any answer leaves. A 403 (an
// authenticated caller) is one entry of its own; a 401 is counted per client address and minute
// (RefusalTally), and an address past its limit is answered 429 before its token is looked at.
// If an entry or the head cannot be written the answer is replaced by a bare 503.
import type { MiddlewareHandler } from 'hono';
import type { AuditLog } from '../../audit/audit-log.ts';
import type { RefusalTally } from '../../audit/refusal-tally.ts';
import { TokenError } from '../../auth/token-error.ts';
import { isAppError } from '../../errors/app-error.ts';
import type { AppEnv } from '../app-env.ts';
import { clientAddress } from '../client-address.ts';
import { problemResponse, replaceWithProblem } from '../problem.ts';

export function auditRequests(audit: AuditLog, refusals: RefusalTally): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const address = clientAddress(c);
    const wait = refusals.retryAfter(address);
    if (wait > 0) {
      refusals.record(address, 'rate_limited');
      return problemResponse(c, 'request.rate_limited', 'Too many refused authentications from this address; retry later.', {
        headers: { 'Retry-After': String(wait) },
      });
    }
    const scope = { appended: 0 };
    await audit.withinRequest(scope, next);
    try {
      const status = c.res.status;
      const err = c.error;
      if (status === 401) refusals.record(address, err instanceof TokenError ? err.reason : 'refused');
      // A service that refused already wrote its own entry: one request, one entry.
      if (status === 403 && scope.appended === 0) {
        const p = c.get('principal');
        await audit.append({
          actorIssuer: p?.issuerId ?? 'anonymous',
          actorSubject: p?.subject ?? 'anonymous',
          roles: p?.roles ?? [],
          action: 'auth.forbidden',
          outcome: 'denied',
          requestId: c.get('requestId') ?? null,
          // method and route pattern only: a path may carry what a caller typed
          detail: { method: c.req.method, route: c.req.routePath, ...(isAppError(err) && { code: err.code }) },
        });
        scope.appended++;
      }
      // Only a request that appended moves the head: others skip the file write.
      if (scope.appended > 0) await audit.syncHead();
    } catch {
      replaceWithProblem(c, 'server.unavailable', 'The audit log cannot be written; nothing was returned.');
    }
  };
}
