// Every 401/403 on /v1 is audited (once), and the audit head file is synced before any answer
// leaves; if either cannot be written the answer is replaced by a bare 503.
import type { MiddlewareHandler } from 'hono';
import type { AuditLog } from '../../audit/audit-log.ts';
import { TokenError } from '../../auth/token-error.ts';
import { isAppError } from '../../errors/app-error.ts';
import type { AppEnv } from '../app-env.ts';
import { problemResponse } from '../problem.ts';

export function auditRequests(audit: AuditLog): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const scope = { appended: 0 };
    await audit.withinRequest(scope, next);
    try {
      const status = c.res.status;
      // A service that refused already wrote its own entry: one request, one entry.
      if ((status === 401 || status === 403) && scope.appended === 0) {
        const p = c.get('principal');
        const err = c.error;
        audit.append({
          actorIssuer: p?.issuerId ?? 'anonymous',
          actorSubject: p?.subject ?? 'anonymous',
          roles: p?.roles ?? [],
          action: status === 401 ? 'auth.refused' : 'auth.forbidden',
          outcome: 'denied',
          requestId: c.get('requestId') ?? null,
          // method and route pattern only: a path may carry what a caller typed
          detail: {
            method: c.req.method, route: c.req.routePath,
            ...(err instanceof TokenError && { reason: err.reason }),
            ...(isAppError(err) && !(err instanceof TokenError) && { code: err.code }),
          },
        });
        scope.appended++;
      }
      // Only a request that appended moves the head: others skip the file write.
      if (scope.appended > 0) audit.syncHead();
    } catch {
      c.res = problemResponse(c, 'server.unavailable', 'The audit log cannot be written; nothing was returned.');
    }
  };
}
