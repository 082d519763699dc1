// GET /v1/policies: the effective validated policy and its version hash, for review.
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { PolicySet } from '../../policy/load-policies.ts';
import type { AppEnv } from '../app-env.ts';
import { authorize } from '../middleware/authorize.ts';

const PolicySchema = z.object({ version: z.string(), policy: z.record(z.string(), z.unknown()) }).openapi('EffectivePolicy');

export function policyRoutes(deps: { policies: PolicySet }) {
  const app = new OpenAPIHono<AppEnv>();
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/policies',
      tags: ['policy'],
      summary: 'Effective policy with its version hash',
      security: [{ bearer: [] }],
      middleware: [authorize(deps.policies, 'policies.read')] as const,
      responses: { 200: { description: 'Effective policy', content: { 'application/json': { schema: PolicySchema } } } },
    }),
    (c) => c.json({ version: deps.policies.version, policy: deps.policies.effective() }, 200),
  );
  return app;
}
