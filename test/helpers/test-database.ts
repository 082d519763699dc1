// A PostgreSQL database of its own per test gateway (created on the local server, dropped after),
// when the suite runs on PostgreSQL (VEILGATE_TEST_BACKEND=postgres; see README).
import { createScratchDatabase, type ScratchDatabase } from '../../src/db/postgres/scratch-database.ts';

export const TEST_BACKEND: 'sqlite' | 'postgres' = process.env['VEILGATE_TEST_BACKEND'] === 'postgres' ? 'postgres' : 'sqlite';

/** The server tests use: the local one with trust authentication, unless VEILGATE_TEST_PG_URL names another. */
export const TEST_SERVER_URL = process.env['VEILGATE_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export type TestDatabase = ScratchDatabase;

export function createTestDatabase(prefix = 'vg_test'): Promise<TestDatabase> {
  return createScratchDatabase(TEST_SERVER_URL, prefix);
}
