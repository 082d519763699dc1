// What the consent registry needs from storage. Which record decides the state is the domain's
// rule (see supersedes); the store keeps the history and the derived state as told.
import type { ConsentStateRow, ConsentStatus } from './coverage.ts';

export interface ConsentRecordInput {
  pseudonym: string;
  purpose: string;
  status: ConsentStatus;
  legalBasis: string;
  source: string;
  collectedAt: number;
  expiresAt: number | null;
  noticeVersion: string | null;
  recordedAt: number;
  recordedBy: string;
}

export interface ConsentRecord extends ConsentRecordInput {
  id: number;
}

/** A purpose's state as a record sets it, with the record's id. */
export interface ConsentStatePatch {
  state: ConsentStateRow;
  recordId: number;
}

export interface ConsentStore {
  /**
   * Appends records to the history (with the ids reserved for them, when given); each marked
   * `current` also becomes its purpose's state, unless `statesWritten` says the caller already
   * wrote those states (with the subject's row: see FeatureUpdate.consent). Returns the ids.
   */
  append(records: readonly { record: ConsentRecordInput; current: boolean; id?: number }[], options?: { statesWritten?: boolean }): Promise<number[]>;
  /** Ids for n records to come, in ascending order: no other record gets them. */
  reserveIds(n: number): Promise<number[]>;
  state(pseudonym: string, purpose: string): Promise<ConsentStateRow | undefined>;
  /** States of several subjects (pseudonym -> purpose -> state), locked for the transaction's writes. */
  states(pseudonyms: readonly string[]): Promise<Map<string, Map<string, ConsentStateRow>>>;
  history(pseudonym: string): Promise<ConsentRecord[]>;
  /** Which of these records the history already holds (same purpose, status, source and collection time), by recordKey. */
  existing(records: readonly ConsentRecordInput[]): Promise<Set<string>>;
}

/** Identity of a consent statement: the same one sent again is not a new record. */
export const recordKey = (r: Pick<ConsentRecordInput, 'pseudonym' | 'purpose' | 'status' | 'source' | 'collectedAt'>): string =>
  `${r.pseudonym}\u0000${r.purpose}\u0000${r.status}\u0000${r.source}\u0000${r.collectedAt}`;
