// Where storage lives, as the configuration resolves it (structured-cloneable: a job worker
// opens its own storage from it).
export interface StorageConfig {
  /** The data directory: the SQLite file (when no database URL is given), keys, the audit head. */
  dataDir: string;
  busyTimeoutMs?: number;
  cacheMiB?: number;
  /** Apply pending migrations on open (default true); worker threads open an already migrated database. */
  migrate?: boolean;
}
