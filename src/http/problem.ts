// Writes every error as application/problem+json (RFC 9457); the one onError and notFound.
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { StatusCode } from 'hono/utils/http-status';
import { AppError, type FieldIssue } from '../errors/app-error.ts';
import { catalogue, problemType, type ErrorCode } from '../errors/catalogue.ts';
import { PROBLEM_STATUS } from './problem-status.ts';
import type { Logger } from '../logging/logger.ts';
import type { AppEnv } from './app-env.ts';

export const PROBLEM_JSON = 'application/problem+json';

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail?: string;
  code: ErrorCode;
  request_id: string;
  instance?: string;
  errors?: FieldIssue[];
}

export function problemBody(code: ErrorCode, requestId: string, detail?: string, errors?: FieldIssue[]): ProblemBody {
  const { title } = catalogue[code];
  const status = PROBLEM_STATUS[code];
  return {
    type: problemType(code),
    title,
    status,
    ...(detail !== undefined && { detail }),
    code,
    request_id: requestId,
    ...(errors && { errors }),
  };
}

export function problemResponse(
  c: Context,
  code: ErrorCode,
  detail?: string,
  extra: { errors?: FieldIssue[]; headers?: Record<string, string> } = {},
): Response {
  const body = problemBody(code, requestIdOf(c), detail, extra.errors);
  // c.newResponse, not new Response: it keeps headers middleware prepared (X-Request-Id).
  return c.newResponse(JSON.stringify(body), body.status as StatusCode, {
    'Content-Type': PROBLEM_JSON,
    'Cache-Control': 'no-store',
    ...extra.headers,
  });
}

/**
 * A problem answer that replaces one already built: nothing of the withheld answer (its Location,
 * X-Next-Cursor, challenge or other headers) leaves with it, only the request id.
 */
export function replaceWithProblem(c: Context, code: ErrorCode, detail: string): void {
  const body = problemBody(code, requestIdOf(c), detail);
  // unset first: assigning c.res over a response copies that response's headers into the new one
  c.res = undefined;
  c.res = new Response(JSON.stringify(body), {
    status: body.status,
    headers: { 'Content-Type': PROBLEM_JSON, 'Cache-Control': 'no-store', 'X-Request-Id': body.request_id },
  });
}

const HTTP_STATUS_CODES: Partial<Record<number, ErrorCode>> = {
  400: 'request.malformed',
  401: 'auth.invalid_token',
  403: 'auth.forbidden',
  404: 'request.not_found',
  405: 'request.method_not_allowed',
  413: 'request.body_too_large',
  415: 'request.unsupported_media_type',
  422: 'request.validation_failed',
  431: 'request.header_too_large',
  503: 'server.unavailable',
};

export function errorHandler(fallbackLogger: Logger) {
  return (err: Error, c: Context<AppEnv>): Response => {
    const log = fallbackLogger.child({ req_id: c.get('requestId') });
    if (err instanceof AppError) {
      if (PROBLEM_STATUS[err.code] >= 500) log.error({ err }, 'request failed');
      return problemResponse(c, err.code, err.detail, {
        ...(err.errors && { errors: err.errors }),
        ...(err.headers && { headers: err.headers }),
      });
    }
    if (err instanceof HTTPException && HTTP_STATUS_CODES[err.status]) {
      // Hono's own messages are replaced: our detail is fixed per status.
      const code = HTTP_STATUS_CODES[err.status]!;
      return problemResponse(c, code, code === 'request.malformed' ? 'The request body could not be parsed.' : undefined);
    }
    // Unexpected: log the class and code only, answer with nothing but the request id.
    log.error({ err }, 'unexpected error');
    return problemResponse(c, 'server.internal');
  };
}

export function requestIdOf(c: Context): string {
  return (c.get('requestId') as string | undefined) ?? 'unknown';
}
