// One write transaction on the SQLite store: BEGIN IMMEDIATE, all of `fn` or none of it. A
// database held by another writer past the busy timeout is a 503 the caller may retry (nothing
// was changed and nothing is returned), not an internal error.
import type Database from 'better-sqlite3';
import { AppError } from '../errors/app-error.ts';

const BUSY = new Set(['SQLITE_BUSY', 'SQLITE_LOCKED', 'SQLITE_BUSY_SNAPSHOT', 'SQLITE_LOCKED_SHAREDCACHE']);

export const isBusy = (e: unknown): boolean =>
  typeof e === 'object' && e !== null && BUSY.has(String((e as { code?: unknown }).code));

export function immediate<T>(sqlite: Database.Database, fn: () => T): T {
  try {
    return sqlite.transaction(fn).immediate();
  } catch (e) {
    if (isBusy(e)) {
      throw new AppError('server.unavailable', 'The database is busy; nothing was changed and nothing was returned. Retry shortly.', {
        headers: { 'Retry-After': '1' }, cause: e,
      });
    }
    throw e;
  }
}
