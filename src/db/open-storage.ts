// The one entry to storage: the configuration says which backend (the embedded SQLite file by
// default), and the domains get the same ports either way.
import type { Storage } from '../storage/storage.ts';
import type { StorageConfig } from '../storage/storage-config.ts';
import fs from 'node:fs';
import path from 'node:path';
import { DB_FILE } from './sqlite/open-database.ts';

export type { StorageConfig } from '../storage/storage-config.ts';

/**
 * Opens (and, unless told not to, migrates) the configured backend: PostgreSQL when a database URL
 * is set. Only that backend's adapter and driver are loaded (a start, or a worker's boot, does not
 * pay for the other).
 */
export async function openStorage(c: StorageConfig): Promise<Storage> {
  if (c.database) {
    const { openPostgresStorage } = await import('./postgres/storage.ts');
    return openPostgresStorage({
      database: c.database,
      ...(c.busyTimeoutMs !== undefined && { busyTimeoutMs: c.busyTimeoutMs }),
      ...(c.migrate !== undefined && { migrate: c.migrate }),
      ...(c.poolSize !== undefined && { poolSize: c.poolSize }),
    });
  }
  const { openSqliteStorage } = await import('./sqlite/storage.ts');
  return openSqliteStorage(c);
}

/** Whether a database is there to open without creating one (tools that must not create it); a server is assumed there. */
export function storageExists(c: StorageConfig): boolean {
  return c.database !== undefined || fs.existsSync(path.join(c.dataDir, DB_FILE));
}
