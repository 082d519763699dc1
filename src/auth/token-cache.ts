// Bounded cache of verified tokens, keyed by a hash of the token, each entry capped at exp and 60 s.
import crypto from 'node:crypto';

export interface CacheEntry<T> {
  value: T;
  expiresAt: number;
}

export class TokenCache<T> {
  private readonly entries = new Map<string, CacheEntry<T>>();

  constructor(
    private readonly maxEntries = 10_000,
    private readonly maxAgeMs = 60_000,
  ) {}

  static keyOf(token: string): string {
    // A hash, so the cache never holds a usable credential in memory dumps or heap snapshots.
    return crypto.createHash('sha256').update(token).digest('base64url');
  }

  get(key: string, now: number): T | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.expiresAt <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return e.value;
  }

  set(key: string, value: T, expMs: number, now: number): void {
    const expiresAt = Math.min(expMs, now + this.maxAgeMs);
    if (expiresAt <= now) return;
    if (this.entries.size >= this.maxEntries && !this.entries.has(key)) {
      // Insertion order is expiry order for a fixed max age: the first key is the oldest.
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(key, { value, expiresAt });
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
