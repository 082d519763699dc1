// A PostgreSQL database of its own per test gateway (created on the local server, dropped after),
// when the suite runs on PostgreSQL (VEILGATE_TEST_BACKEND=postgres; see README).
import crypto from 'node:crypto';
import pg from 'pg';

export const TEST_BACKEND: 'sqlite' | 'postgres' = process.env['VEILGATE_TEST_BACKEND'] === 'postgres' ? 'postgres' : 'sqlite';

/** The server tests use: the local one with trust authentication, unless VEILGATE_TEST_PG_URL names another. */
export const TEST_SERVER_URL = process.env['VEILGATE_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase { name: string; url: string; drop(): Promise<void> }

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: TEST_SERVER_URL });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

export async function createTestDatabase(prefix = 'vg_test'): Promise<TestDatabase> {
  const name = `${prefix}_${process.pid}_${crypto.randomBytes(4).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(TEST_SERVER_URL);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}
