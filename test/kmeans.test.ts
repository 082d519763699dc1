// k-means engine: ml-kmeans as the oracle (same initial centroids -> same assignments, inertia, iterations),
// thread-count independence, reproducibility, planted-cluster recovery, silhouette / chooseK, edge cases.
import { kmeans as mlKmeans } from 'ml-kmeans';
import { afterAll, describe, expect, it } from 'vitest';
import {
  allocSharedMatrix,
  chooseK,
  closeSharedPools,
  createRng,
  fitKMeans,
  greedyKmeansPlusPlus,
  kmeans,
  kmeansPlusPlus,
  KMeansWorkerPool,
  silhouetteSample,
  type KMeansResult,
} from '../src/segmentation/kmeans/index.ts';

interface Planted {
  data: Float64Array;
  labels: Int32Array;
  n: number;
  d: number;
}

/** n points around `clusters` Gaussian centres; `sep` scales the centre spread relative to unit cluster noise. */
function planted(n: number, d: number, clusters: number, seed: number, sep: number, shared = false): Planted {
  const rng = createRng(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rng.nextFloat())) * Math.cos(2 * Math.PI * rng.nextFloat());
  const centres = Float64Array.from({ length: clusters * d }, () => gauss() * sep);
  const data = shared ? allocSharedMatrix(n, d) : new Float64Array(n * d);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % clusters;
    labels[i] = c;
    for (let t = 0; t < d; t++) data[i * d + t] = centres[c * d + t]! + gauss();
  }
  return { data, labels, n, d };
}

/** Well-separated clusters: centres on a grid 12 noise standard deviations apart. */
function separated(n: number, d: number, clusters: number, seed: number): Planted {
  const rng = createRng(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rng.nextFloat())) * Math.cos(2 * Math.PI * rng.nextFloat());
  const data = new Float64Array(n * d);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % clusters;
    labels[i] = c;
    for (let t = 0; t < d; t++) data[i * d + t] = (t === c % d ? 12 * (1 + Math.floor(c / d)) : 0) + gauss();
  }
  return { data, labels, n, d };
}

function rows(data: Float64Array, n: number, d: number): number[][] {
  return Array.from({ length: n }, (_, i) => Array.from(data.subarray(i * d, i * d + d)));
}

/** ml-kmeans from the same initial centroids, with its inertia computed the way ours is. */
function oracle(p: Planted, k: number, initial: Float64Array, maxIterations = 300) {
  const pts = rows(p.data, p.n, p.d);
  const r = mlKmeans(pts, k, { initialization: rows(initial, k, p.d), maxIterations });
  let inertia = 0;
  for (let i = 0; i < p.n; i++) {
    const c = r.centroids[r.clusters[i]!]!;
    for (let t = 0; t < p.d; t++) inertia += (pts[i]![t]! - c[t]!) ** 2;
  }
  return { clusters: r.clusters, centroids: r.centroids.flat(), iterations: r.iterations, converged: r.converged, inertia };
}

function expectSameAsOracle(ours: KMeansResult, ref: ReturnType<typeof oracle>): void {
  let differ = 0;
  for (let i = 0; i < ours.assignments.length; i++) if (ours.assignments[i] !== ref.clusters[i]) differ++;
  expect(differ).toBe(0);
  expect(ours.iterations).toBe(ref.iterations);
  expect(ours.converged).toBe(ref.converged);
  expect(Math.abs(ours.inertia - ref.inertia) / ref.inertia).toBeLessThan(1e-9);
  for (let j = 0; j < ref.centroids.length; j++) expect(ours.centroids[j]!).toBeCloseTo(ref.centroids[j]!, 9);
}

function expectIdentical(a: KMeansResult, b: KMeansResult): void {
  expect(b.iterations).toBe(a.iterations);
  expect(b.inertia).toBe(a.inertia);
  expect(
    Buffer.from(b.assignments.buffer, b.assignments.byteOffset, b.assignments.byteLength).equals(
      Buffer.from(a.assignments.buffer, a.assignments.byteOffset, a.assignments.byteLength),
    ),
  ).toBe(true);
  expect(Array.from(b.centroids)).toEqual(Array.from(a.centroids));
}

/** For each planted cluster, the share of its points in its most common found cluster; mapping must be 1:1. */
function agreement(labels: Int32Array, found: Int32Array, clusters: number, k: number): { worst: number; injective: boolean } {
  const table = new Int32Array(clusters * k);
  for (let i = 0; i < labels.length; i++) table[labels[i]! * k + found[i]!]!++;
  let worst = 1;
  const used = new Set<number>();
  for (let c = 0; c < clusters; c++) {
    let best = 0;
    let arg = -1;
    let total = 0;
    for (let j = 0; j < k; j++) {
      total += table[c * k + j]!;
      if (table[c * k + j]! > best) {
        best = table[c * k + j]!;
        arg = j;
      }
    }
    used.add(arg);
    worst = Math.min(worst, best / total);
  }
  return { worst, injective: used.size === clusters };
}

afterAll(async () => {
  await closeSharedPools();
});

describe('oracle: ml-kmeans from the same initial centroids', () => {
  const cases = [
    { name: '2k points, d = 2, 3 planted, k = 3', n: 2000, d: 2, clusters: 3, k: 3, sep: 3, seed: 11 },
    { name: '5k points, d = 4, 5 planted, k = 6', n: 5000, d: 4, clusters: 5, k: 6, sep: 2.5, seed: 12 },
    { name: '20k points, d = 8, 8 planted, k = 8', n: 20_000, d: 8, clusters: 8, k: 8, sep: 1.5, seed: 13 },
    { name: '10k points, d = 8, 8 planted, k = 20 (pruned search)', n: 10_000, d: 8, clusters: 8, k: 20, sep: 1.5, seed: 14 },
    { name: '3k points, d = 1, 4 planted, k = 4', n: 3000, d: 1, clusters: 4, k: 4, sep: 4, seed: 15 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const p = planted(c.n, c.d, c.clusters, c.seed, c.sep);
      const initial = kmeansPlusPlus(p.data, p.n, p.d, c.k, createRng(c.seed));
      const ref = oracle(p, c.k, initial);
      expect(ref.converged).toBe(true);
      expect(ref.iterations).toBeGreaterThan(3); // a real run, not a one-step fixed point
      const one = kmeans(p.data, p.n, p.d, { k: c.k, initial, threads: 1 });
      expectSameAsOracle(one, ref);
      const two = kmeans(p.data, p.n, p.d, { k: c.k, initial, threads: 2 });
      expectIdentical(one, two);
      const generic = kmeans(p.data, p.n, p.d, { k: c.k, initial, genericKernels: true });
      expectIdentical(one, generic);
    });
  }

  it('stops at maxIterations like ml-kmeans (converged = false)', () => {
    const p = planted(5000, 4, 5, 21, 1.2);
    const initial = kmeansPlusPlus(p.data, p.n, p.d, 7, createRng(3));
    const ref = oracle(p, 7, initial, 3);
    expect(ref.converged).toBe(false);
    expectSameAsOracle(kmeans(p.data, p.n, p.d, { k: 7, initial, maxIterations: 3 }), ref);
  });

  it('keeps an emptied cluster at its previous centroid, as ml-kmeans does', () => {
    // Two of the initial centroids are far from all data: they never get a point.
    const p = planted(1000, 2, 2, 22, 3);
    const initial = Float64Array.from([...p.data.subarray(0, 2), ...p.data.subarray(2, 4), 1e3, 1e3, -1e3, 1e3]);
    const ref = oracle(p, 4, initial);
    const ours = kmeans(p.data, p.n, p.d, { k: 4, initial });
    expectSameAsOracle(ours, ref);
    expect(ours.sizes[2]).toBe(0);
    expect(Array.from(ours.centroids.subarray(4, 8))).toEqual([1e3, 1e3, -1e3, 1e3]);
  });
});

describe('threads and reproducibility', () => {
  it('fitKMeans gives bit-identical results for threads = 1 and 2, shared or copied data', () => {
    const p = planted(30_000, 6, 6, 31, 1.5, true);
    const one = fitKMeans(p.data, p.n, p.d, { k: 10, seed: 5, threads: 1 });
    const two = fitKMeans(p.data, p.n, p.d, { k: 10, seed: 5, threads: 2 });
    const copied = fitKMeans(p.data.slice(), p.n, p.d, { k: 10, seed: 5, threads: 2 });
    expectIdentical(one, two);
    expectIdentical(one, copied);
    expect(Array.from(two.initial)).toEqual(Array.from(one.initial));
  });

  it('a dedicated pool seeds in parallel and still matches', () => {
    const p = planted(20_000, 5, 4, 32, 2, true);
    const pool = KMeansWorkerPool.create(2);
    try {
      pool.waitReady();
      for (const init of ['kmeans++', 'greedy-kmeans++'] as const) {
        const local = fitKMeans(p.data, p.n, p.d, { k: 7, seed: 9, init });
        const pooled = fitKMeans(p.data, p.n, p.d, { k: 7, seed: 9, init, pool });
        expectIdentical(local, pooled);
      }
      // The worker really took part (it shares ~20 chunks per pass over dozens of passes), so the equality above
      // compares a split computation with the single-thread one, not the caller's thread with itself.
      expect(pool.chunksByWorkers).toBeGreaterThan(0);
    } finally {
      void pool.close();
    }
  });

  it('same seed gives the same result; another seed gives another start', () => {
    const p = planted(8000, 4, 5, 33, 1.2);
    const a = fitKMeans(p.data, p.n, p.d, { k: 6, seed: 1 });
    const b = fitKMeans(p.data, p.n, p.d, { k: 6, seed: 1 });
    const c = fitKMeans(p.data, p.n, p.d, { k: 6, seed: 2 });
    expectIdentical(a, b);
    expect(Array.from(c.initial)).not.toEqual(Array.from(a.initial));
  });

  it('k-means++ (plain and greedy) is reproducible and picks data rows', () => {
    const p = planted(5000, 3, 4, 34, 2);
    for (const seedFn of [kmeansPlusPlus, greedyKmeansPlusPlus]) {
      const x = seedFn(p.data, p.n, p.d, 5, createRng(77));
      const y = seedFn(p.data, p.n, p.d, 5, createRng(77));
      expect(Array.from(x)).toEqual(Array.from(y));
      expect(Array.from(seedFn(p.data, p.n, p.d, 5, createRng(78)))).not.toEqual(Array.from(x));
      for (let j = 0; j < 5; j++) {
        const row = x.subarray(j * 3, j * 3 + 3);
        let found = false;
        for (let i = 0; i < p.n && !found; i++) found = row.every((v, t) => v === p.data[i * 3 + t]);
        expect(found).toBe(true);
      }
    }
  });

  it('rng: same seed same stream, floats in [0, 1), ints in range', () => {
    const a = createRng(42);
    const b = createRng(42);
    for (let i = 0; i < 1000; i++) {
      const f = a.nextFloat();
      expect(f).toBe(b.nextFloat());
      expect(f >= 0 && f < 1).toBe(true);
      const m = a.nextInt(7);
      expect(m).toBe(b.nextInt(7));
      expect(Number.isInteger(m) && m >= 0 && m < 7).toBe(true);
    }
    expect(createRng(43).nextFloat()).not.toBe(createRng(42).nextFloat());
  });
});

describe('cluster quality', () => {
  it('recovers planted clusters (each planted cluster maps to one found cluster for >= 99% of its points)', () => {
    for (const [d, clusters, seed] of [
      [4, 6, 41],
      [8, 8, 42],
      [2, 3, 43],
    ] as const) {
      const p = separated(12_000, d, clusters, seed);
      const r = fitKMeans(p.data, p.n, p.d, { k: clusters, seed });
      const agree = agreement(p.labels, r.assignments, clusters, clusters);
      expect(agree.injective).toBe(true);
      expect(agree.worst).toBeGreaterThanOrEqual(0.99);
    }
  });

  it('silhouette of well-separated clusters is > 0.7; chooseK finds the planted k', () => {
    const p = separated(10_000, 4, 5, 44);
    const r = fitKMeans(p.data, p.n, p.d, { k: 5, seed: 3 });
    expect(silhouetteSample(p.data, p.n, p.d, r.assignments, 5, 2000, createRng(1))).toBeGreaterThan(0.7);
    const chosen = chooseK(p.data, p.n, p.d, [2, 8], 7);
    expect(chosen.k).toBe(5);
    expect(Object.keys(chosen.scores).map(Number)).toEqual([2, 3, 4, 5, 6, 7, 8]);
    expect(chosen.scores[5]!).toBeGreaterThan(0.7);
    expect(chooseK(p.data, p.n, p.d, [2, 8], 7)).toEqual(chosen);
  });

  it('chooseK on a sample of a larger set still finds k', () => {
    const p = separated(60_000, 3, 3, 45);
    const chosen = chooseK(p.data, p.n, p.d, [2, 6], 1, 1000, { fitSize: 10_000 });
    expect(chosen.k).toBe(3);
  });

  it('silhouette matches a direct computation on a small set', () => {
    const p = planted(300, 2, 3, 46, 3);
    const r = fitKMeans(p.data, p.n, p.d, { k: 3, seed: 1 });
    const dist = (i: number, j: number) => Math.hypot(p.data[2 * i]! - p.data[2 * j]!, p.data[2 * i + 1]! - p.data[2 * j + 1]!);
    let total = 0;
    for (let i = 0; i < p.n; i++) {
      const sums = [0, 0, 0];
      const counts = [0, 0, 0];
      for (let j = 0; j < p.n; j++)
        if (j !== i) {
          sums[r.assignments[j]!]! += dist(i, j);
          counts[r.assignments[j]!]!++;
        }
      const own = r.assignments[i]!;
      const a = sums[own]! / counts[own]!;
      const b = Math.min(...[0, 1, 2].filter((c) => c !== own).map((c) => sums[c]! / counts[c]!));
      total += (b - a) / Math.max(a, b);
    }
    expect(silhouetteSample(p.data, p.n, p.d, r.assignments, 3, 1000, createRng(1))).toBeCloseTo(total / p.n, 10);
  });
});

describe('edge cases', () => {
  it('k = 1: the centroid is the mean, inertia the total sum of squares', () => {
    const p = planted(1000, 3, 2, 51, 2);
    const r = fitKMeans(p.data, p.n, p.d, { k: 1, seed: 1 });
    const mean = [0, 1, 2].map((t) => p.data.filter((_, i) => i % 3 === t).reduce((s, v) => s + v, 0) / p.n);
    let ss = 0;
    for (let i = 0; i < p.n; i++) for (let t = 0; t < 3; t++) ss += (p.data[i * 3 + t]! - mean[t]!) ** 2;
    for (let t = 0; t < 3; t++) expect(r.centroids[t]!).toBeCloseTo(mean[t]!, 10);
    expect(r.inertia).toBeCloseTo(ss, 6);
    expect(r.converged).toBe(true);
    expect(Array.from(r.sizes)).toEqual([1000]);
    expectSameAsOracle(kmeans(p.data, p.n, p.d, { k: 1, initial: r.initial }), oracle(p, 1, r.initial));
  });

  it('k = n: every point is its own cluster, inertia 0', () => {
    const p = planted(50, 2, 3, 52, 2);
    for (const init of ['kmeans++', 'greedy-kmeans++'] as const) {
      const r = fitKMeans(p.data, p.n, p.d, { k: 50, seed: 4, init });
      expect(r.inertia).toBe(0);
      expect(new Set(r.assignments).size).toBe(50);
      expect(Array.from(r.sizes).every((s) => s === 1)).toBe(true);
    }
  });

  it('duplicate points: more clusters than distinct points still terminates, sizes add up, inertia 0', () => {
    const n = 600;
    const data = new Float64Array(n * 2);
    for (let i = 0; i < n; i++) data.set(i % 3 === 0 ? [1, 1] : i % 3 === 1 ? [5, -2] : [0, 7], i * 2);
    for (const init of ['kmeans++', 'greedy-kmeans++'] as const) {
      const r = fitKMeans(data, n, 2, { k: 5, seed: 8, init });
      expect(r.converged).toBe(true);
      expect(r.inertia).toBe(0);
      expect(Array.from(r.sizes).reduce((s, v) => s + v, 0)).toBe(n);
      expect(new Set(r.assignments).size).toBe(3);
    }
    const ones = new Float64Array(40).fill(2);
    const r = fitKMeans(ones, 20, 2, { k: 3, seed: 1 });
    expect(r.inertia).toBe(0);
    expect(Number.isNaN(silhouetteSample(ones, 20, 2, r.assignments, 3, 20, createRng(1)))).toBe(true);
  });

  it('d = 1 with threads = 2 matches the single-thread run', () => {
    const p = planted(9000, 1, 5, 53, 5);
    const initial = greedyKmeansPlusPlus(p.data, p.n, 1, 5, createRng(2));
    expectIdentical(kmeans(p.data, p.n, 1, { k: 5, initial }), kmeans(p.data, p.n, 1, { k: 5, initial, threads: 2 }));
  });

  it('reports each iteration to onIteration', () => {
    const p = planted(4000, 3, 4, 54, 1.5);
    const seen: [number, number][] = [];
    const r = fitKMeans(p.data, p.n, p.d, { k: 4, seed: 1, onIteration: (i, changed) => seen.push([i, changed]) });
    expect(seen.map(([i]) => i)).toEqual(Array.from({ length: r.iterations }, (_, i) => i + 1));
    expect(seen[0]![1]).toBe(p.n);
  });

  it('rejects bad arguments', () => {
    const data = new Float64Array([0, 0, 1, 1, 2, 2]);
    expect(() => kmeansPlusPlus(data, 3, 2, 4, createRng(1))).toThrow(/k must be/);
    expect(() => kmeansPlusPlus(data, 4, 2, 2, createRng(1))).toThrow(/n×d needs/);
    expect(() => kmeans(data, 3, 2, { k: 2, initial: new Float64Array(3) })).toThrow(/initial/);
    expect(() => kmeans(new Float64Array([0, NaN, 1, 1]), 2, 2, { k: 1, initial: new Float64Array(2) })).toThrow(/NaN/);
    expect(() => kmeans(data, 3, 2, { k: 1, initial: new Float64Array(2), threads: 0 })).toThrow(/threads/);
    expect(() => chooseK(data, 3, 2, [1, 3], 1)).toThrow(/k range/);
  });
});
