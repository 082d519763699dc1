// POST /v1/ingest/{source}/customers|transactions: thin HTTP edge of the ingest service.
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { IngestService } from '../../ingest/ingest-service.ts';
import { formatOf } from '../../ingest/parse-records.ts';
import type { RecordTypeName } from '../../policy/load-dictionary.ts';
import type { PolicySet } from '../../policy/load-policies.ts';
import type { AppEnv } from '../app-env.ts';
import { authorize } from '../middleware/authorize.ts';
import { auditActorOf } from '../caller.ts';
import type { RowError } from '../../ingest/record-validator.ts';
import type { GatewayMetrics } from '../../metrics/gateway-metrics.ts';
import { jsonResponse } from '../openapi/responses.ts';

export const SourceParam = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'source must be a lower-case identifier (a-z, 0-9, _ and -)');

const RowErrorSchema = z.object({ row: z.number().int(), field: z.string(), code: z.string(), message: z.string() });
export const IngestResultSchema = z
  .object({
    batch_id: z.string(),
    accepted: z.number().int(),
    rejected: z.number().int(),
    duplicates: z.number().int(),
    errors: z.array(RowErrorSchema),
    ignored_fields: z.array(z.string()).openapi({ description: 'names of fields the dictionary does not know, ignored and stored nowhere' }),
    ignored_unlisted: z
      .number()
      .int()
      .openapi({ description: 'ignored fields whose names do not look like field names (a value used as a key): counted, never echoed' }),
  })
  .openapi('IngestResult');

const bodyContent = {
  // A plain JSON schema, not zod: the body is parsed once, by the ingest parser, from the raw bytes.
  'application/json': { schema: { type: 'array' as const, items: { type: 'object' as const, additionalProperties: true } } },
  'application/x-ndjson': { schema: z.string().openapi({ description: 'one JSON object per line' }) },
  'text/csv': { schema: z.string().openapi({ description: 'header row, then one record per row (comma or semicolon)' }) },
};

/** Rejected rows by the first rule each broke (a row may break several). */
function rejectedByRule(errors: readonly RowError[]): Map<string, number> {
  const rowRule = new Map<number, string>();
  for (const e of errors) if (!rowRule.has(e.row)) rowRule.set(e.row, e.code);
  const out = new Map<string, number>();
  for (const code of rowRule.values()) out.set(code, (out.get(code) ?? 0) + 1);
  return out;
}

export function ingestRoutes(deps: { policies: PolicySet; ingest: IngestService; maxBatchRows: number; metrics: GatewayMetrics }) {
  const app = new OpenAPIHono<AppEnv>();
  for (const type of ['customers', 'transactions', 'consents'] as const satisfies RecordTypeName[]) {
    app.openapi(
      createRoute({
        method: 'post',
        path: `/v1/ingest/{source}/${type}`,
        tags: ['ingest'],
        summary: `Push ${type} (JSON array, NDJSON or CSV)`,
        security: [{ bearer: [] }],
        middleware: [authorize(deps.policies, `ingest.${type}`)] as const,
        request: {
          params: z.object({ source: SourceParam }),
          query: z.object({ atomic: z.enum(['true', 'false']).optional() }),
          headers: z.object({
            'idempotency-key': z
              .string()
              .regex(/^[\x21-\x7e]{1,255}$/, 'printable ASCII, at most 255 characters')
              .optional(),
          }),
          body: { content: bodyContent, required: true },
        },
        responses: {
          200: jsonResponse('Batch stored (valid rows), with per-row errors; a repeated Idempotency-Key answers the stored result', IngestResultSchema, {
            'Idempotent-Replayed': 'sometimes',
          }),
          403: { description: 'The source is not declared, or this token is not one of its writers (sources.yaml)' },
          413: { description: 'The batch has more rows than VEILGATE_MAX_BATCH_ROWS' },
          422: { description: 'Atomic batch with invalid rows, or an Idempotency-Key reused with another body' },
        },
      }),
      async (c) => {
        const { source } = c.req.valid('param');
        const { atomic } = c.req.valid('query');
        const idempotencyKey = c.req.valid('header')['idempotency-key'];
        const p = c.get('principal');
        const who = { source, recordType: type, writer: { issuerId: p.issuerId, subject: p.subject }, auditActor: auditActorOf(c) };
        await deps.ingest.assertWriter(who);
        const format = formatOf(c.req.header('content-type'));
        const bytes = new Uint8Array(await c.req.arrayBuffer());
        // parsed where the batch is prepared (a worker thread when the pool runs)
        const outcome = await deps.ingest.ingest({
          ...who,
          body: { bytes, format, maxRows: deps.maxBatchRows },
          atomic: atomic === 'true',
          ...(idempotencyKey !== undefined && { idempotencyKey }),
          requestHash: deps.ingest.fingerprint(bytes),
        });
        if (outcome.replayed) c.header('Idempotent-Replayed', 'true');
        else deps.metrics.ingest(source, type, outcome.result.accepted, rejectedByRule(outcome.result.errors));
        return c.json(outcome.result, 200);
      },
    );
  }
  return app;
}
