// The random pool behind data keys and GCM nonces: every slice is fresh (no repeat across
// refills), of the asked length, not a view of the pool, and the pool keeps no copy of it.
import { describe, expect, it } from 'vitest';
import { RandomPool } from '../src/vault/random-pool.ts';

describe('RandomPool', () => {
  it('hands out distinct slices of the asked length across many refills', () => {
    const pool = new RandomPool(1024);
    const seen = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      const n = i % 2 ? 12 : 32;
      const b = pool.take(n);
      expect(b.length).toBe(n);
      seen.add(b.toString('hex'));
    }
    expect(seen.size).toBe(5000);
  });

  it('returns copies: zeroing a data key leaves the next slices random, and the pool holds no copy', () => {
    const pool = new RandomPool(256);
    const a = pool.take(32);
    const copy = Buffer.from(a);
    a.fill(0);
    const b = pool.take(32);
    expect(b.equals(Buffer.alloc(32))).toBe(false);
    const buf = (pool as unknown as { buf: Buffer }).buf;
    expect(buf.indexOf(copy)).toBe(-1);
    expect(buf.indexOf(b)).toBe(-1);
    expect(b.buffer).not.toBe(buf.buffer);
  });

  it('draws directly for requests larger than the pool', () => {
    const pool = new RandomPool(16);
    expect(pool.take(64).length).toBe(64);
  });
});
