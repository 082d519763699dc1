// Route-level authorization from roles.yaml: the caller needs one role that grants the operation.
import type { MiddlewareHandler } from 'hono';
import { AppError } from '../../errors/app-error.ts';
import type { Operation } from '../../policy/operations.ts';
import type { PolicySet } from '../../policy/load-policies.ts';
import type { AppEnv } from '../app-env.ts';

export function authorize(policies: PolicySet, op: Operation): MiddlewareHandler<AppEnv> {
  const allowed = new Set(policies.rolesFor(op));
  return async (c, next) => {
    const principal = c.get('principal');
    if (!principal || !principal.roles.some((r) => allowed.has(r))) {
      throw new AppError('auth.forbidden', `None of the token's roles may perform ${op}.`, {
        headers: { 'WWW-Authenticate': 'Bearer realm="veilgate", error="insufficient_scope"' },
      });
    }
    await next();
  };
}
