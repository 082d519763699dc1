// The connection pool to PostgreSQL, as the configuration says: size, per-statement timeout,
// TLS. bigint columns (ids, epoch milliseconds, counts) are read as numbers: they stay far below
// 2^53, and the domain compares them with SQLite's.
import fs from 'node:fs';
import pg from 'pg';
import type { DatabaseConfig } from '../../config/load-config.ts';

const INT8 = pg.types.builtins.INT8;

const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

export function tlsOptions(c: DatabaseConfig): pg.PoolConfig['ssl'] {
  switch (c.tls) {
    case 'disable':
      return false;
    case 'require':
      // encrypted, server not authenticated (libpq's sslmode=require)
      return { rejectUnauthorized: false };
    case 'verify-full':
      return { rejectUnauthorized: true, ...(c.caFile && { ca: fs.readFileSync(c.caFile, 'utf8') }) };
  }
}

export interface PoolOptions {
  /** How long a caller waits for a free connection before the request is refused (503). */
  acquireTimeoutMs: number;
  /** Overrides the configured size (a job worker needs one or two). */
  max?: number;
  applicationName?: string;
}

export function openPool(c: DatabaseConfig, o: PoolOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: c.url,
    max: o.max ?? c.poolSize,
    ssl: tlsOptions(c),
    types,
    connectionTimeoutMillis: o.acquireTimeoutMs,
    idleTimeoutMillis: 30_000,
    application_name: o.applicationName ?? 'veilgate',
    ...(c.statementTimeoutMs > 0 && { statement_timeout: c.statementTimeoutMs }),
    // a lock waited on longer than this is a busy database (503), not a hung request
    lock_timeout: Math.max(1000, o.acquireTimeoutMs),
  });
  // An idle client losing its connection (server restart) must not crash the process: the pool
  // drops it and the next request gets a fresh one (or a 503).
  pool.on('error', () => {});
  return pool;
}

/** Where the data is, for operators: host, port and database, never the user or password. */
export function locationOf(c: DatabaseConfig): string {
  const u = new URL(c.url);
  return `postgres://${u.hostname}${u.port ? `:${u.port}` : ''}${u.pathname}`;
}
