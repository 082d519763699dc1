// Flat typed-array state shared by the k-means driver and its worker threads; allocated once per run, never per point.

/**
 * Points are processed in fixed chunks of this many rows. Threads take chunks from a shared counter (so a thread
 * that the OS preempts does not hold up the others), partial sums (k-means++ potentials) are taken per chunk and
 * combined in chunk order, and moved points are recorded per chunk: every floating-point sum is added in the same
 * order whatever the thread count or schedule, so results are bit-identical for threads = 1, 2, ...
 */
export const CHUNK = 1024;

/**
 * Control-word slots in `ctrl` (an Int32Array over a SharedArrayBuffer when workers are used): GEN is bumped to
 * wake workers, PHASE/ARG say what to run, NEXT hands out chunks, DONE counts finished chunks, ERROR flags a failure,
 * HELPED counts chunks that workers (not the caller) ran: a statistic, nothing depends on it.
 */
export const CTRL = { GEN: 0, PHASE: 1, ARG: 2, NEXT: 3, DONE: 4, ERROR: 5, HELPED: 6, SIZE: 8 } as const;

export const PHASE = { FULL_ASSIGN: 1, HAMERLY: 2, PP_INIT: 3, PP_UPDATE: 4, PP_POTS: 5, STOP: 6 } as const;

/** Most k-means++ candidates tried per centre (greedy k-means++ uses 2 + floor(ln k), i.e. 9 for k = 1000). */
export const MAX_TRIALS = 16;

export interface Workspace {
  readonly n: number;
  readonly d: number;
  readonly k: number;
  readonly chunks: number;
  /** Use the generic kernels instead of the ones compiled for d (for tests: both must agree bit for bit). */
  readonly generic: boolean;
  /** n×d row-major points. */
  readonly data: Float64Array;
  /** k×d current centroids. */
  readonly centroids: Float64Array;
  /** Per centroid: half the distance to its nearest other centroid (Hamerly's s(j)). */
  readonly half: Float64Array;
  /** Per centroid: how far it moved in the last update (Euclidean, not squared). */
  readonly drift: Float64Array;
  /** Per centroid j, the other centroids nearest first (k-1 each), and their distances from j. */
  readonly nbIdx: Int32Array;
  readonly nbDist: Float64Array;
  /** [largest drift, second largest drift, index of the largest]: the lower-bound decrement per point. */
  readonly driftMax: Float64Array;
  readonly assign: Int32Array;
  /** Upper bound on the distance from each point to its assigned centroid. */
  readonly upper: Float64Array;
  /** Lower bound on the distance from each point to its second-closest centroid. */
  readonly lower: Float64Array;
  /** Points that changed cluster, written from the start of their chunk, in index order. */
  readonly movedIdx: Int32Array;
  readonly movedFrom: Int32Array;
  /** Per chunk: how many of its points moved in the last Hamerly step. */
  readonly chunkMoves: Int32Array;
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
  generic: boolean;
  buffers: Record<BufferName, ArrayBufferLike>;
  /** Byte offset and length (in elements) of `data` inside its buffer: the caller's array may be a view. */
  dataOffset: number;
}

type BufferName = Exclude<keyof Workspace, 'n' | 'd' | 'k' | 'chunks' | 'generic'>;

export function chunkCount(n: number): number {
  return Math.ceil(n / CHUNK);
}

export interface WorkspaceOptions {
  /** Every array in a SharedArrayBuffer, for workers; `data` must then be shared already (see toShared). */
  shared: boolean;
  /** Allocate the k-means++ arrays (default true). */
  init?: boolean;
  /** Allocate the per-point iteration arrays (default true). */
  iterate?: boolean;
  generic?: boolean;
}

/** Allocates the state for one run (about 45 bytes per point besides the data). */
export function createWorkspace(data: Float64Array, n: number, d: number, k: number, o: WorkspaceOptions): Workspace {
  const parts = { init: o.init ?? true, iterate: o.iterate ?? true };
  const B = o.shared ? SharedArrayBuffer : ArrayBuffer;
  const f64 = (len: number) => new Float64Array(new B(Math.max(1, len) * 8));
  const i32 = (len: number) => new Int32Array(new B(Math.max(1, len) * 4));
  const chunks = chunkCount(n);
  // Arrays of a part that is not run stay one element long: 36 bytes per point saved for a k-means++-only call.
  const it = parts.iterate ? n : 0;
  const pp = parts.init ? n : 0;
  const ws: Workspace = {
    n,
    d,
    k,
    chunks,
    generic: o.generic === true,
    data,
    centroids: f64(k * d),
    half: f64(k),
    drift: f64(k),
    driftMax: f64(3),
    nbIdx: i32(k * (k - 1)),
    nbDist: f64(k * (k - 1)),
    assign: i32(it),
    upper: f64(it),
    lower: f64(it),
    movedIdx: i32(it),
    movedFrom: i32(it),
    chunkMoves: i32(parts.iterate ? chunks : 0),
    closest: f64(pp),
    chunkSum: f64(chunks),
    candPot: f64(chunks * MAX_TRIALS),
    candidates: i32(MAX_TRIALS),
    ctrl: i32(CTRL.SIZE),
  };
  // No phase is open until the first post: a worker that attaches early finds no chunk to claim.
  ws.ctrl[CTRL.NEXT] = chunks;
  return ws;
}

const NAMES: BufferName[] = [
  'data',
  'centroids',
  'half',
  'drift',
  'nbIdx',
  'nbDist',
  'driftMax',
  'assign',
  'upper',
  'lower',
  'movedIdx',
  'movedFrom',
  'chunkMoves',
  'closest',
  'chunkSum',
  'candPot',
  'candidates',
  'ctrl',
];

export function describe(ws: Workspace): WorkspaceDescriptor {
  const buffers = {} as Record<BufferName, ArrayBufferLike>;
  for (const name of NAMES) buffers[name] = ws[name].buffer;
  return { n: ws.n, d: ws.d, k: ws.k, generic: ws.generic, buffers, dataOffset: ws.data.byteOffset };
}

/** Rebuilds the views in a worker; the buffers are the same shared memory, so nothing is copied. */
export function fromDescriptor(desc: WorkspaceDescriptor): Workspace {
  const b = desc.buffers;
  const f64 = (name: BufferName) => new Float64Array(b[name]);
  const i32 = (name: BufferName) => new Int32Array(b[name]);
  return {
    n: desc.n,
    d: desc.d,
    k: desc.k,
    chunks: chunkCount(desc.n),
    generic: desc.generic,
    data: new Float64Array(b.data, desc.dataOffset, desc.n * desc.d),
    centroids: f64('centroids'),
    half: f64('half'),
    drift: f64('drift'),
    driftMax: f64('driftMax'),
    nbIdx: i32('nbIdx'),
    nbDist: f64('nbDist'),
    assign: i32('assign'),
    upper: f64('upper'),
    lower: f64('lower'),
    movedIdx: i32('movedIdx'),
    movedFrom: i32('movedFrom'),
    chunkMoves: i32('chunkMoves'),
    closest: f64('closest'),
    chunkSum: f64('chunkSum'),
    candPot: f64('candPot'),
    candidates: i32('candidates'),
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
