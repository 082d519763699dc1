// What ingest needs from storage, batch by batch: a batch's lookups in a few reads, its writes in
// a few bulk statements (a round trip per row would not do on a networked database).
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

export interface LinkWrite { keyHash: string; kind: LinkKind; pseudonym: string }

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
   * The subjects the link keys lead to (absent: none), inside a transaction locked against
   * concurrent writers of the same keys until it ends, so a batch's reads and writes agree.
   */
  findLinks(keyHashes: readonly string[]): Promise<Map<string, string>>;
  /** Which of these suppression keys (Pseudonymizer.suppressionKey) exist. */
  suppressed(keys: readonly string[]): Promise<Set<string>>;
  /** Vault rows of existing subjects. */
  vaults(pseudonyms: readonly string[]): Promise<Map<string, VaultRow>>;
  /** One customers batch: feature upserts, new links (a phone sent for a second subject is shared), vault rows. */
  writeCustomers(w: { features: FeatureUpdate[]; links: LinkWrite[]; vaults: (VaultRow & { pseudonym: string })[]; now: number }): Promise<void>;
  /** Inserts transactions; for each, false when (source, sourceTxnId) was already stored. */
  insertTransactions(rows: readonly TransactionRow[]): Promise<boolean[]>;
  addBehaviour(deltas: readonly BehaviourDelta[], now: number): Promise<void>;
  /** Throws IdempotencyKeyTaken when (source, record type, key) is already stored. */
  insertBatch(b: BatchRecord): Promise<void>;
  addQuality(q: QualityDelta): Promise<void>;
}
