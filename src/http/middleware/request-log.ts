// One log line per request: id, method, path, status, duration. Never headers, query or body.
import type { MiddlewareHandler } from 'hono';
import type { Logger } from '../../logging/logger.ts';
import type { AppEnv } from '../app-env.ts';

export function requestLog(logger: Logger, clock: () => number): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = clock();
    const log = logger.child({ req_id: c.get('requestId') });
    c.set('logger', log);
    await next();
    const status = c.res.status;
    const line = { method: c.req.method, path: c.req.path, status, ms: clock() - started };
    if (status >= 500) log.error(line, 'request');
    else log.info(line, 'request');
  };
}
