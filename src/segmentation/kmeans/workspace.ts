// Flat typed-array state shared by the k-means driver and its worker threads; allocated once per run, never per point.

/**
 * Points are processed in fixed chunks of this many rows. Partial sums (k-means++ potentials) are taken per chunk and
 * combined in chunk order, and threads receive whole chunks, so every floating-point sum is added in the same order
 * whatever the thread count: results are bit-identical for threads = 1, 2, ...
 */
export const CHUNK = 1024;

/** Control-word slots in `ctrl` (an Int32Array over a SharedArrayBuffer when workers are used). */
export const CTRL = { GEN: 0, PHASE: 1, DONE: 2, ARG: 3, ERROR: 4, READY: 5, MOVES: 8 } as const;


export const PHASE = { FULL_ASSIGN: 1, HAMERLY: 2, PP_INIT: 3, PP_UPDATE: 4, PP_POTS: 5, STOP: 6 } as const;

/** Most k-means++ candidates tried per centre (greedy k-means++ uses 2 + floor(ln k), i.e. 9 for k = 1000). */
export const MAX_TRIALS = 16;

export interface Workspace {
  readonly n: number;
  readonly d: number;
  readonly k: number;
  readonly threads: number;
  readonly chunks: number;
  /** n×d row-major points. */
  readonly data: Float64Array;
  /** k×d current centroids. */
  readonly centroids: Float64Array;
  /** Per centroid: half the distance to its nearest other centroid (Hamerly's s(j)). */
  readonly half: Float64Array;
  /** Per centroid: how far it moved in the last update (Euclidean, not squared). */
  readonly drift: Float64Array;
  /** [largest drift, second largest drift, index of the largest]: the lower-bound decrement per point. */
  readonly driftMax: Float64Array;
  readonly assign: Int32Array;
  /** Upper bound on the distance from each point to its assigned centroid. */
  readonly upper: Float64Array;
  /** Lower bound on the distance from each point to its second-closest centroid. */
  readonly lower: Float64Array;
  /** Points that changed cluster, written by each thread from the start of its own range, in index order. */
  readonly movedIdx: Int32Array;
  readonly movedFrom: Int32Array;
  /** k-means++: squared distance of each point to its closest chosen centre. */
  readonly closest: Float64Array;
  /** k-means++: per-chunk sum of `closest`. */
  readonly chunkSum: Float64Array;
  /** k-means++: per chunk × candidate, the potential if that candidate were added. */
  readonly candPot: Float64Array;
  /** k-means++: row indices of the current candidates. */
  readonly candidates: Int32Array;
  readonly ctrl: Int32Array;
}

/** Everything a worker needs to rebuild the same views: the buffers plus the shape. */
export interface WorkspaceDescriptor {
  n: number;
  d: number;
  k: number;
  threads: number;
  buffers: Record<BufferName, ArrayBufferLike>;
  /** Byte offset and length (in elements) of `data` inside its buffer: the caller's array may be a view. */
  dataOffset: number;
}

type BufferName = Exclude<keyof Workspace, 'n' | 'd' | 'k' | 'threads' | 'chunks'>;

export function chunkCount(n: number): number {
  return Math.ceil(n / CHUNK);
}

/** Point range [from, to) of thread `t` of `threads`: whole chunks, split as evenly as possible. */
export function threadRange(n: number, threads: number, t: number): [number, number] {
  const chunks = chunkCount(n);
  const c0 = Math.floor((t * chunks) / threads);
  const c1 = Math.floor(((t + 1) * chunks) / threads);
  return [Math.min(n, c0 * CHUNK), Math.min(n, c1 * CHUNK)];
}

/**
 * Allocates the state for one run. With `shared`, every array lives in a SharedArrayBuffer so workers can use it
 * without copying; `data` must then already be shared (see toShared).
 */
export function createWorkspace(
  data: Float64Array, n: number, d: number, k: number, threads: number, shared: boolean,
  parts: { init: boolean; iterate: boolean } = { init: true, iterate: true },
): Workspace {
  const B = shared ? SharedArrayBuffer : ArrayBuffer;
  const f64 = (len: number) => new Float64Array(new B(Math.max(1, len) * 8));
  const i32 = (len: number) => new Int32Array(new B(Math.max(1, len) * 4));
  const chunks = chunkCount(n);
  // Arrays of a part that is not run stay one element long: 36 bytes per point saved for a k-means++-only call.
  const it = parts.iterate ? n : 0;
  const pp = parts.init ? n : 0;
  return {
    n, d, k, threads, chunks, data,
    centroids: f64(k * d),
    half: f64(k),
    drift: f64(k),
    driftMax: f64(3),
    assign: i32(it),
    upper: f64(it),
    lower: f64(it),
    movedIdx: i32(it),
    movedFrom: i32(it),
    closest: f64(pp),
    chunkSum: f64(chunks),
    candPot: f64(chunks * MAX_TRIALS),
    candidates: i32(MAX_TRIALS),
    ctrl: i32(CTRL.MOVES + threads),
  };
}

const NAMES: BufferName[] = [
  'data', 'centroids', 'half', 'drift', 'driftMax', 'assign', 'upper', 'lower',
  'movedIdx', 'movedFrom', 'closest', 'chunkSum', 'candPot', 'candidates', 'ctrl',
];

export function describe(ws: Workspace): WorkspaceDescriptor {
  const buffers = {} as Record<BufferName, ArrayBufferLike>;
  for (const name of NAMES) buffers[name] = ws[name].buffer;
  return { n: ws.n, d: ws.d, k: ws.k, threads: ws.threads, buffers, dataOffset: ws.data.byteOffset };
}

/** Rebuilds the views in a worker; the buffers are the same shared memory, so nothing is copied. */
export function fromDescriptor(desc: WorkspaceDescriptor): Workspace {
  const b = desc.buffers;
  const f64 = (name: BufferName) => new Float64Array(b[name]);
  const i32 = (name: BufferName) => new Int32Array(b[name]);
  return {
    n: desc.n, d: desc.d, k: desc.k, threads: desc.threads, chunks: chunkCount(desc.n),
    data: new Float64Array(b.data, desc.dataOffset, desc.n * desc.d),
    centroids: f64('centroids'), half: f64('half'), drift: f64('drift'), driftMax: f64('driftMax'),
    assign: i32('assign'), upper: f64('upper'), lower: f64('lower'),
    movedIdx: i32('movedIdx'), movedFrom: i32('movedFrom'),
    closest: f64('closest'), chunkSum: f64('chunkSum'), candPot: f64('candPot'), candidates: i32('candidates'),
    ctrl: i32('ctrl'),
  };
}

/** `data` itself if it already lives in shared memory, else a shared copy (one n×d copy, needed for workers). */
export function toShared(data: Float64Array): Float64Array {
  if (data.buffer instanceof SharedArrayBuffer) return data;
  const out = new Float64Array(new SharedArrayBuffer(data.length * 8));
  out.set(data);
  return out;
}

/** Allocates an n×d Float64Array in shared memory, so a caller can fill it once and hand it to workers copy-free. */
export function allocSharedMatrix(n: number, d: number): Float64Array {
  return new Float64Array(new SharedArrayBuffer(Math.max(1, n * d) * 8), 0, n * d);
}
