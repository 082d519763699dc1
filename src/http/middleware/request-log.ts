// One log line per request: id, method, path, status, duration, actor. Never headers, query or body.
import type { MiddlewareHandler } from 'hono';
import type { Logger } from '../../logging/logger.ts';
import type { AppEnv } from '../app-env.ts';

export function requestLog(logger: Logger, clock: () => number): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = clock();
    await next();
    const status = c.res.status;
    // One flat line, no per-request child logger: child creation costs more than the line.
    const p = c.get('principal');
    const line = {
      // the route pattern, not the path: a caller may type an identifier into a path segment
      req_id: c.get('requestId'),
      method: c.req.method,
      route: c.req.routePath,
      status,
      ms: clock() - started,
      ...(p && { actor: { iss: p.issuerId, sub: p.subject } }),
    };
    if (status >= 500) logger.error(line, 'request');
    else logger.info(line, 'request');
  };
}
