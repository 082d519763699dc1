// GET /v1/me: who the gateway thinks the caller is (handy to check a minted token).
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { PolicySet } from '../../policy/load-policies.ts';
import type { AppEnv } from '../app-env.ts';
import { authorize } from '../middleware/authorize.ts';

export const MeSchema = z
  .object({ issuer: z.string(), issuer_id: z.string(), subject: z.string(), roles: z.array(z.string()), expires_at: z.string() })
  .openapi('Me');

/** Exported so the auth benchmark can mount the same handler without authentication. */
export const meHandler = (c: Context<AppEnv>) => {
  const p = c.get('principal');
  return c.json({ issuer: p.issuer, issuer_id: p.issuerId, subject: p.subject, roles: [...p.roles], expires_at: new Date(p.exp * 1000).toISOString() }, 200);
};

export function meRoutes(deps: { policies: PolicySet }) {
  const app = new OpenAPIHono<AppEnv>();
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/me',
      tags: ['identity'],
      summary: 'The verified identity of the calling token',
      security: [{ bearer: [] }],
      middleware: [authorize(deps.policies, 'me.read')] as const,
      responses: { 200: { description: 'Identity', content: { 'application/json': { schema: MeSchema } } } },
    }),
    meHandler,
  );
  return app;
}
