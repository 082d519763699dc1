// Seeded randomness for the demo data: sfc32 streams keyed by (seed, stream, index), weighted tables, a keyed permutation.

/** 32-bit hash of a list of 32-bit integers (murmur3-style mixing); the basis of every stream seed. */
export function hash32(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const p of parts) {
    let k = Math.imul(p | 0, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  h ^= parts.length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Independent random streams of one data set; a record's values never depend on another stream. */
export const Stream = {
  customer: 1,
  transactions: 2,
  badPick: 3,
  badValue: 4,
  duplicate: 5,
  emailPermutation: 6,
  phonePermutation: 7,
} as const;

/** sfc32 (Small Fast Counting, 128-bit state): fast, good quality, trivially seedable. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(...seedParts: number[]) {
    this.a = hash32(0x9e3779b9, ...seedParts);
    this.b = hash32(0x243f6a88, ...seedParts);
    this.c = hash32(0xb7e15162, ...seedParts);
    this.d = 1;
    for (let i = 0; i < 12; i++) this.uint32();
  }

  uint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.uint32() / 4294967296;
  }

  /** Uniform integer in [min, max] (both inclusive). */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** A string of n decimal digits (leading zeros allowed). */
  digits(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += String.fromCharCode(48 + Math.floor(this.next() * 10));
    return s;
  }

  /** Standard normal (Box-Muller, one value per call). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Log-normal with the given median and log-scale spread. */
  logNormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }

  /** Poisson count (Knuth below 30, normal approximation above). */
  poisson(mean: number): number {
    if (mean <= 0) return 0;
    if (mean < 30) {
      const limit = Math.exp(-mean);
      let k = 0;
      let p = this.next();
      while (p > limit) {
        k++;
        p *= this.next();
      }
      return k;
    }
    return Math.max(0, Math.round(mean + Math.sqrt(mean) * this.normal()));
  }

  /** Value in [0, 1) skewed toward 0 (power > 1) or toward 1 (power < 1). */
  skewed(power: number): number {
    return Math.pow(this.next(), power);
  }
}

/** The random stream of one record of one concern, e.g. the transactions of customer 12 under seed 7. */
export const streamRng = (seed: number, stream: number, index: number): Rng => new Rng(seed, stream, index);

/** A weighted choice compiled once (cumulative weights, binary search). */
export class WeightedTable<T> {
  private readonly items: T[];
  private readonly cumulative: number[];
  private readonly total: number;

  constructor(entries: readonly (readonly [T, number])[]) {
    this.items = [];
    this.cumulative = [];
    let sum = 0;
    for (const [item, w] of entries) {
      if (!(w > 0)) continue;
      sum += w;
      this.items.push(item);
      this.cumulative.push(sum);
    }
    if (this.items.length === 0) throw new Error('a weighted table needs at least one positive weight');
    this.total = sum;
  }

  pick(rng: Rng): T {
    const x = rng.next() * this.total;
    let lo = 0;
    let hi = this.cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cumulative[mid]! > x) hi = mid;
      else lo = mid + 1;
    }
    return this.items[lo]!;
  }
}

/**
 * A keyed bijection of [0, size): a balanced Feistel network on the next even bit width, with
 * cycle walking. Turns row positions into unique but unordered numbers (email suffixes, phones).
 */
export class Permutation {
  private readonly half: number;
  private readonly mask: number;

  constructor(
    readonly size: number,
    private readonly key: number,
  ) {
    if (!Number.isInteger(size) || size < 1 || size > 2 ** 30) throw new RangeError('permutation size must be in 1..2^30');
    let bits = Math.max(2, Math.ceil(Math.log2(size)));
    if (bits % 2 === 1) bits++;
    this.half = bits / 2;
    this.mask = (1 << this.half) - 1;
  }

  at(index: number): number {
    let v = index % this.size;
    do v = this.round(v);
    while (v >= this.size);
    return v;
  }

  private round(v: number): number {
    let left = Math.floor(v / (this.mask + 1));
    let right = v & this.mask;
    for (let r = 0; r < 4; r++) {
      const next = left ^ (hash32(this.key, r, right) & this.mask);
      left = right;
      right = next;
    }
    return left * (this.mask + 1) + right;
  }
}
