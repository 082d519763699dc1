// The HTTP status of each outcome code: domains fail with codes, the edge decides what they mean in HTTP.
import type { ErrorCode } from '../errors/catalogue.ts';

export const PROBLEM_STATUS = {
  'request.malformed': 400,
  'auth.invalid_token': 401,
  'auth.forbidden': 403,
  'request.not_found': 404,
  'request.method_not_allowed': 405,
  'request.conflict': 409,
  'request.body_too_large': 413,
  'request.unsupported_media_type': 415,
  'request.validation_failed': 422,
  'ingest.idempotency_key_reused': 422,
  'request.rate_limited': 429,
  'request.header_too_large': 431,
  'server.internal': 500,
  'server.unavailable': 503,
} as const satisfies Record<ErrorCode, number>;
