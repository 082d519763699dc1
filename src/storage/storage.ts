// The storage boundary as the domains see it: the ports each domain owns, a unit of work over
// them, and what operations need of the backend. Implemented in src/db (SQLite, PostgreSQL);
// nothing here knows a driver.
import type { AuditStore } from '../audit/audit-store.ts';
import type { ConsentStore } from '../consent/consent-store.ts';
import type { DsrStore } from '../dsr/dsr-store.ts';
import type { IngestStore } from '../ingest/ingest-store.ts';
import type { QualityReader } from '../quality/quality-scorecard.ts';
import type { ReidStore } from '../reidentification/reidentification-store.ts';
import type { PopulationReader } from '../segmentation/population-reader.ts';
import type { RunStore } from '../segmentation/run-store.ts';
import type { SubjectStore } from '../subjects/subject-store.ts';
import type { VaultStore } from '../vault/vault-store.ts';

/** The ports of every domain: the storage itself outside a transaction, or a transaction's view. */
export interface Ports {
  ingest: IngestStore;
  consents: ConsentStore;
  vault: VaultStore;
  subjects: SubjectStore;
  runs: RunStore;
  audit: AuditStore;
  reid: ReidStore;
  dsr: DsrStore;
  quality: QualityReader;
}

export interface Storage extends Ports {
  readonly dialect: 'sqlite' | 'postgres';
  /** Where the data is, for operators (a file, or a server and database; never a credential). */
  readonly location: string;
  /**
   * Whether other gateway instances may share this database (PostgreSQL). When not (the SQLite
   * file is one process's), runs left running at start belong to a process that is gone.
   */
  readonly sharedByInstances: boolean;
  /**
   * Runs `fn` as one unit of work: every write through `tx` commits together or not at all.
   * A database that stays busy past its timeout is an AppError `server.unavailable` (503).
   */
  transaction<T>(fn: (tx: Ports) => Promise<T>): Promise<T>;
  /**
   * Runs `fn` once the unit of work the caller is in has committed, never if it rolls back (or is
   * retried: the retry registers again); at once when the caller is in none. `fn` must not block.
   */
  afterCommit(fn: () => void): void;
  /** The covered population of a segmentation, read in bulk. */
  population: PopulationReader;
  readiness: Readiness;
  maintenance: Maintenance;
  /** Connections now: open, busy in a unit of work, and units waiting for one (metrics). */
  connections(): ConnectionStats;
  /** Tells `observer` how long each unit of work took and how it ended (metrics); one observer. */
  observeUnits(observer: UnitObserver): void;
  close(): Promise<void>;
}

export interface ConnectionStats {
  open: number;
  busy: number;
  waiting: number;
}

export type UnitObserver = (seconds: number, outcome: 'commit' | 'rollback') => void;

export interface Readiness {
  /** Proves the database takes writes now (touching no personal data). */
  probeWritable(now: number): Promise<void>;
  migrations(): Promise<{ applied: number; shipped: number }>;
}

export interface Maintenance {
  /** The name of what afterErasure does, as erasure receipts report it (wal_compaction, vacuum). */
  readonly erasureStep: string;
  /**
   * After an erasure, off the request path: old pages and row versions of the erased subject are
   * gone. False when some could not be within the backend's budget (a long reader holds them).
   */
  afterErasure(): Promise<boolean>;
  /** Starts the backend's background upkeep (a server's; the CLI's ingest too); returns its stop. */
  startBackground(onError: (e: Error) => void): { stop(): Promise<void> };
}
