// The one catalogue of problem types: code -> HTTP status and title. Documented in docs/errors.md.
export const PROBLEM_BASE = 'https://veilgate.dev/problems/';

export const catalogue = {
  'request.malformed': { status: 400, title: 'Malformed request' },
  'auth.invalid_token': { status: 401, title: 'Invalid or missing token' },
  'auth.forbidden': { status: 403, title: 'Forbidden' },
  'request.not_found': { status: 404, title: 'Not found' },
  'request.method_not_allowed': { status: 405, title: 'Method not allowed' },
  'request.conflict': { status: 409, title: 'Conflict' },
  'request.body_too_large': { status: 413, title: 'Payload too large' },
  'request.unsupported_media_type': { status: 415, title: 'Unsupported media type' },
  'request.validation_failed': { status: 422, title: 'Validation failed' },
  'ingest.idempotency_key_reused': { status: 422, title: 'Idempotency key reused with another body' },
  'request.rate_limited': { status: 429, title: 'Too many requests' },
  'request.header_too_large': { status: 431, title: 'Request header fields too large' },
  'server.internal': { status: 500, title: 'Internal server error' },
  'server.unavailable': { status: 503, title: 'Service unavailable' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof catalogue;

export const problemType = (code: ErrorCode): string => PROBLEM_BASE + code.replace(/[._]/g, '-');
