// Segmentation runs: submit (202), poll, list, and export members of visible segments.
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import { FEATURE_NAMES } from '../../policy/features.ts';
import type { PolicySet } from '../../policy/load-policies.ts';
import type { CallerIdentity, SegmentationService } from '../../segmentation/segmentation-service.ts';
import type { RunRow } from '../../segmentation/run-store.ts';
import type { SegmentationSpec } from '../../segmentation/segmentation-spec.ts';
import type { AppEnv } from '../app-env.ts';
import type { Logger } from '../../logging/logger.ts';
import type { Context } from 'hono';
import { authorize } from '../middleware/authorize.ts';
import { auditActorOf } from '../caller.ts';
import { streamedLines } from '../streamed-lines.ts';
import { jsonResponse } from '../openapi/responses.ts';
import { responseHeaders } from '../openapi/headers.ts';

const Feature = z.enum(FEATURE_NAMES, { message: 'unknown feature' });
const Value = z.union([z.string().max(200), z.number()]);
const Condition = z
  .strictObject({
    eq: Value.optional(),
    in: z.array(Value).min(1).max(100).optional(),
    gte: z.number().optional(),
    lte: z.number().optional(),
    between: z.tuple([z.number(), z.number()]).optional(),
  })
  .refine((c) => Object.keys(c).length > 0, 'a condition needs eq, in, gte, lte or between');
const Where = z.partialRecord(Feature, Condition);
const RuleSchema = z
  .strictObject({
    name: z.string().min(1).max(100),
    where: Where.optional(),
    any: z.array(Where).min(1).max(20).optional(),
  })
  .refine((r) => r.where !== undefined || r.any !== undefined, 'a rule needs where or any');

export const SegmentationRequest = z
  .strictObject({
    purpose: z.string().min(1).max(64),
    method: z.enum(['rules', 'tree', 'kmeans', 'rfm']),
    features: z.array(Feature).max(16).default([]),
    k: z.number().int().min(1).max(100).optional(),
    k_range: z
      .tuple([z.number().int().min(2).max(50), z.number().int().min(2).max(50)])
      .refine(([a, b]) => a <= b, 'k_range is [min, max]')
      .optional(),
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 31)
      .optional(),
    rules: z.array(RuleSchema).min(1).max(50).optional(),
    target: Feature.optional(),
    filters: Where.optional(),
    max_depth: z.number().int().min(1).max(8).optional(),
  })
  .openapi('SegmentationRequest');

const RunSchema = z
  .object({
    id: z.string(),
    status: z.enum(['queued', 'running', 'succeeded', 'failed']),
    progress: z.number(),
    method: z.string(),
    purpose: z.string(),
    created_at: z.string(),
    result: z.unknown().optional(),
    error: z.object({ code: z.string(), message: z.string() }).optional(),
    request: SegmentationRequest.optional().openapi({ description: 'What the run was asked to do, as submitted (in the answer for one run, not in the list)' }),
  })
  .openapi('SegmentationRun');

const view = (r: RunRow, withResult: boolean) => ({
  id: r.id,
  status: r.status,
  progress: r.progress,
  method: r.method,
  purpose: r.purpose,
  created_at: new Date(r.createdAt).toISOString(),
  ...(withResult && r.result !== null && { result: r.result }),
  ...(r.error && { error: r.error }),
  // the caller's own request, so a result can be read against what was asked (hidden rules by name)
  ...(withResult && { request: r.params as SegmentationSpec }),
});

const identity = (c: Context<AppEnv>): CallerIdentity => {
  const p = c.get('principal');
  return { roles: p.roles, issuerId: p.issuerId, owner: `${p.issuerId}:${p.subject}` };
};

const csvCell = (v: string) => (/^[=+\-@\t\r]/.test(v) ? `'${v}` : v);

const wantsCsv = (c: Context<AppEnv>) => (c.req.header('accept') ?? '').includes('text/csv');

/** A streamed CSV of members: the export's parts, one row per member, CRLF line ends. */
async function csvExport(
  c: Context<AppEnv>,
  logger: Logger,
  columns: string[],
  parts: AsyncGenerator<{ segmentId: string; members: string[] }>,
  row: (segment: string, member: string) => string,
) {
  const body = await streamedLines({
    header: columns.join(','),
    eol: '\r\n',
    pages: (async function* () {
      for await (const p of parts) yield p.members.map((m) => row(p.segmentId, m));
    })(),
    // every part that left is in the audit log; a cut-short file is told by its missing last line break
    onEnd: (end) => {
      if (!end.complete) {
        logger.warn(
          { route: c.req.routePath, lines: end.lines, reason: end.reason, ...(end.reason === 'storage_error' && { err: end.error }) },
          'member export ended before its last member: the file has no final line break',
        );
      }
    },
  });
  return c.body(body, 200, { 'Content-Type': 'text/csv; charset=utf-8' });
}

export function segmentationRoutes(deps: { policies: PolicySet; segmentations: SegmentationService; logger: Logger }) {
  const app = new OpenAPIHono<AppEnv>();
  const sec = [{ bearer: [] }];
  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/segmentations',
      tags: ['segmentation'],
      summary: 'Start a segmentation run (rules, tree, kmeans, rfm)',
      security: sec,
      middleware: [authorize(deps.policies, 'segmentations.create')] as const,
      request: { body: { content: { 'application/json': { schema: SegmentationRequest } }, required: true } },
      responses: {
        202: jsonResponse('Queued; Location is where the run is read', z.object({ id: z.string(), status: z.string() }), { Location: 'always' }),
        403: { description: 'Purpose or feature not allowed for the role (the feature is named)' },
        422: {
          description:
            'Invalid request, unknown purpose, a population under the minimum group size, k larger than the population, a request over VEILGATE_MAX_RULE_TERMS (too_complex)',
        },
        429: { description: 'The caller already has VEILGATE_MAX_JOBS_PER_CALLER runs queued or running (Retry-After)' },
      },
    }),
    async (c) => {
      const run = await deps.segmentations.submit(identity(c), auditActorOf(c), c.req.valid('json') as SegmentationSpec);
      c.header('Location', `/v1/segmentations/${run.id}`);
      return c.json({ id: run.id, status: run.status }, 202);
    },
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/segmentations',
      tags: ['segmentation'],
      summary: "The caller's runs (newest first, without results)",
      security: sec,
      middleware: [authorize(deps.policies, 'segmentations.read')] as const,
      responses: { 200: { description: 'Runs', content: { 'application/json': { schema: z.object({ runs: z.array(RunSchema) }) } } } },
    }),
    async (c) => c.json({ runs: (await deps.segmentations.list(identity(c))).map((r) => view(r, false)) }, 200),
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/segmentations/{id}',
      tags: ['segmentation'],
      summary: 'Status, progress and result of a run',
      security: sec,
      middleware: [authorize(deps.policies, 'segmentations.read')] as const,
      request: { params: z.object({ id: z.string().max(64) }) },
      responses: { 200: { description: 'Run', content: { 'application/json': { schema: RunSchema } } }, 404: { description: 'Unknown run (or not yours)' } },
    }),
    async (c) => c.json(view(await deps.segmentations.get(identity(c), c.req.valid('param').id), true), 200),
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/segmentations/{id}/segments/{segment_id}/members',
      tags: ['segmentation'],
      summary: 'Pseudonymous members of a visible segment (partner-scoped for partners); JSON pages, or the whole segment streamed as CSV',
      security: sec,
      middleware: [authorize(deps.policies, 'segmentations.members')] as const,
      request: {
        params: z.object({ id: z.string().max(64), segment_id: z.string().max(64) }),
        query: z.strictObject({ cursor: z.string().max(20).optional(), limit: z.coerce.number().int().min(1).max(10_000).default(1000) }),
      },
      responses: {
        200: {
          description:
            'JSON: a page of members and next_cursor. Accept: text/csv: every member of the segment, streamed (header `pseudonym`, one per line; ' +
            'a complete export ends with a line break, one cut short by an error does not and its connection is aborted; cursor and limit do not apply)',
          headers: responseHeaders({ 'X-Next-Cursor': 'sometimes' }),
          content: {
            'application/json': { schema: z.object({ members: z.array(z.string()), next_cursor: z.string().nullable() }) },
            'text/csv': { schema: z.string() },
          },
        },
        403: { description: 'No export right' },
        404: { description: 'Unknown run or segment, or a suppressed segment' },
      },
    }),
    async (c) => {
      const { id, segment_id } = c.req.valid('param');
      if (wantsCsv(c))
        return csvExport(c, deps.logger, ['pseudonym'], await deps.segmentations.exportMembers(identity(c), auditActorOf(c), id, segment_id), (_, m) =>
          csvCell(m),
        );
      const { cursor, limit } = c.req.valid('query');
      return c.json(await deps.segmentations.members(identity(c), auditActorOf(c), id, segment_id, cursor, limit), 200);
    },
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/segmentations/{id}/members',
      tags: ['segmentation'],
      summary: 'Pseudonymous members of every visible segment of a run (or of one); JSON pages, or streamed as CSV',
      security: sec,
      middleware: [authorize(deps.policies, 'segmentations.members')] as const,
      request: {
        params: z.object({ id: z.string().max(64) }),
        query: z.strictObject({
          segment: z.string().max(64).optional().openapi({ description: 'only this visible segment' }),
          cursor: z.string().max(24).optional(),
          limit: z.coerce.number().int().min(1).max(10_000).default(1000),
        }),
      },
      responses: {
        200: {
          description:
            'JSON: a page of {segment_id, pseudonym} (one segment per page) and next_cursor. Accept: text/csv: every member of the visible segments, streamed ' +
            '(header `segment_id,pseudonym`; a complete export ends with a line break, one cut short by an error does not and its connection is aborted; cursor and limit do not apply)',
          content: {
            'application/json': {
              schema: z.object({ members: z.array(z.object({ segment_id: z.string(), pseudonym: z.string() })), next_cursor: z.string().nullable() }),
            },
            'text/csv': { schema: z.string() },
          },
        },
        403: { description: 'No export right' },
        404: { description: 'Unknown run, a run without a result, or an unknown or suppressed segment' },
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const { segment, cursor, limit } = c.req.valid('query');
      if (wantsCsv(c)) {
        return csvExport(
          c,
          deps.logger,
          ['segment_id', 'pseudonym'],
          await deps.segmentations.exportMembers(identity(c), auditActorOf(c), id, segment),
          (s, m) => `${csvCell(s)},${csvCell(m)}`,
        );
      }
      if (segment !== undefined) {
        const page = await deps.segmentations.members(identity(c), auditActorOf(c), id, segment, cursor, limit);
        return c.json({ members: page.members.map((pseudonym) => ({ segment_id: segment, pseudonym })), next_cursor: page.next_cursor }, 200);
      }
      return c.json(await deps.segmentations.runMembers(identity(c), auditActorOf(c), id, cursor, limit), 200);
    },
  );
  return app;
}
