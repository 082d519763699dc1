// What ingest needs from storage; the SQLite implementation lives in src/db, others may follow.
import type { LinkKind } from '../pseudonymization/pseudonymizer.ts';
import type { FieldTally } from './record-validator.ts';

/**
 * The subject a lookup link leads to once two subjects have sent it (a phone number shared by a
 * household): nobody. Never a pseudonym (those start with a key version prefix).
 */
export const SHARED_LINK = '*shared';

export interface VaultRow {
  keyId: string;
  wrappedKey: Buffer | null;
  ciphertext: Buffer | null;
  fields: string;
  fieldMeta: string;
}

export interface FeatureUpdate {
  pseudonym: string;
  keyVersion: number;
  /** Column name -> value; absent columns keep their stored value. */
  values: Record<string, string | number | null>;
  provenance: Record<string, [string, number]>;
  now: number;
}

export interface BehaviourDelta {
  pseudonym: string;
  source: string;
  firstDay: number;
  lastDay: number;
  count: number;
  amount: number;
  byChannel: { web: number; store: number; phone: number; app: number };
}

export interface TransactionRow {
  pseudonym: string;
  source: string;
  sourceTxnId: string | null;
  day: number;
  amount: number;
  currency: string;
  channel: string;
  category: string | null;
  batchId: string;
}

export interface BatchRecord {
  batchId: string;
  source: string;
  recordType: string;
  idempotencyKey: string | null;
  requestHash: string;
  accepted: number;
  rejected: number;
  response: string;
  actor: string;
  createdAt: number;
}

export interface QualityDelta {
  source: string;
  recordType: string;
  fields: Map<string, FieldTally>;
  rows: number;
  accepted: number;
  rejected: number;
  duplicates: number;
  rejectedByRule: Record<string, number>;
  at: number;
}

export interface IngestStore {
  /** Runs `fn` in one write transaction: all of it commits or none. Synchronous by design. */
  transaction<T>(fn: () => T): T;
  findBatch(source: string, recordType: string, idempotencyKey: string): { requestHash: string; response: string } | undefined;
  findLink(keyHash: string): string | undefined;
  /** True when a suppression entry exists (Pseudonymizer.suppressionKey of an erased subject's link key). */
  isSuppressed(suppressionKey: string): boolean;
  hasSuppressions(): boolean;
  putLink(keyHash: string, kind: LinkKind, pseudonym: string, now: number): void;
  getVault(pseudonym: string): VaultRow | undefined;
  putVault(pseudonym: string, row: VaultRow, now: number): void;
  upsertFeatures(u: FeatureUpdate): void;
  /** Returns false when (source, sourceTxnId) was already stored. */
  insertTransaction(t: TransactionRow): boolean;
  addBehaviour(d: BehaviourDelta, now: number): void;
  insertBatch(b: BatchRecord): void;
  addQuality(q: QualityDelta): void;
}
