// The one Problem schema (RFC 9457) every error response of the document points to: the
// standard members and the extension members problem.ts writes (code, request_id, errors).
import { z } from '@hono/zod-openapi';
import { catalogue, PROBLEM_BASE, type ErrorCode } from '../../errors/catalogue.ts';

const CODES = Object.keys(catalogue) as [ErrorCode, ...ErrorCode[]];

const FieldIssueSchema = z
  .object({
    path: z.string().openapi({ description: 'where the issue is (a dotted path, a field name, or (root)); never the value' }),
    code: z.string().openapi({ description: 'the rule that failed' }),
    message: z.string(),
    row: z.number().int().optional().openapi({ description: 'ingest: the data row, counted from 1' }),
    field: z.string().optional().openapi({ description: 'ingest: the field of the row' }),
  })
  .openapi('FieldIssue');

export const ProblemSchema = z
  .object({
    type: z.string().openapi({ format: 'uri', description: `${PROBLEM_BASE}<code with . and _ as ->`, example: `${PROBLEM_BASE}auth-invalid-token` }),
    title: z.string().openapi({ description: 'fixed per code (docs/errors.md)' }),
    status: z.number().int().min(400).max(599),
    detail: z.string().optional().openapi({ description: 'what went wrong, in words that never repeat a value the caller sent; absent on a 500' }),
    instance: z.string().optional().openapi({ description: 'RFC 9457 member; the gateway does not send it (the request_id identifies the occurrence)' }),
    code: z.enum(CODES).openapi({ description: 'stable outcome code (docs/errors.md)' }),
    request_id: z.string().openapi({ description: "the X-Request-Id of the answer, also in the gateway's log line" }),
    errors: z.array(FieldIssueSchema).optional().openapi({ description: 'validation: one entry per failed rule' }),
  })
  .openapi('Problem', { description: "application/problem+json (RFC 9457) with the gateway's extension members" });
