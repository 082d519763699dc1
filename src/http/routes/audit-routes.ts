// The DPO's views of the audit log: filtered pages, NDJSON/CSV exports, chain verification.
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { AuditLog } from '../../audit/audit-log.ts';
import type { AuditEntry } from '../../audit/audit-entry.ts';
import { actorFields } from '../../audit/audit-actor.ts';
import type { PolicySet } from '../../policy/load-policies.ts';
import type { AppEnv } from '../app-env.ts';
import { authorize } from '../middleware/authorize.ts';
import { auditActorOf } from '../caller.ts';
import { jsonResponse, OpenObject } from '../openapi/responses.ts';
import { responseHeaders } from '../openapi/headers.ts';

const toJson = (e: AuditEntry) => ({
  seq: e.seq, at: new Date(e.at).toISOString(), actor: { issuer: e.actorIssuer, subject: e.actorSubject }, roles: e.roles ? e.roles.split(',') : [],
  action: e.action, outcome: e.outcome, purpose: e.purpose, justification: e.justification, subjects: JSON.parse(e.subjects) as string[],
  policy_version: e.policyVersion, request_id: e.requestId, detail: JSON.parse(e.detail) as unknown, prev_hash: e.prevHash, hash: e.hash,
});

/** CSV cell, quoted, with a leading quote before = + - @ so spreadsheets never run it. */
export const csvCell = (v: unknown): string => {
  let s = v === null || v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return `"${s.replace(/"/g, '""')}"`;
};

const CSV_COLUMNS = ['seq', 'at', 'actor_issuer', 'actor_subject', 'roles', 'action', 'outcome', 'purpose', 'justification', 'subjects', 'policy_version', 'request_id', 'detail', 'prev_hash', 'hash'] as const;

const Query = z.strictObject({
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  actor: z.string().max(200).optional().openapi({ description: 'issuer id + ":" + subject' }),
  action: z.string().max(64).optional(),
  outcome: z.enum(['granted', 'denied', 'pending', 'ok', 'failed']).optional(),
  subject: z.string().max(64).optional().openapi({ description: 'a pseudonym' }),
  cursor: z.string().regex(/^\d{1,15}$/).optional(),
  limit: z.coerce.number().int().min(1).max(10_000).default(100),
  format: z.enum(['json', 'ndjson', 'csv']).default('json'),
});

export function auditRoutes(deps: { policies: PolicySet; audit: AuditLog }) {
  const app = new OpenAPIHono<AppEnv>();
  app.openapi(createRoute({
    method: 'get', path: '/v1/audit', tags: ['audit'], summary: 'Audit entries, filtered and paged; NDJSON or CSV export',
    security: [{ bearer: [] }], middleware: [authorize(deps.policies, 'audit.read')] as const,
    request: { query: Query },
    responses: {
      200: {
        description: 'Entries (json: {entries, next_cursor}; ndjson/csv: one entry per line, X-Next-Cursor header)',
        headers: responseHeaders({ 'X-Next-Cursor': 'sometimes' }),
        content: {
          'application/json': { schema: z.object({ entries: z.array(OpenObject), next_cursor: z.string().nullable() }) },
          'application/x-ndjson': { schema: z.string().openapi({ description: 'one entry per line, as in json' }) },
          'text/csv': { schema: z.string().openapi({ description: 'a header row, then one entry per row' }) },
        },
      },
    },
  }), async (c) => {
    const q = c.req.valid('query');
    const entries = await deps.audit.query({
      ...(q.from && { from: Date.parse(q.from) }), ...(q.to && { to: Date.parse(q.to) }),
      ...(q.actor && { actor: q.actor }), ...(q.action && { action: q.action }), ...(q.outcome && { outcome: q.outcome }),
      ...(q.subject && { subject: q.subject }), ...(q.cursor && { afterSeq: Number(q.cursor) }), limit: q.limit,
    });
    // Reading the log is itself an access to pseudonymous personal data.
    await deps.audit.append({ ...actorFields(auditActorOf(c)), action: 'audit.read', outcome: 'granted', detail: { entries: entries.length, format: q.format } });
    const next = entries.length === q.limit ? String(entries[entries.length - 1]!.seq) : null;
    if (next) c.header('X-Next-Cursor', next);
    if (q.format === 'ndjson') return c.body(entries.map((e) => JSON.stringify(toJson(e))).join('\n') + (entries.length ? '\n' : ''), 200, { 'Content-Type': 'application/x-ndjson' });
    if (q.format === 'csv') {
      const rows = entries.map((e) => {
        const j = toJson(e);
        return [j.seq, j.at, j.actor.issuer, j.actor.subject, j.roles.join(' '), j.action, j.outcome, j.purpose, j.justification, j.subjects.join(' '), j.policy_version, j.request_id, j.detail, j.prev_hash, j.hash].map(csvCell).join(',');
      });
      return c.body([CSV_COLUMNS.join(','), ...rows].join('\r\n') + '\r\n', 200, { 'Content-Type': 'text/csv; charset=utf-8' });
    }
    return c.json({ entries: entries.map(toJson), next_cursor: next }, 200);
  });
  app.openapi(createRoute({
    method: 'get', path: '/v1/audit/verify', tags: ['audit'], summary: 'Recompute the keyed hash chain',
    security: [{ bearer: [] }], middleware: [authorize(deps.policies, 'audit.verify')] as const,
    responses: { 200: jsonResponse('{ok, entries, head: {seq, hash}, first_invalid_seq}, and reason when broken', OpenObject) },
  }), async (c) => {
    const v = await deps.audit.verify();
    await deps.audit.append({ ...actorFields(auditActorOf(c)), action: 'audit.verify', outcome: 'ok', detail: { ok: v.ok, entries: v.entries, first_invalid_seq: v.first_invalid_seq } });
    return c.json(v, 200);
  });
  return app;
}
