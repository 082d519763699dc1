// Opens the embedded SQLite file with the pragmas the gateway relies on and applies migrations.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../../migrations/sqlite', import.meta.url));
export const DB_FILE = 'veilgate.db';
/** WAL pages after which a writer checkpoints itself (when no background checkpointer runs). */
export const AUTOCHECKPOINT_PAGES = 10_000;

export interface OpenOptions {
  migrate?: boolean;
  cacheMiB?: number;
  busyTimeoutMs?: number;
  readonly?: boolean;
}

/** One connection to the data directory's database file (created with its directory if absent). */
export function openConnection(dataDir: string, options: OpenOptions = {}): Database.Database {
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(dataDir, DB_FILE);
  const sqlite = new Database(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
  sqlite.pragma('synchronous = NORMAL');
  // Pseudonym keys are random: inserts touch pages all over the B-trees, so a larger cache pays.
  sqlite.pragma(`cache_size = -${(options.cacheMiB ?? 64) * 1024}`);
  sqlite.pragma('temp_store = MEMORY');
  // Updated and deleted cells are zeroed in their page (FAST: no extra I/O), so no stale copy
  // of a wrapped data key or ciphertext survives in free space for an erasure to miss.
  sqlite.pragma('secure_delete = FAST');
  // Bulk ingest writes pseudonym-ordered pages: small checkpoints would dominate (ingest bench).
  sqlite.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`);
  if (options.migrate !== false) migrate(drizzle(sqlite), { migrationsFolder: MIGRATIONS_DIR });
  if (options.readonly) sqlite.pragma('query_only = ON');
  return sqlite;
}

/** Migrations shipped with this build versus those recorded as applied in the database. */
export function migrationStatus(sqlite: Database.Database): { shipped: number; applied: number } {
  const journal = JSON.parse(fs.readFileSync(path.join(MIGRATIONS_DIR, 'meta', '_journal.json'), 'utf8')) as { entries: unknown[] };
  let applied = 0;
  try {
    applied = (sqlite.prepare('SELECT count(*) AS n FROM __drizzle_migrations').get() as { n: number }).n;
  } catch {
    applied = 0;
  }
  return { shipped: journal.entries.length, applied };
}
