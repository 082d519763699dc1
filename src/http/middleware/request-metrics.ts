// Times every request into the metrics by the pattern of the route that answered it (never the
// path as typed: it may carry an id or whatever a caller put there) and the status sent.
import type { MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import type { GatewayMetrics } from '../../metrics/gateway-metrics.ts';
import type { AppEnv } from '../app-env.ts';

/** Requests no route answered (404, 405): one label however many paths are tried. */
const UNMATCHED = 'unmatched';

export function requestMetrics(metrics: GatewayMetrics): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      // middleware is registered for every method ('ALL'); a route for one
      const route = matchedRoutes(c).findLast((r) => r.method !== 'ALL')?.path ?? UNMATCHED;
      metrics.request(route, c.req.method, c.res.status, (performance.now() - started) / 1000);
    }
  };
}
