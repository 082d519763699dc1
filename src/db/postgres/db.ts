// The one way PostgreSQL ports reach the database: the transaction's client when the calling
// async context is inside a unit of work, else the pool (a statement of its own).
import { AsyncLocalStorage } from 'node:async_hooks';
import type pg from 'pg';
import { isUnavailable, unavailable } from './errors.ts';

export interface Db {
  rows<T = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<T[]>;
  one<T = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<T | undefined>;
  /** Rows changed. */
  run(text: string, params?: readonly unknown[]): Promise<number>;
  /** Whether the calling context is inside a unit of work. */
  readonly inside: boolean;
  /** The client of the unit the caller is in (bulk reads and COPY need one connection). */
  client(): pg.PoolClient | undefined;
}

export function dbOver(pool: pg.Pool, als: AsyncLocalStorage<pg.PoolClient>): Db {
  const q = async (text: string, params?: readonly unknown[]) => {
    const c = als.getStore() ?? pool;
    try {
      return await c.query(text, params as unknown[] | undefined);
    } catch (e) {
      // deadlocks and serialization failures reach the unit of work as they are: it retries them
      throw isUnavailable(e) ? unavailable(e) : e;
    }
  };
  return {
    rows: async <T>(text: string, params?: readonly unknown[]) => (await q(text, params)).rows as T[],
    one: async <T>(text: string, params?: readonly unknown[]) => (await q(text, params)).rows[0] as T | undefined,
    run: async (text, params) => (await q(text, params)).rowCount ?? 0,
    get inside() {
      return als.getStore() !== undefined;
    },
    client: () => als.getStore(),
  };
}
