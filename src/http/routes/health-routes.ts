// Liveness and readiness probes; no authentication, no personal data.
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env.ts';
import { problemResponse } from '../problem.ts';

export interface ReadinessCheck {
  name: string;
  check: () => Promise<void>;
}

const ReadySchema = z.object({ status: z.enum(['ready']), checks: z.record(z.string(), z.enum(['ok'])) }).openapi('Readiness');

export function healthRoutes(deps: { readiness: readonly ReadinessCheck[] }) {
  const app = new OpenAPIHono<AppEnv>();
  app.openapi(
    createRoute({
      method: 'get',
      path: '/healthz',
      tags: ['operations'],
      summary: 'The process is up',
      responses: { 200: { description: 'Up', content: { 'application/json': { schema: z.object({ status: z.literal('ok') }) } } } },
    }),
    (c) => c.json({ status: 'ok' as const }, 200),
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: '/readyz',
      tags: ['operations'],
      summary: 'Database writable, migrations applied, policies loaded',
      responses: {
        200: { description: 'Ready', content: { 'application/json': { schema: ReadySchema } } },
        503: { description: 'Not ready (problem+json naming the failing check)' },
      },
    }),
    async (c) => {
      const checks: Record<string, 'ok'> = {};
      for (const r of deps.readiness) {
        try {
          await r.check();
          checks[r.name] = 'ok';
        } catch {
          return problemResponse(c, 'server.unavailable', `Readiness check failed: ${r.name}.`);
        }
      }
      return c.json({ status: 'ready' as const, checks }, 200);
    },
  );
  return app;
}
