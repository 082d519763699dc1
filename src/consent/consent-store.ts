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
  /** Appends to the history and moves the derived state when the record is the newest. */
  append(r: ConsentRecordInput): number;
  state(pseudonym: string, purpose: string): ConsentStateRow | undefined;
  history(pseudonym: string): ConsentRecord[];
}
