// Data-subject rights: access and erasure, found by email, phone or source + customer id.
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { DsrService } from '../../dsr/dsr-service.ts';
import type { PolicySet } from '../../policy/load-policies.ts';
import type { AppEnv } from '../app-env.ts';
import { authorize } from '../middleware/authorize.ts';
import { auditActorOf } from '../caller.ts';

const DsrBody = z.strictObject({
  identifier: z.strictObject({
    type: z.enum(['email', 'phone', 'customer_id']),
    value: z.string().min(1).max(254),
    source: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/).optional(),
  }),
}).openapi('DataSubjectRequest');

export function dsrRoutes(deps: { policies: PolicySet; dsr: DsrService }) {
  const app = new OpenAPIHono<AppEnv>();
  const sec = [{ bearer: [] }];
  app.openapi(createRoute({
    method: 'post', path: '/v1/dsr/access', tags: ['data-subject rights'], summary: 'Everything held on a person',
    security: sec, middleware: [authorize(deps.policies, 'dsr.access')] as const,
    request: { body: { content: { 'application/json': { schema: DsrBody } }, required: true } },
    responses: { 200: { description: 'Identity, features, consents, memberships, partner exports, re-identifications' }, 404: { description: 'Nothing held' }, 409: { description: 'The phone number was sent for more than one person' } },
  }), (c) => c.json(deps.dsr.access(auditActorOf(c), c.req.valid('json').identifier), 200));
  app.openapi(createRoute({
    method: 'post', path: '/v1/dsr/erasure', tags: ['data-subject rights'], summary: 'Erase a person: crypto-shred, delete, suppress re-ingest',
    security: sec, middleware: [authorize(deps.policies, 'dsr.erasure')] as const,
    request: { body: { content: { 'application/json': { schema: DsrBody } }, required: true } },
    responses: { 200: { description: 'Receipt of what was removed' }, 404: { description: 'Nothing held' }, 409: { description: 'The phone number was sent for more than one person' } },
  }), (c) => c.json(deps.dsr.erase(auditActorOf(c), c.req.valid('json').identifier), 200));
  return app;
}
