// The PostgreSQL adapter of the storage boundary: a pool, units of work on one pooled connection
// each, the ports of every domain over them, and PostgreSQL's upkeep (VACUUM after an erasure)
// as maintenance. Several gateway instances may share the database: every invariant that needs
// order takes a lock in the database (see each store), never in process memory.
import type pg from 'pg';
import type { DatabaseConfig } from '../../config/load-config.ts';
import type { Ports, Storage } from '../../storage/storage.ts';
import { WRITES } from '../unit-writes.ts';
import { pgAuditStore } from './audit-store.ts';
import { pgConsentStore } from './consent-store.ts';
import { dbOver } from './db.ts';
import { pgDsrStore } from './dsr-store.ts';
import { mapped, unavailable } from './errors.ts';
import { pgIngestStore } from './ingest-store.ts';
import { applyMigrations, pgMigrationStatus } from './migrate.ts';
import { locationOf, openPool } from './pool.ts';
import { pgPopulationReader } from './population-reader.ts';
import { pgQualityReader } from './quality-reader.ts';
import { pgReidStore } from './reid-store.ts';
import { pgRunStore } from './run-store.ts';
import { pgSubjectStore, pgVaultStore } from './subject-store.ts';
import { PgUnitOfWork } from './unit-of-work.ts';
import { ErasureVacuum } from './vacuum.ts';

export interface PostgresStorageOptions {
  database: DatabaseConfig;
  /** How long a caller waits for a connection or a lock before a 503. */
  busyTimeoutMs?: number;
  migrate?: boolean;
  /** A job worker needs few connections. */
  poolSize?: number;
}

export interface PostgresStorage extends Storage {
  readonly dialect: 'postgres';
  readonly pool: pg.Pool;
}

function asUnits(ports: Ports, uow: PgUnitOfWork): Ports {
  const out = {} as Record<string, Record<string, unknown>>;
  for (const port of Object.keys(ports) as (keyof Ports)[]) {
    const p = ports[port] as unknown as Record<string, (...a: unknown[]) => unknown>;
    const writes = new Set<string>(WRITES[port] as readonly string[]);
    out[port] = Object.fromEntries(Object.keys(p).map((m) => [m, writes.has(m) ? (...a: unknown[]) => uow.run(async () => p[m]!(...a)) : p[m]!]));
  }
  return out as unknown as Ports;
}

export async function openPostgresStorage(o: PostgresStorageOptions): Promise<PostgresStorage> {
  const pool = openPool(o.database, { acquireTimeoutMs: o.busyTimeoutMs ?? 5000, ...(o.poolSize && { max: o.poolSize }) });
  try {
    if (o.migrate ?? true) await applyMigrations(pool);
  } catch (e) {
    await pool.end();
    // whatever stops the start (unreachable, refused, a migration that fails) is a database that cannot be used
    throw unavailable(e);
  }
  const uow = new PgUnitOfWork(pool);
  const db = dbOver(pool, uow.als);
  const vacuum = new ErasureVacuum(pool);
  const ports: Ports = {
    ingest: pgIngestStore(db),
    consents: pgConsentStore(db),
    vault: pgVaultStore(db),
    subjects: pgSubjectStore(db),
    runs: pgRunStore(db, uow),
    audit: pgAuditStore(db),
    reid: pgReidStore(db),
    dsr: pgDsrStore(db, (partition) => vacuum.note(partition)),
    quality: pgQualityReader(db),
  };
  return {
    dialect: 'postgres',
    sharedByInstances: true,
    location: locationOf(o.database),
    pool,
    ...asUnits(ports, uow),
    transaction: (fn) => uow.run(() => fn(ports)),
    afterCommit: (fn) => uow.afterCommit(fn),
    population: pgPopulationReader(pool),
    readiness: {
      probeWritable: async (now) =>
        void (await db.run(
          `INSERT INTO service_state (key, value, updated_at) VALUES ('ready_probe', $1, $2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
          [String(now), now],
        )),
      migrations: () =>
        pgMigrationStatus(pool).catch((e: unknown) => {
          throw mapped(e);
        }),
    },
    maintenance: {
      erasureStep: 'vacuum',
      afterErasure: () => vacuum.run().catch(() => false),
      // PostgreSQL's own autovacuum and checkpoints need nothing of the gateway
      startBackground: () => ({ stop: async () => {} }),
    },
    connections: () => ({ open: pool.totalCount, busy: pool.totalCount - pool.idleCount, waiting: pool.waitingCount }),
    observeUnits: (observer) => {
      uow.observer = observer;
    },
    close: () => pool.end(),
  };
}
