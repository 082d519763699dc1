// What the audit log needs from storage.
import type { AuditEntry } from './audit-entry.ts';

export interface AuditQuery {
  from?: number;
  to?: number;
  actor?: string;
  action?: string;
  outcome?: string;
  subject?: string;
  /** Entries after this seq (a cursor, or where the previous page ended). */
  afterSeq?: number;
  /** Entries up to this seq included: the head an export captured, so it does not chase later appends. */
  throughSeq?: number;
  limit: number;
}

export type AuditFilter = Omit<AuditQuery, 'limit'>;

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
  /** Every entry in seq order, streamed (verification). */
  iterate(q?: AuditFilter): AsyncIterable<AuditEntry>;
  /**
   * The matching entries in seq order, a keyset page (seq > the last one read) of at most `size`
   * at a time. A page is read only when the consumer asks for it, and no statement stays open
   * between pages: an export of any length holds one page in memory.
   */
  pages(q: AuditFilter, size: number): AsyncIterable<AuditEntry[]>;
  query(q: AuditQuery): Promise<AuditEntry[]>;
  /** The seqs of the first `limit` matching entries (where a bounded export ends, without reading the entries). */
  seqs(q: AuditQuery): Promise<number[]>;
  /** Pseudonyms re-identified by an actor since `since` (quota). */
  reidentifiedSince(actorIssuer: string, actorSubject: string, since: number): Promise<number>;
  /** Entries naming a subject, optionally of some actions (DSR access). */
  aboutSubject(pseudonym: string, actions: readonly string[]): Promise<AuditEntry[]>;
}
