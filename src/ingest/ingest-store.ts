// What ingest needs from storage, batch by batch: a batch's lookups in a few reads, its writes in
// a few bulk statements (a round trip per row would not do on a networked database).
import type { ConsentStatePatch } from '../consent/consent-store.ts';
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
  /** Consent states the batch sets for the subject (purpose -> state), merged into the held ones. */
  consent?: Record<string, ConsentStatePatch>;
}

/** `known`: the batch read a stored link for this key (it is re-pointed); else the key is new. */
export interface LinkWrite {
  keyHash: string;
  kind: LinkKind;
  pseudonym: string;
  known: boolean;
}

/** `created`: no vault row was read for the subject (a new one is inserted); else the read row is replaced. */
export interface VaultWrite extends VaultRow {
  pseudonym: string;
  created: boolean;
}

/**
 * Thrown by writeCustomers when what the batch read changed before it wrote (another instance
 * created the same subject or link key meanwhile): the unit of work runs again on fresh reads.
 */
export class ConcurrentWrite extends Error {
  /** The SQLSTATE of a serialization failure: units of work retry on it. */
  readonly code = '40001';
  constructor() {
    super('a subject or link key was written by another unit of work since this one read it');
    this.name = 'ConcurrentWrite';
  }
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

/** Thrown by insertBatch when another batch already holds the idempotency key (another instance won). */
export class IdempotencyKeyTaken extends Error {
  constructor() {
    super('idempotency key taken');
    this.name = 'IdempotencyKeyTaken';
  }
}

export interface IngestStore {
  findBatch(source: string, recordType: string, idempotencyKey: string): Promise<{ requestHash: string; response: string } | undefined>;
  /**
   * The subjects the link keys lead to (absent: none). Inside a unit of work the stored links read
   * are locked against other writers until it ends, so a batch's reads and writes agree; keys read
   * as absent are checked when written (ConcurrentWrite).
   */
  findLinks(keyHashes: readonly string[]): Promise<Map<string, string>>;
  /** Which of these suppression keys (Pseudonymizer.suppressionKey) exist. */
  suppressed(keys: readonly string[]): Promise<Set<string>>;
  /** Vault rows of existing subjects (erased ones included), locked for the rest of the unit of work. */
  vaults(pseudonyms: readonly string[]): Promise<Map<string, VaultRow>>;
  /**
   * One customers batch: feature upserts, links (a phone sent for a second subject is shared),
   * vault rows. Throws ConcurrentWrite when a key or vault row read as absent exists by now.
   */
  writeCustomers(w: { features: FeatureUpdate[]; links: LinkWrite[]; vaults: VaultWrite[]; now: number }): Promise<void>;
  /** Inserts transactions; for each, false when (source, sourceTxnId) was already stored. */
  insertTransactions(rows: readonly TransactionRow[]): Promise<boolean[]>;
  addBehaviour(deltas: readonly BehaviourDelta[], now: number): Promise<void>;
  /** Throws IdempotencyKeyTaken when (source, record type, key) is already stored. */
  insertBatch(b: BatchRecord): Promise<void>;
  addQuality(q: QualityDelta): Promise<void>;
}
