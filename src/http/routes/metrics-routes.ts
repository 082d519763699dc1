// GET /metrics: the Prometheus text exposition, for operators (metrics.read; the admin role). A
// loopback-only listener of its own can serve it without a token (VEILGATE_METRICS_PORT).
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { PolicySet } from '../../policy/load-policies.ts';
import type { GatewayMetrics } from '../../metrics/gateway-metrics.ts';
import type { AppEnv } from '../app-env.ts';
import { authorize } from '../middleware/authorize.ts';

export const METRICS_PATH = '/metrics';

export function metricsRoutes(deps: { policies: PolicySet; metrics: GatewayMetrics }) {
  const app = new OpenAPIHono<AppEnv>();
  app.openapi(
    createRoute({
      method: 'get',
      path: METRICS_PATH,
      tags: ['operations'],
      summary: 'Prometheus metrics (no personal data, no caller identity in any label)',
      security: [{ bearer: [] }],
      middleware: [authorize(deps.policies, 'metrics.read')] as const,
      responses: {
        200: { description: 'Prometheus text format 0.0.4', content: { 'text/plain': { schema: z.string() } } },
      },
    }),
    async (c) => c.text(await deps.metrics.scrape(), 200, { 'Content-Type': deps.metrics.contentType }),
  );
  return app;
}
