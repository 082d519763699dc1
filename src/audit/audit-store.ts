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
  transaction<T>(fn: () => T): T;
  last(): { seq: number; hash: string } | undefined;
  /** The hash of the entry at `seq`, if there is one. */
  hashAt(seq: number): string | undefined;
  insert(e: AuditEntry): void;
  /** Every entry in seq order, streamed (verification). */
  iterate(): IterableIterator<AuditEntry>;
  query(q: AuditQuery): AuditEntry[];
  /** Pseudonyms re-identified by an actor since `since` (quota). */
  reidentifiedSince(actorIssuer: string, actorSubject: string, since: number): number;
  /** Entries naming a subject, optionally of some actions (DSR access). */
  aboutSubject(pseudonym: string, actions: readonly string[]): AuditEntry[];
}
