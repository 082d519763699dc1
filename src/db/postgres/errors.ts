// PostgreSQL failures as the domain sees them: a database that is down, overloaded or holding a
// lock too long is a 503 with nothing changed; conflicts the unit of work may retry are named.
import { AppError } from '../../errors/app-error.ts';

const UNAVAILABLE_CODES = new Set([
  '57014', // statement timeout / canceled
  '55P03', // lock_not_available (lock_timeout)
  '53300', // too_many_connections
  '57P01',
  '57P02',
  '57P03', // admin shutdown, crash shutdown, cannot connect now
]);
const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH']);

const codeOf = (e: unknown): string => String((e as { code?: unknown } | null)?.code ?? '');

/** Deadlock or serialization failure: the whole unit may run again. */
export const isRetryable = (e: unknown): boolean => ['40P01', '40001'].includes(codeOf(e));

export function isUnavailable(e: unknown): boolean {
  const code = codeOf(e);
  // 08: connection exceptions; 28: authentication refused; 3D000: no such database
  if (UNAVAILABLE_CODES.has(code) || code.startsWith('08') || code.startsWith('28') || code === '3D000' || NETWORK.has(code)) return true;
  const msg = e instanceof Error ? e.message : '';
  // pg's own: no connection free within connectionTimeoutMillis, or a connection that dropped
  return /timeout exceeded when trying to connect|Connection terminated|Client has encountered a connection error|not queryable/i.test(msg);
}

export const unavailable = (cause: unknown) =>
  new AppError('server.unavailable', 'The database is busy or unreachable; nothing was changed and nothing was returned. Retry shortly.', {
    headers: { 'Retry-After': '1' },
    cause,
  });

/** The error to throw for a driver failure: unavailability as a 503, anything else as it is. */
export const mapped = (e: unknown): unknown => (isUnavailable(e) || isRetryable(e) ? unavailable(e) : e);
