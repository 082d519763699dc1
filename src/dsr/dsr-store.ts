// What data-subject requests need from storage beyond the other services' stores.
export interface Membership {
  runId: string;
  segmentId: string;
  purpose: string;
  method: string;
  createdAt: number;
}

export interface ErasureCounts {
  links: number;
  features: number;
  transactions: number;
  consents: number;
  memberships: number;
  vaultKeyDestroyed: boolean;
  /** Runs queued or running when the erasure committed: each leaves the subject out of its members. */
  inFlightRuns: number;
}

export type DsrKind = 'access' | 'erasure';
export type DsrStatus = 'completed' | 'pending_approval' | 'approved' | 'denied' | 'delivered' | 'not_found' | 'ambiguous';

export interface DsrRequest {
  id: string;
  kind: DsrKind;
  requester: string;
  reference: string;
  identifierType: string;
  pseudonym: string | null;
  status: DsrStatus;
  withheld: string[];
  decidedBy: string | null;
  decidedAt: number | null;
  deliveredAt: number | null;
  receipt: Record<string, unknown> | null;
  maintenance: Record<string, unknown> | null;
  createdAt: number;
}

export interface DsrStore {
  findLink(keyHash: string): Promise<string | undefined>;
  /** Whether a suppression entry (Pseudonymizer.suppressionKey of a link key) exists. */
  isSuppressed(suppressionKey: string): Promise<boolean>;
  memberships(pseudonym: string): Promise<Membership[]>;
  transactionsOf(pseudonym: string): Promise<{ day: number; amount: number; currency: string; channel: string; category: string | null; source: string }[]>;
  /**
   * Deletes everything held on the subject but the audit log, destroys the vault key and records
   * a suppression entry per link key (`suppressionKeyOf` of its hash).
   */
  erase(pseudonym: string, at: number, suppressionKeyOf: (linkKeyHash: string) => string): Promise<ErasureCounts>;
  insertRequest(r: DsrRequest): Promise<void>;
  getRequest(id: string): Promise<DsrRequest | undefined>;
  /** Requests made by `requester` since `since` (the daily quota's count), locked against concurrent counts. */
  requestsSince(requester: string, since: number): Promise<number>;
  /** Compare-and-set on the status: false when another caller moved the request first. */
  moveRequest(id: string, from: DsrStatus, to: DsrStatus, by: string | null, at: number): Promise<boolean>;
  setMaintenance(id: string, maintenance: Record<string, unknown>): Promise<void>;
  /** Re-keys suppression entries written in an older form; returns how many. */
  rekeySuppressions(isCurrent: (key: string) => boolean, rekey: (legacy: string) => string): Promise<number>;
}
