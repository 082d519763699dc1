// End-to-end k-means: seeded k-means++ then Hamerly iterations, sharing one worker pool when threads > 1.
import { LocalExecutor } from './executor.ts';
import { iterate, kmeansUnchecked, type KMeansOptions, type KMeansResult } from './hamerly.ts';
import { defaultTrials, rowsToCentroids, seedIndices } from './kmeans-plus-plus.ts';
import { sharedPool } from './pool.ts';
import { createRng } from './rng.ts';
import { createWorkspace, toShared } from './workspace.ts';
import { checkFinite, checkOptions, checkShape } from './validate.ts';

export interface FitOptions extends Omit<KMeansOptions, 'initial'> {
  /** Seed for k-means++: the same seed, data and options give the same result, whatever `threads` is. */
  seed: number;
  /**
   * 'greedy-kmeans++' (default; scikit-learn's and ml-kmeans' choice: 2 + floor(ln k) candidates per centre),
   * 'kmeans++' (plain D² sampling), or explicit k×d initial centroids.
   */
  init?: 'greedy-kmeans++' | 'kmeans++' | Float64Array;
}

export interface FitResult extends KMeansResult {
  /** The k×d centroids the iterations started from. */
  initial: Float64Array;
}

/**
 * Clusters n×d (standardized) features into k groups, k-means++ to convergence. The result depends on the data,
 * k, seed and init only: not on `threads`, nor on when the pool's workers joined.
 */
export function fitKMeans(data: Float64Array, n: number, d: number, options: FitOptions): FitResult {
  const { k } = options;
  checkShape(data, n, d, k);
  checkFinite(data, n * d);
  const init = options.init ?? 'greedy-kmeans++';
  const threads = options.pool?.threads ?? options.threads ?? 1;
  if (typeof init !== 'string') {
    const opts = { ...options, initial: init };
    checkOptions(data, n, d, opts, true);
    return { ...kmeansUnchecked(data, n, d, opts), initial: init.slice() };
  }
  const trials = init === 'kmeans++' ? 1 : defaultTrials(k);
  const rng = createRng(options.seed);
  if (threads === 1) {
    const exec = new LocalExecutor(createWorkspace(data, n, d, k, { shared: false, generic: options.genericKernels }));
    const initial = rowsToCentroids(data, d, seedIndices(exec, k, rng, trials));
    const opts = { ...options, initial };
    checkOptions(data, n, d, opts, true);
    return { ...iterate(exec, opts), initial };
  }
  // A pool that is still booting is fine: this thread does the work until the workers join.
  const pool = options.pool ?? sharedPool(threads);
  const sharedData = toShared(data);
  const exec = pool.attach(createWorkspace(sharedData, n, d, k, { shared: true, generic: options.genericKernels }));
  try {
    const initial = rowsToCentroids(sharedData, d, seedIndices(exec, k, rng, trials));
    const opts = { ...options, initial };
    checkOptions(sharedData, n, d, opts, true);
    return { ...iterate(exec, opts), initial };
  } finally {
    exec.detach();
  }
}
