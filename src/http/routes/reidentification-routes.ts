// Re-identification: request (granted or pending four-eyes approval), decide, collect once.
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { PolicySet } from '../../policy/load-policies.ts';
import type { ReidentificationService } from '../../reidentification/reidentification-service.ts';
import type { AppEnv } from '../app-env.ts';
import { authorize } from '../middleware/authorize.ts';
import { auditActorOf, callerOf } from '../caller.ts';
import type { GatewayMetrics } from '../../metrics/gateway-metrics.ts';
import { jsonResponse, OpenObject } from '../openapi/responses.ts';

// Justification is optional in the schema on purpose: a missing one is refused by the service,
// so that refusal is audited like any other.
const ReidBody = z
  .strictObject({
    pseudonyms: z.array(z.string().max(64)).min(1).max(100),
    fields: z.array(z.string().max(64)).min(1).max(20),
    purpose: z.string().min(1).max(64),
    justification: z.string().max(2000).optional(),
  })
  .openapi('ReidentificationRequest');

const ListQuery = z.strictObject({
  status: z
    .enum(['pending_approval', 'decided'])
    .optional()
    .openapi({ description: 'pending_approval: waiting for a second DPO; decided: approved, denied or delivered (granted at once included). Any when absent' }),
  mine: z.enum(['true', 'false']).optional().openapi({ description: "true: only the caller's own requests" }),
  cursor: z
    .string()
    .regex(/^\d{1,15}\.[A-Za-z0-9_-]{1,64}$/)
    .optional()
    .openapi({ description: 'the next_cursor of the previous page' }),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

const ListedRequest = z
  .object({
    id: z.string(),
    requester: z.string().openapi({ description: 'issuer id + ":" + subject' }),
    own: z.boolean().openapi({ description: "the caller's own request (which the caller can never decide)" }),
    purpose: z.string(),
    justification: z.string(),
    pseudonyms: z.array(z.string()),
    not_pseudonyms: z.number().int().openapi({ description: 'entries of the request that were no pseudonym (not shown)' }),
    fields: z.array(z.string()),
    status: z.enum(['pending_approval', 'approved', 'denied', 'delivered']),
    decided_by: z.string().nullable(),
    decided_at: z.string().nullable(),
    delivered_at: z.string().nullable(),
    created_at: z.string(),
  })
  .openapi('ListedReidentificationRequest');

export function reidentificationRoutes(deps: { policies: PolicySet; reid: ReidentificationService; metrics: GatewayMetrics }) {
  const app = new OpenAPIHono<AppEnv>();
  // every request and decision counts by its outcome, refusals included (a spike is worth an alert)
  const counted = async <T>(refused: string, fn: () => Promise<T>, outcome: (v: T) => string): Promise<T> => {
    try {
      const v = await fn();
      deps.metrics.reidentification(outcome(v));
      return v;
    } catch (e) {
      deps.metrics.reidentification(refused);
      throw e;
    }
  };
  const sec = [{ bearer: [] }];
  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/reidentifications',
      tags: ['re-identification'],
      summary: 'Re-identify pseudonyms (justified, audited)',
      security: sec,
      middleware: [authorize(deps.policies, 'reidentifications.create')] as const,
      request: { body: { content: { 'application/json': { schema: ReidBody } }, required: true } },
      responses: {
        201: jsonResponse('{id, status: "granted", results: [{pseudonym, status, fields?}]}', OpenObject),
        202: jsonResponse('{id, status: "pending_approval"}: a second DPO must approve', OpenObject),
        403: { description: 'No re-identification right, purpose or field not allowed' },
        422: { description: 'Missing or short justification, unknown purpose or field' },
        429: { description: 'Daily quota used up (Retry-After)' },
      },
    }),
    async (c) => {
      const out = await counted(
        'refused',
        () => deps.reid.request(callerOf(c), auditActorOf(c), c.req.valid('json')),
        (o) => o.outcome,
      );
      return c.json(out.body, out.outcome === 'granted' ? 201 : 202);
    },
  );
  // Approvers (who may decide) list everyone's requests; anyone else only their own.
  const deciders = new Set(deps.policies.rolesFor('reidentifications.decide'));
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/reidentifications',
      tags: ['re-identification'],
      summary: "Requests, newest first: everyone's for an approver, the caller's own otherwise (audited; never a revealed value)",
      security: sec,
      middleware: [authorize(deps.policies, 'reidentifications.read')] as const,
      request: { query: ListQuery },
      responses: {
        200: jsonResponse(
          'A page of requests and the cursor of the next one',
          z.object({ requests: z.array(ListedRequest), next_cursor: z.string().nullable() }),
        ),
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const everyone = callerOf(c).roles.some((r) => deciders.has(r));
      const page = await deps.reid.list(auditActorOf(c), { status: q.status, mine: q.mine === 'true', everyone, cursor: q.cursor, limit: q.limit });
      return c.json(page, 200);
    },
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/reidentifications/{id}',
      tags: ['re-identification'],
      summary: 'Status; the requester collects approved fields once',
      security: sec,
      middleware: [authorize(deps.policies, 'reidentifications.read')] as const,
      request: { params: z.object({ id: z.string().max(64) }) },
      responses: { 200: jsonResponse('{id, status, purpose, fields, created_at} (and, once, results)', OpenObject), 404: { description: 'Unknown request' } },
    }),
    async (c) => c.json(await deps.reid.get(auditActorOf(c), c.req.valid('param').id, { deliver: c.req.method === 'GET' }), 200),
  );
  for (const decision of ['approve', 'deny'] as const) {
    app.openapi(
      createRoute({
        method: 'post',
        path: `/v1/reidentifications/{id}/${decision}`,
        tags: ['re-identification'],
        summary: `${decision} a pending request (another DPO)`,
        security: sec,
        middleware: [authorize(deps.policies, 'reidentifications.decide')] as const,
        request: { params: z.object({ id: z.string().max(64) }) },
        responses: {
          200: jsonResponse('Decided: {id, status}', OpenObject),
          403: { description: 'The requester cannot decide their own request' },
          404: { description: 'Unknown request' },
          409: { description: 'Not pending' },
        },
      }),
      async (c) =>
        c.json(
          await counted(
            'decision_refused',
            () => deps.reid.decide(auditActorOf(c), c.req.valid('param').id, decision),
            () => (decision === 'approve' ? 'approved' : 'denied'),
          ),
          200,
        ),
    );
  }
  return app;
}
