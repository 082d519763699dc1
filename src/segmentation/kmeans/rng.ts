// Seeded PRNG (sfc32, seeded through splitmix32) so that k-means++ and sampling are reproducible from a seed.

/** A small deterministic random source; the same seed always yields the same sequence on every platform. */
export interface Rng {
  /** Uniform float in [0, 1) with 53 random bits. */
  nextFloat(): number;
  /** Uniform integer in [0, n) for 1 <= n <= 2^32. */
  nextInt(n: number): number;
  /** Raw 32-bit unsigned output. */
  nextUint32(): number;
}

/** splitmix32 spreads an arbitrary (even tiny or sequential) seed over all state bits. */
function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/**
 * sfc32 (Chris Doty-Humphrey's Small Fast Counting generator): passes PractRand, 128-bit state, and uses only
 * 32-bit integer ops, so results are identical across engines; the counter guarantees a period of at least 2^32.
 */
export class Sfc32 implements Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new RangeError(`seed must be a finite number, got ${seed}`);
    // Fold both halves of a 53-bit integer seed in, so seeds above 2^32 do not collide with their low bits.
    const st = { s: (Math.trunc(seed) >>> 0) ^ Math.imul(Math.floor(Math.trunc(seed) / 4294967296) | 0, 0x27d4eb2d) };
    this.a = splitmix32(st);
    this.b = splitmix32(st);
    this.c = splitmix32(st);
    this.d = 1;
    // The first outputs of a freshly seeded sfc32 are weakly mixed; the reference implementation discards 12.
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  nextFloat(): number {
    // 27 + 26 bits: every double in [0, 1) on the 2^-53 grid is reachable, and 1 never is.
    const hi = this.nextUint32() >>> 5;
    const lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  nextInt(n: number): number {
    if (!(n >= 1 && n <= 4294967296) || !Number.isInteger(n)) throw new RangeError(`nextInt needs an integer 1..2^32, got ${n}`);
    // Rejection sampling removes the modulo bias that matters for large n (e.g. picking among 1M points).
    const limit = 4294967296 - (4294967296 % n);
    for (;;) {
      const x = this.nextUint32();
      if (x < limit) return x % n;
    }
  }
}

/** Convenience: a fresh generator for `seed`. */
export function createRng(seed: number): Rng {
  return new Sfc32(seed);
}
