// The DPO's views of the audit log: filtered pages, NDJSON/CSV exports, chain verification.
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { AuditLog } from '../../audit/audit-log.ts';
import type { AuditEntry } from '../../audit/audit-entry.ts';
import { AUDIT_CSV_COLUMNS, auditCsvValues, auditEntryJson } from '../../audit/audit-json.ts';
import type { AuditFilter } from '../../audit/audit-store.ts';
import { actorFields } from '../../audit/audit-actor.ts';
import type { Logger } from '../../logging/logger.ts';
import type { PolicySet } from '../../policy/load-policies.ts';
import type { AppEnv } from '../app-env.ts';
import { authorize } from '../middleware/authorize.ts';
import { auditActorOf } from '../caller.ts';
import { renderPages, streamedLines } from '../streamed-lines.ts';
import { jsonResponse, OpenObject } from '../openapi/responses.ts';
import { responseHeaders } from '../openapi/headers.ts';

/** Entries per keyset page of a streamed export: one page in memory at a time. */
export const EXPORT_PAGE = 2000;
/** A JSON page's size when the caller names none. */
const JSON_PAGE = 100;

/** CSV cell, quoted, with a leading quote before = + - @ so spreadsheets never run it. */
export const csvCell = (v: unknown): string => {
  let s = v === null || v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return `"${s.replace(/"/g, '""')}"`;
};

const Query = z.strictObject({
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  actor: z.string().max(200).optional().openapi({ description: 'issuer id + ":" + subject' }),
  action: z.string().max(64).optional(),
  outcome: z.enum(['granted', 'denied', 'pending', 'ok', 'failed']).optional(),
  subject: z.string().max(64).optional().openapi({ description: 'a pseudonym' }),
  cursor: z
    .string()
    .regex(/^\d{1,15}$/)
    .optional()
    .openapi({ description: 'entries after this seq (a next_cursor, or where an export should start)' }),
  limit: z.coerce.number().int().min(1).max(10_000).optional().openapi({
    description:
      'json: the page size (default 100). ndjson/csv: none streams the whole filtered range; a limit bounds it (X-Next-Cursor then says where the rest starts)',
  }),
  format: z.enum(['json', 'ndjson', 'csv']).default('json'),
});

export function auditRoutes(deps: { policies: PolicySet; audit: AuditLog; logger: Logger }) {
  const app = new OpenAPIHono<AppEnv>();
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/audit',
      tags: ['audit'],
      summary: 'Audit entries, filtered and paged (JSON); the whole filtered range streamed (NDJSON, CSV)',
      security: [{ bearer: [] }],
      middleware: [authorize(deps.policies, 'audit.read')] as const,
      request: { query: Query },
      responses: {
        200: {
          description:
            'json: {entries, next_cursor}, a page. ndjson/csv: every matching entry up to the last one committed when the export started, streamed ' +
            '(one entry per line; a complete export ends with a line break, one cut short by an error does not and its connection is aborted)',
          headers: responseHeaders({ 'X-Next-Cursor': 'sometimes' }),
          content: {
            'application/json': { schema: z.object({ entries: z.array(OpenObject), next_cursor: z.string().nullable() }) },
            'application/x-ndjson': { schema: z.string().openapi({ description: 'one entry per line, as in json' }) },
            'text/csv': { schema: z.string().openapi({ description: 'a header row, then one entry per row' }) },
          },
        },
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const filter: AuditFilter = {
        ...(q.from && { from: Date.parse(q.from) }),
        ...(q.to && { to: Date.parse(q.to) }),
        ...(q.actor && { actor: q.actor }),
        ...(q.action && { action: q.action }),
        ...(q.outcome && { outcome: q.outcome }),
        ...(q.subject && { subject: q.subject }),
        ...(q.cursor && { afterSeq: Number(q.cursor) }),
      };
      const actor = auditActorOf(c);
      if (q.format === 'json') {
        const limit = q.limit ?? JSON_PAGE;
        const entries = await deps.audit.query({ ...filter, limit });
        // Reading the log is itself an access to pseudonymous personal data.
        await deps.audit.append({ ...actorFields(actor), action: 'audit.read', outcome: 'granted', detail: { entries: entries.length, format: q.format } });
        const next = entries.length === limit ? String(entries[entries.length - 1]!.seq) : null;
        if (next) c.header('X-Next-Cursor', next);
        return c.json({ entries: entries.map(auditEntryJson), next_cursor: next }, 200);
      }
      // A streamed export covers the entries committed when it starts (not its own entry, nor any
      // appended while it runs): the filter and that bound, recorded in its entry, say exactly which
      // entries it holds, since the log is append-only; their count is known only at the end.
      let through = await deps.audit.headSeq();
      let next: string | null = null;
      if (q.limit !== undefined) {
        const seqs = await deps.audit.seqs({ ...filter, throughSeq: through, limit: q.limit + 1 });
        if (seqs.length > q.limit) {
          through = seqs[q.limit - 1]!;
          next = String(through);
        }
      }
      const read = await deps.audit.append({
        ...actorFields(actor),
        action: 'audit.read',
        outcome: 'granted',
        detail: { format: q.format, streamed: true, through_seq: through, filter: { ...q, format: undefined } },
      });
      const csv = q.format === 'csv';
      const line = csv ? (e: AuditEntry) => auditCsvValues(auditEntryJson(e)).map(csvCell).join(',') : (e: AuditEntry) => JSON.stringify(auditEntryJson(e));
      const body = await streamedLines({
        ...(csv && { header: AUDIT_CSV_COLUMNS.join(',') }),
        eol: csv ? '\r\n' : '\n',
        pages: renderPages(deps.audit.pages({ ...filter, throughSeq: through }, EXPORT_PAGE), line),
        onEnd: (end) => {
          if (!end.complete) {
            deps.logger.warn(
              { audit_read_seq: read.seq, format: q.format, lines: end.lines, reason: end.reason, ...(end.reason === 'storage_error' && { err: end.error }) },
              'audit export ended before its last entry: the file has no final line break',
            );
          }
        },
      });
      if (next) c.header('X-Next-Cursor', next);
      return c.body(body, 200, { 'Content-Type': csv ? 'text/csv; charset=utf-8' : 'application/x-ndjson' });
    },
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/audit/verify',
      tags: ['audit'],
      summary: 'Recompute the keyed hash chain',
      security: [{ bearer: [] }],
      middleware: [authorize(deps.policies, 'audit.verify')] as const,
      responses: { 200: jsonResponse('{ok, entries, head: {seq, hash}, first_invalid_seq}, and reason when broken', OpenObject) },
    }),
    async (c) => {
      const v = await deps.audit.verify();
      await deps.audit.append({
        ...actorFields(auditActorOf(c)),
        action: 'audit.verify',
        outcome: 'ok',
        detail: { ok: v.ok, entries: v.entries, first_invalid_seq: v.first_invalid_seq },
      });
      return c.json(v, 200);
    },
  );
  return app;
}
