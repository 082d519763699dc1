// Why a process could not start or finish, as one line for an operator: never a stack, a
// configuration value or a credential (a database URL's password stays out of it).
import { isAppError } from './app-error.ts';

/** The line to print for a storage failure at start (unreachable, refusing, busy), or undefined. */
export function storageFailureLine(e: unknown): string | undefined {
  if (!isAppError(e) || e.code !== 'server.unavailable') return undefined;
  const cause = e.cause as { code?: unknown; message?: unknown } | undefined;
  // driver and system errors name a code (ECONNREFUSED, 28P01, 3D000) and say what went wrong
  const why = cause && typeof cause.code === 'string' && typeof cause.message === 'string' ? `: ${cause.message} (${cause.code})` : '';
  return `veilgate: the database could not be used${why}`;
}
