// What the audit log needs from storage.
import type { AuditEntry } from './audit-entry.ts';

export interface AuditQuery {
  from?: number;
  to?: number;
  actor?: string;
  action?: string;
  outcome?: string;
  subject?: string;
  afterSeq?: number;
  limit: number;
}

export interface AuditStore {
  /**
   * Serializes appends to the chain for the rest of the transaction (instances take turns), so
   * the chain stays one gapless, totally ordered sequence. Call before last() when appending.
   */
  lockChain(): Promise<void>;
  last(): Promise<{ seq: number; hash: string } | undefined>;
  /** The hash of the entry at `seq`, if there is one. */
  hashAt(seq: number): Promise<string | undefined>;
  insert(e: AuditEntry): Promise<void>;
  /** Every entry in seq order, streamed (verification, exports). */
  iterate(q?: Omit<AuditQuery, 'limit'>): AsyncIterable<AuditEntry>;
  query(q: AuditQuery): Promise<AuditEntry[]>;
  /** Pseudonyms re-identified by an actor since `since` (quota). */
  reidentifiedSince(actorIssuer: string, actorSubject: string, since: number): Promise<number>;
  /** Entries naming a subject, optionally of some actions (DSR access). */
  aboutSubject(pseudonym: string, actions: readonly string[]): Promise<AuditEntry[]>;
}
