// Units of work on PostgreSQL: one pooled connection per unit, held in the async context so every
// port call inside joins it. READ COMMITTED, with explicit locks where the domain needs order
// (the audit chain's advisory lock, link keys, consent states); a deadlock or serialization
// failure runs the unit again, a few times, before it is a 503.
import { AsyncLocalStorage } from 'node:async_hooks';
import type pg from 'pg';
import { runHook } from '../run-hook.ts';
import { isRetryable, mapped } from './errors.ts';
import type { UnitObserver } from '../../storage/storage.ts';

const ATTEMPTS = 4;

export class PgUnitOfWork {
  readonly als = new AsyncLocalStorage<pg.PoolClient>();
  observer: UnitObserver | undefined;
  /** What waits for the running unit's commit (an attempt that is retried starts with none). */
  private readonly hooks = new AsyncLocalStorage<(() => void)[]>();

  constructor(private readonly pool: pg.Pool) {}

  get inside(): boolean {
    return this.als.getStore() !== undefined;
  }

  /** Runs `fn` once the caller's unit commits (never if it rolls back); at once outside a unit. */
  afterCommit(fn: () => void): void {
    const hooks = this.hooks.getStore();
    if (hooks) hooks.push(fn);
    else runHook(fn);
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.inside) return fn();
    const started = performance.now();
    let outcome: 'commit' | 'rollback' = 'rollback';
    try {
      return await this.attempts(fn, () => {
        outcome = 'commit';
      });
    } finally {
      this.observer?.((performance.now() - started) / 1000, outcome);
    }
  }

  private async attempts<T>(fn: () => Promise<T>, committed: () => void): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      let client: pg.PoolClient;
      try {
        client = await this.pool.connect();
      } catch (e) {
        throw mapped(e);
      }
      let broken = false;
      try {
        await client.query('BEGIN');
        const after: (() => void)[] = [];
        const out = await this.als.run(client, () => this.hooks.run(after, fn));
        await client.query('COMMIT');
        committed();
        after.forEach(runHook);
        return out;
      } catch (e) {
        try {
          await client.query('ROLLBACK');
        } catch {
          broken = true; // the connection is gone: the pool must not hand it out again
        }
        if (isRetryable(e) && attempt < ATTEMPTS) {
          await new Promise((r) => setTimeout(r, 5 * attempt + Math.floor(Math.random() * 10)));
          continue;
        }
        throw mapped(e);
      } finally {
        client.release(broken);
      }
    }
  }
}
