// What data-subject requests need from storage beyond the other services' stores.
export interface Membership { runId: string; segmentId: string; purpose: string; method: string; createdAt: number }

export interface ErasureCounts {
  links: number;
  features: number;
  transactions: number;
  consents: number;
  memberships: number;
  vaultKeyDestroyed: boolean;
}

export interface DsrStore {
  transaction<T>(fn: () => T): T;
  findLink(keyHash: string): string | undefined;
  isSuppressed(keyHash: string): boolean;
  memberships(pseudonym: string): Membership[];
  transactionsOf(pseudonym: string): { day: number; amount: number; currency: string; channel: string; category: string | null; source: string }[];
  /** Deletes everything held on the subject but the audit log, destroys the vault key, records the suppression. */
  erase(pseudonym: string, at: number, receipt: (counts: ErasureCounts) => string): ErasureCounts;
  /** After an erasure: zeroed pages out of the WAL and free lists. False if the WAL could not be truncated. */
  compact(waitMs?: number): boolean;
}
