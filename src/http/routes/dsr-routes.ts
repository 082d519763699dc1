// Data-subject rights: access and erasure, found by email, phone or source + customer id, each
// filed under the data subject's request reference; the register of requests and four-eyes
// decisions on withheld fields.
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { DsrService } from '../../dsr/dsr-service.ts';
import type { PolicySet } from '../../policy/load-policies.ts';
import type { AppEnv } from '../app-env.ts';
import { authorize } from '../middleware/authorize.ts';
import { auditActorOf, callerOf } from '../caller.ts';
import { SourceParam } from './ingest-routes.ts';
import { jsonResponse, OpenObject } from '../openapi/responses.ts';

const DsrBody = z
  .strictObject({
    identifier: z.strictObject({
      type: z.enum(['email', 'phone', 'customer_id']),
      value: z.string().min(1).max(254),
      source: SourceParam.optional().openapi({ description: 'required with customer_id: a customer id is unique only within its source' }),
    }),
    // A ticket reference, not free text: it is stored and audited, so it must not carry an identifier.
    reference: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9._:/#-]{2,63}$/, 'a ticket reference: a letter, then 2 to 63 letters, digits or . _ : / # -')
      .openapi({ description: "the data subject's request as filed (e.g. DSR-2026-0042)", example: 'DSR-2026-0042' }),
  })
  .openapi('DataSubjectRequest');

const IdParam = z.object({ id: z.string().max(64) });

export function dsrRoutes(deps: { policies: PolicySet; dsr: DsrService }) {
  const app = new OpenAPIHono<AppEnv>();
  const sec = [{ bearer: [] }];
  const lookup = {
    404: { description: 'Nothing held (also after an erasure)' },
    409: { description: 'The phone number was sent for more than one person' },
    422: { description: 'Invalid identifier or reference; customer_id without its source' },
    429: { description: 'The daily quota of data-subject requests is used up (Retry-After)' },
  };
  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/dsr/access',
      tags: ['data-subject rights'],
      summary: 'Everything held on a person',
      security: sec,
      middleware: [authorize(deps.policies, 'dsr.access')] as const,
      request: { body: { content: { 'application/json': { schema: DsrBody } }, required: true } },
      responses: {
        200: jsonResponse('The package: identity, features, consents, memberships, partner exports, re-identifications', OpenObject),
        202: jsonResponse(
          'The package without the fields a second DPO must approve (withheld_fields); collect them with GET /v1/dsr/{id} once approved',
          OpenObject,
        ),
        ...lookup,
      },
    }),
    async (c) => {
      const out = await deps.dsr.access(callerOf(c), auditActorOf(c), c.req.valid('json'));
      return c.json(out.body, out.pending ? 202 : 200);
    },
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/dsr/erasure',
      tags: ['data-subject rights'],
      summary: 'Erase a person: crypto-shred, delete, suppress re-ingest',
      security: sec,
      middleware: [authorize(deps.policies, 'dsr.erasure')] as const,
      request: { body: { content: { 'application/json': { schema: DsrBody } }, required: true } },
      responses: { 200: jsonResponse('Receipt of what was removed; the WAL compaction that follows is reported on GET /v1/dsr/{id}', OpenObject), ...lookup },
    }),
    async (c) => c.json(await deps.dsr.erase(callerOf(c), auditActorOf(c), c.req.valid('json')), 200),
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/dsr/{id}',
      tags: ['data-subject rights'],
      summary: 'A data-subject request; its requester collects approved withheld fields once (GET only)',
      security: sec,
      middleware: [authorize(deps.policies, 'dsr.read')] as const,
      request: { params: IdParam },
      responses: {
        200: jsonResponse(
          'The request: id, kind, reference, status, withheld_fields, decisions, receipt and maintenance of an erasure (and, once, the approved fields)',
          OpenObject,
        ),
        404: { description: 'Unknown request' },
      },
    }),
    async (c) => c.json(await deps.dsr.get(auditActorOf(c), c.req.valid('param').id, { deliver: c.req.method === 'GET' }), 200),
  );
  for (const decision of ['approve', 'deny'] as const) {
    app.openapi(
      createRoute({
        method: 'post',
        path: `/v1/dsr/{id}/${decision}`,
        tags: ['data-subject rights'],
        summary: `${decision} the withheld fields of another DPO's access package`,
        security: sec,
        middleware: [authorize(deps.policies, 'dsr.decide')] as const,
        request: { params: IdParam },
        responses: {
          200: jsonResponse('Decided: the request with its new status, decided_by and decided_at', OpenObject),
          403: { description: 'The requester cannot decide their own request' },
          404: { description: 'Unknown request' },
          409: { description: 'Not pending' },
        },
      }),
      async (c) => c.json(await deps.dsr.decide(auditActorOf(c), c.req.valid('param').id, decision), 200),
    );
  }
  return app;
}
