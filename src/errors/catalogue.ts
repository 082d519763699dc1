// The one catalogue of outcome codes a domain may fail with, and their titles. The HTTP edge maps
// each to a status (src/http/problem-status.ts). Documented in docs/errors.md.
export const PROBLEM_BASE = 'https://veilgate.dev/problems/';

export const catalogue = {
  'request.malformed': { title: 'Malformed request' },
  'auth.invalid_token': { title: 'Invalid or missing token' },
  'auth.forbidden': { title: 'Forbidden' },
  'request.not_found': { title: 'Not found' },
  'request.method_not_allowed': { title: 'Method not allowed' },
  'request.conflict': { title: 'Conflict' },
  'request.body_too_large': { title: 'Payload too large' },
  'request.unsupported_media_type': { title: 'Unsupported media type' },
  'request.validation_failed': { title: 'Validation failed' },
  'ingest.idempotency_key_reused': { title: 'Idempotency key reused with another body' },
  'request.rate_limited': { title: 'Too many requests' },
  'request.header_too_large': { title: 'Request header fields too large' },
  'server.internal': { title: 'Internal server error' },
  'server.unavailable': { title: 'Service unavailable' },
} as const satisfies Record<string, { title: string }>;

export type ErrorCode = keyof typeof catalogue;

export const problemType = (code: ErrorCode): string => PROBLEM_BASE + code.replace(/[._]/g, '-');
