// Subject reads (features under a purpose) and the DPO's consent registry views.
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { PolicySet } from '../../policy/load-policies.ts';
import type { SubjectService } from '../../subjects/subject-service.ts';
import type { AppEnv } from '../app-env.ts';
import { authorize } from '../middleware/authorize.ts';
import { auditActorOf, callerOf } from '../caller.ts';
import { jsonResponse, OpenObject } from '../openapi/responses.ts';

const PseudonymParam = z.object({ pseudonym: z.string().min(1).max(64) });

const SubjectSchema = z
  .object({
    pseudonym: z.string(),
    purpose: z.string(),
    legal_basis: z.string(),
    features: z.record(z.string(), z.union([z.string(), z.number(), z.null()])),
    policy_version: z.string(),
  })
  .openapi('Subject');

const ConsentInput = z
  .strictObject({
    purpose: z.string().min(1).max(64),
    status: z.enum(['granted', 'denied', 'withdrawn']),
    legal_basis: z.enum(['consent', 'legitimate_interest', 'contract', 'legal_obligation']).optional(),
    collected_at: z.iso.datetime({ offset: true }).optional(),
    expires_at: z.iso.datetime({ offset: true }).optional(),
    notice_version: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,32}$/)
      .optional(),
  })
  .openapi('ConsentInput');

export function subjectRoutes(deps: { policies: PolicySet; subjects: SubjectService }) {
  const app = new OpenAPIHono<AppEnv>();
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/subjects/{pseudonym}',
      tags: ['subjects'],
      summary: 'Visible features of one subject, if their consent covers the purpose (else 404)',
      security: [{ bearer: [] }],
      middleware: [authorize(deps.policies, 'subjects.read')] as const,
      request: {
        params: PseudonymParam,
        // strict: a fields=/select= parameter is refused, never honoured
        query: z.strictObject({ purpose: z.string().min(1).max(64) }),
      },
      responses: {
        200: { description: 'Subject', content: { 'application/json': { schema: SubjectSchema } } },
        403: { description: 'The role may not invoke this purpose' },
        404: { description: 'Unknown subject, or consent does not cover the purpose' },
        422: { description: 'Unknown purpose or query parameter' },
      },
    }),
    async (c) => {
      const { pseudonym } = c.req.valid('param');
      const { purpose } = c.req.valid('query');
      return c.json((await deps.subjects.read(callerOf(c), auditActorOf(c), pseudonym, purpose)).view, 200);
    },
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/subjects/{pseudonym}/consents',
      tags: ['consent'],
      summary: 'Consent history and current coverage per purpose',
      security: [{ bearer: [] }],
      middleware: [authorize(deps.policies, 'subjects.consents.read')] as const,
      request: { params: PseudonymParam },
      responses: { 200: jsonResponse('History (append-only) and current state', OpenObject), 404: { description: 'Unknown subject' } },
    }),
    async (c) => c.json(await deps.subjects.consents(auditActorOf(c), c.req.valid('param').pseudonym), 200),
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/subjects/{pseudonym}/consents',
      tags: ['consent'],
      summary: 'Record a consent change (e.g. a withdrawal received by letter)',
      security: [{ bearer: [] }],
      middleware: [authorize(deps.policies, 'subjects.consents.write')] as const,
      request: { params: PseudonymParam, body: { content: { 'application/json': { schema: ConsentInput } }, required: true } },
      responses: {
        201: jsonResponse(
          "Recorded: {id, status, effective, reason, expires_at, coverage}. effective is false when a record collected later decides (later_record_decides), or a refusal collected at the same instant stands (objection_stands); expires_at is capped by the purpose's validity",
          OpenObject,
        ),
        404: { description: 'Unknown subject' },
        422: { description: 'Invalid record' },
      },
    }),
    async (c) => {
      const w = await deps.subjects.recordConsent(auditActorOf(c), c.req.valid('param').pseudonym, c.req.valid('json'));
      return c.json({ ...w, status: 'recorded' }, 201);
    },
  );
  return app;
}
