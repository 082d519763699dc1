// The SQLite adapter of the storage boundary: a writer connection whose units of work take turns,
// a reader connection for reads outside them (WAL readers never wait for the writer), and the
// ports of every domain over both. SQLite's own upkeep (WAL checkpoints, truncation after an
// erasure) is maintenance here, off the request path.
import type Database from 'better-sqlite3';
import type { Ports, Storage } from '../../storage/storage.ts';
import { WRITES } from '../unit-writes.ts';
import { sqliteAuditStore } from './audit-store.ts';
import { Checkpointer } from './checkpointer.ts';
import { compactWal } from './compact-wal.ts';
import { sqliteConsentStore } from './consent-store.ts';
import { sqliteDsrStore } from './dsr-store.ts';
import { sqliteIngestStore } from './ingest-store.ts';
import { migrationStatus, openConnection } from './open-database.ts';
import { ReadHelper, readPopulation } from './parallel-read.ts';
import { sqlitePopulationReader } from './population-reader.ts';
import { sqliteQualityReader } from './quality-reader.ts';
import { sqliteReidStore } from './reid-store.ts';
import { sqliteRunStore } from './run-store.ts';
import { sqliteSubjectStore, sqliteVaultStore } from './subject-store.ts';
import { UnitOfWork } from './unit-of-work.ts';
import { UnitSubjectIds } from './unit-subject-ids.ts';

export interface SqliteStorageOptions {
  dataDir: string;
  busyTimeoutMs?: number;
  /** Page cache of the writer, MiB (the CLI's ingest keeps it small for a flat memory profile). */
  cacheMiB?: number;
  /** Apply pending migrations on open (default); a worker thread opens an already migrated file. */
  migrate?: boolean;
}

export interface SqliteStorage extends Storage {
  readonly dialect: 'sqlite';
  /** The database file. */
  readonly file: string;
  /** The writer connection, for SQLite-only tooling (tests, benches) living in src/db. */
  readonly connection: Database.Database;
}

function portsOn(sqlite: Database.Database, uow: UnitOfWork): Ports {
  const vaultAndSubjects = { vault: sqliteVaultStore(sqlite), subjects: sqliteSubjectStore(sqlite) };
  const ids = new UnitSubjectIds(uow);
  return {
    ingest: sqliteIngestStore(sqlite, ids),
    consents: sqliteConsentStore(sqlite, ids),
    ...vaultAndSubjects,
    runs: sqliteRunStore(sqlite, uow),
    audit: sqliteAuditStore(sqlite),
    reid: sqliteReidStore(sqlite),
    dsr: sqliteDsrStore(sqlite),
    quality: sqliteQualityReader(sqlite),
  };
}

/** Port methods that open their own units (member writes commit in groups). */
const SELF: Partial<{ readonly [K in keyof Ports]: readonly (keyof Ports[K])[] }> = { runs: ['writeMembers'] };

/** Ports for callers outside a unit: reads on the reader (or the writer, inside a unit), writes as units. */
function outside(writer: Ports, reader: Ports, uow: UnitOfWork): Ports {
  const out = {} as Record<string, Record<string, unknown>>;
  for (const port of Object.keys(writer) as (keyof Ports)[]) {
    const w = writer[port] as unknown as Record<string, (...a: unknown[]) => unknown>;
    const r = reader[port] as unknown as Record<string, (...a: unknown[]) => unknown>;
    const writes = new Set<string>(WRITES[port] as readonly string[]);
    const self = new Set<string>((SELF[port] ?? []) as readonly string[]);
    out[port] = Object.fromEntries(
      Object.keys(w).map((m) => [
        m,
        self.has(m) ? w[m]! : writes.has(m) ? (...a: unknown[]) => uow.run(async () => w[m]!(...a)) : (...a: unknown[]) => (uow.inside ? w : r)[m]!(...a),
      ]),
    );
  }
  return out as unknown as Ports;
}

export function openSqliteStorage(o: SqliteStorageOptions): SqliteStorage {
  const writer = openConnection(o.dataDir, { migrate: o.migrate ?? true, busyTimeoutMs: o.busyTimeoutMs ?? 5000, cacheMiB: o.cacheMiB ?? 64 });
  const reader = openConnection(o.dataDir, { migrate: false, busyTimeoutMs: o.busyTimeoutMs ?? 5000, cacheMiB: 16, readonly: true });
  const uow = new UnitOfWork(writer);
  const tx = portsOn(writer, uow);
  let warm: ReadHelper | undefined;
  const scan = () => (uow.inside ? writer : reader);
  return {
    dialect: 'sqlite',
    sharedByInstances: false,
    location: writer.name,
    file: writer.name,
    connection: writer,
    ...outside(tx, portsOn(reader, uow), uow),
    transaction: (fn) => uow.run(() => fn(tx)),
    afterCommit: (fn) => uow.afterCommit(fn),
    population: {
      count: async (purpose, now) => sqlitePopulationReader(scan()).count(purpose, now),
      read: async (q, opts = {}) => {
        const helper = warm;
        warm = undefined;
        try {
          return readPopulation({ sqlite: scan(), file: writer.name }, q, { threads: opts.threads ?? 1, dataDir: o.dataDir, ...(helper && { helper }) });
        } finally {
          helper?.dispose();
        }
      },
      warmUp: (threads) => {
        if (threads > 1 && !warm) warm = ReadHelper.start(o.dataDir);
      },
    },
    readiness: {
      probeWritable: (now) =>
        uow.run(async () => {
          writer
            .prepare(
              `INSERT INTO service_state (key, value, updated_at) VALUES ('ready_probe', ?, ?)
          ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
            )
            .run(String(now), now);
        }),
      migrations: async () => migrationStatus(reader),
    },
    maintenance: {
      erasureStep: 'wal_compaction',
      // A reader on another connection (a segmentation job) can hold old frames and the background
      // checkpointer may hold the lock a moment: the thread retries within its budget.
      afterErasure: () => compactWal(writer.name, 10_000),
      startBackground: (onError) => {
        const c = Checkpointer.start(writer, { onError });
        return { stop: () => c.stop() };
      },
    },
    // one writer (units take turns on it) and one reader
    connections: () => ({ open: 2, busy: writer.inTransaction ? 1 : 0, waiting: uow.waiting }),
    observeUnits: (observer) => {
      uow.observer = observer;
    },
    close: async () => {
      warm?.dispose();
      reader.close();
      writer.close();
    },
  };
}
