// The one entry to storage: the configuration says which backend (the embedded SQLite file by
// default), and the domains get the same ports either way.
import type { Storage } from '../storage/storage.ts';
import type { StorageConfig } from '../storage/storage-config.ts';
import fs from 'node:fs';
import path from 'node:path';
import { openSqliteStorage } from './sqlite/storage.ts';
import { DB_FILE } from './sqlite/open-database.ts';

export type { StorageConfig } from '../storage/storage-config.ts';

export function openStorage(c: StorageConfig): Storage {
  return openSqliteStorage(c);
}

/** Whether a database is there to open without creating one (tools that must not create it). */
export function storageExists(c: StorageConfig): boolean {
  return fs.existsSync(path.join(c.dataDir, DB_FILE));
}
