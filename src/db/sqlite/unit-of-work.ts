// Units of work on one SQLite connection, from async code: better-sqlite3 is synchronous and a
// connection has one transaction, so units take turns (an async mutex) between BEGIN IMMEDIATE and
// COMMIT. A unit started inside another (in the same async context) joins it instead of waiting
// for itself. A writer held past the busy timeout is a 503 the caller may retry.
import { AsyncLocalStorage } from 'node:async_hooks';
import type Database from 'better-sqlite3';
import { AppError } from '../../errors/app-error.ts';
import type { UnitObserver } from '../../storage/storage.ts';
import { runHook } from '../run-hook.ts';

const BUSY = new Set(['SQLITE_BUSY', 'SQLITE_LOCKED', 'SQLITE_BUSY_SNAPSHOT', 'SQLITE_LOCKED_SHAREDCACHE']);

export const isBusy = (e: unknown): boolean => typeof e === 'object' && e !== null && BUSY.has(String((e as { code?: unknown }).code));

export const busyError = (cause: unknown) =>
  new AppError('server.unavailable', 'The database is busy; nothing was changed and nothing was returned. Retry shortly.', {
    headers: { 'Retry-After': '1' },
    cause,
  });

export class UnitOfWork {
  private queue: Promise<void> = Promise.resolve();
  /** The running unit, with what waits for its commit. */
  private readonly active = new AsyncLocalStorage<{ afterCommit: (() => void)[] }>();
  /** Counts the units begun: what a unit learned is valid while this number stands. */
  unitNumber = 0;
  /** Units waiting for their turn on the writer. */
  waiting = 0;
  observer: UnitObserver | undefined;

  constructor(private readonly db: Database.Database) {}

  /** Whether the calling async context is inside one of this connection's units. */
  get inside(): boolean {
    return this.active.getStore() !== undefined;
  }

  /** Runs `fn` once the caller's unit commits (never if it rolls back); at once outside a unit. */
  afterCommit(fn: () => void): void {
    const unit = this.active.getStore();
    if (unit) unit.afterCommit.push(fn);
    else runHook(fn);
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.inside) return fn();
    let release!: () => void;
    const turn = this.queue;
    this.queue = new Promise<void>((r) => {
      release = r;
    });
    this.waiting++;
    try {
      await turn;
    } finally {
      this.waiting--;
    }
    const started = performance.now();
    let outcome: 'commit' | 'rollback' = 'rollback';
    try {
      try {
        this.db.exec('BEGIN IMMEDIATE');
        this.unitNumber++;
      } catch (e) {
        throw isBusy(e) ? busyError(e) : e;
      }
      const unit = { afterCommit: [] as (() => void)[] };
      try {
        const out = await this.active.run(unit, fn);
        this.db.exec('COMMIT');
        outcome = 'commit';
        unit.afterCommit.forEach(runHook);
        return out;
      } catch (e) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw isBusy(e) ? busyError(e) : e;
      }
    } finally {
      release();
      this.observer?.((performance.now() - started) / 1000, outcome);
    }
  }
}
