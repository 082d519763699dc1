// Refused authentications, counted per client address and minute: one chained audit entry per
// address and minute with the count and reasons, written off the request path, so anonymous
// callers cannot grow the log (or hold the writer) one request at a time. An address past the
// per-minute limit is refused outright until the minute ends.
import type { AuditLog } from './audit-log.ts';

const MINUTE_MS = 60_000;
/** Addresses tracked per minute; beyond, refusals are pooled under one bucket (bounded memory). */
export const MAX_ADDRESSES = 10_000;
export const OVERFLOW_ADDRESS = '(other addresses)';

interface Bucket {
  minute: number;
  address: string;
  count: number;
  reasons: Record<string, number>;
}

export class RefusalTally {
  private buckets = new Map<string, Bucket>();

  constructor(
    private readonly audit: AuditLog,
    private readonly clock: () => number,
    /** Refusals one address may cause per minute before it is answered 429 without a look at its token. */
    readonly perMinute: number,
    private readonly onFlushError: (e: unknown) => void = () => {},
    private readonly maxAddresses = MAX_ADDRESSES,
  ) {}

  private key(minute: number, address: string): string {
    return `${minute}\u0000${address}`;
  }

  /** Counts one refusal of `address` for `reason` (a token refusal code, or rate_limited). */
  record(address: string, reason: string): void {
    const minute = Math.floor(this.clock() / MINUTE_MS);
    let k = this.key(minute, address);
    let b = this.buckets.get(k);
    if (!b && this.buckets.size >= this.maxAddresses) {
      k = this.key(minute, OVERFLOW_ADDRESS);
      b = this.buckets.get(k);
      address = OVERFLOW_ADDRESS;
    }
    if (!b) this.buckets.set(k, (b = { minute, address, count: 0, reasons: {} }));
    b.count++;
    b.reasons[reason] = (b.reasons[reason] ?? 0) + 1;
  }

  /** Seconds until `address` may try again, or 0 when it is under the limit this minute. */
  retryAfter(address: string): number {
    const now = this.clock();
    const minute = Math.floor(now / MINUTE_MS);
    const b = this.buckets.get(this.key(minute, address));
    if (!b || b.count < this.perMinute) return 0;
    return Math.max(1, Math.ceil(((minute + 1) * MINUTE_MS - now) / 1000));
  }

  /**
   * Appends one entry per address and ended minute (every minute when `all`, at shutdown). A
   * bucket whose entry cannot be written stays for the next flush: counts are never dropped.
   */
  async flush(all = false): Promise<number> {
    const current = Math.floor(this.clock() / MINUTE_MS);
    let written = 0;
    for (const [k, b] of [...this.buckets]) {
      if (!all && b.minute >= current) continue;
      try {
        await this.audit.append({
          actorIssuer: 'anonymous',
          actorSubject: b.address,
          roles: [],
          action: 'auth.refused',
          outcome: 'denied',
          detail: { client_address: b.address, minute: new Date(b.minute * MINUTE_MS).toISOString(), count: b.count, reasons: b.reasons },
        });
        this.buckets.delete(k);
        written++;
      } catch (e) {
        this.onFlushError(e);
        break;
      }
    }
    if (written > 0) {
      try {
        await this.audit.syncHead();
      } catch (e) {
        this.onFlushError(e);
      }
    }
    return written;
  }

  /** Flushes every ended minute on a timer (a server's; tests flush by hand). */
  start(intervalMs = 15_000): { stop(): void } {
    const t = setInterval(() => void this.flush(), intervalMs);
    t.unref();
    return { stop: () => clearInterval(t) };
  }

  /** Buckets held now (tests; memory bound). */
  get pending(): number {
    return this.buckets.size;
  }
}
