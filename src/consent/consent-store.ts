// What the consent registry needs from storage.
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

export interface ConsentStore {
  /**
   * Appends to the history and moves the derived state when the record decides it: collected
   * after the current one, or at the same instant unless it is a grant over a refusal (a
   * subject's withdrawal or objection is only superseded by a grant collected after it).
   * `current` tells whether it did.
   */
  append(r: ConsentRecordInput): { id: number; current: boolean };
  state(pseudonym: string, purpose: string): ConsentStateRow | undefined;
  history(pseudonym: string): ConsentRecord[];
  /** Whether the history already holds this record (same purpose, status, source and collection time). */
  has(r: Pick<ConsentRecordInput, 'pseudonym' | 'purpose' | 'status' | 'source' | 'collectedAt'>): boolean;
}
