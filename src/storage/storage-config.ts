// Where storage lives, as the configuration resolves it (structured-cloneable: a job worker
// opens its own storage from it).
import type { DatabaseConfig } from '../config/load-config.ts';

export interface StorageConfig {
  /** The data directory: the SQLite file (when no database URL is given), keys, the audit head. */
  dataDir: string;
  /** PostgreSQL instead of the SQLite file. */
  database?: DatabaseConfig;
  busyTimeoutMs?: number;
  cacheMiB?: number;
  /** Connections at most (PostgreSQL; a job worker needs few). */
  poolSize?: number;
  /** Apply pending migrations on open (default true); worker threads open an already migrated database. */
  migrate?: boolean;
}
