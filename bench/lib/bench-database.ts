// A PostgreSQL database of its own per benchmark variant, on the local server (or the one
// VEILGATE_BENCH_PG_URL names), dropped afterwards.
import { createScratchDatabase } from '../../src/db/postgres/scratch-database.ts';

export const BENCH_SERVER_URL = process.env['VEILGATE_BENCH_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export async function withBenchDatabase<T>(fn: (url: string) => Promise<T>): Promise<T> {
  const db = await createScratchDatabase(BENCH_SERVER_URL, 'vg_bench');
  try {
    return await fn(db.url);
  } finally {
    await db.drop();
  }
}
