// Public API of the k-means engine: seeded k-means++, exact Hamerly k-means (optionally multi-threaded), silhouette.
export { createRng, Sfc32, type Rng } from './rng.ts';
export { kmeansPlusPlus, greedyKmeansPlusPlus, defaultTrials } from './kmeans-plus-plus.ts';
export { kmeans, type KMeansOptions, type KMeansResult } from './hamerly.ts';
export { fitKMeans, type FitOptions, type FitResult } from './fit.ts';
export { silhouetteSample, chooseK, sampleIndices, type ChooseKOptions, type ChooseKResult } from './silhouette.ts';
export { KMeansWorkerPool, sharedPool, closeSharedPools } from './pool.ts';
export { allocSharedMatrix } from './workspace.ts';
