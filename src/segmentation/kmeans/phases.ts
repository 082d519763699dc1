// Runs a posted phase over all chunks: alone in order, or by claiming chunks from a counter shared with workers.
import { MAX_CODEGEN_D, compileKernels } from './codegen.ts';
import { SAFE, fullAssignRange, hamerlyRange, ppPotsRange, ppUpdateRange, type Kernels } from './kernels.ts';
import { CHUNK, CTRL, PHASE, type Workspace } from './workspace.ts';

export const GENERIC_KERNELS: Kernels = {
  fullAssign: fullAssignRange,
  hamerly: hamerlyRange,
  ppUpdate: ppUpdateRange,
  ppPots: ppPotsRange,
};

const compiled = new Map<number, Kernels>();

/** Kernels for dimension d: compiled once per d and thread; `generic` forces the reference loops (tests). */
export function kernelsFor(d: number, generic = false): Kernels {
  if (generic || d > MAX_CODEGEN_D) return GENERIC_KERNELS;
  let ks = compiled.get(d);
  if (!ks) {
    try {
      ks = compileKernels(d, SAFE);
    } catch {
      ks = GENERIC_KERNELS; // e.g. node --disallow-code-generation-from-strings: slower, same results
    }
    compiled.set(d, ks);
  }
  return ks;
}

function runChunk(ws: Workspace, ks: Kernels, phase: number, arg: number, c: number): void {
  const from = c * CHUNK;
  const to = Math.min(ws.n, from + CHUNK);
  switch (phase) {
    case PHASE.FULL_ASSIGN:
      ks.fullAssign(ws, from, to);
      break;
    case PHASE.HAMERLY:
      ws.chunkMoves[c] = ks.hamerly(ws, from, to);
      break;
    case PHASE.PP_INIT:
    case PHASE.PP_UPDATE:
      ks.ppUpdate(ws, from, to, arg, phase === PHASE.PP_INIT);
      break;
    case PHASE.PP_POTS:
      ks.ppPots(ws, from, to, arg);
      break;
    default:
      throw new Error(`unknown k-means phase ${phase}`);
  }
}

/** Runs the phase posted in ws.ctrl over every chunk, in order, on this thread alone. */
export function runPhaseLocal(ws: Workspace): void {
  const ks = kernelsFor(ws.d, ws.generic);
  const phase = ws.ctrl[CTRL.PHASE]!;
  const arg = ws.ctrl[CTRL.ARG]!;
  for (let c = 0; c < ws.chunks; c++) runChunk(ws, ks, phase, arg, c);
}

/**
 * Claims chunks of the open phase from ctrl[NEXT] and runs them until none is left; the caller's thread and every
 * worker run this. The phase and its argument are read after each claim: the poster writes them before it resets
 * NEXT and leaves them alone until all chunks are done (ctrl[DONE] = chunks), so a claimed chunk always runs with its
 * own phase, even on a worker that woke up late. No thread ever waits for another to start, only for chunks in
 * flight: a worker that is still booting or was preempted costs nothing but its share of the work.
 */
export function workChunks(ws: Workspace, onError: (e: unknown) => void, isWorker: boolean): void {
  const ks = kernelsFor(ws.d, ws.generic);
  const ctrl = ws.ctrl;
  for (;;) {
    const c = Atomics.add(ctrl, CTRL.NEXT, 1);
    if (c >= ws.chunks) return;
    if (isWorker) Atomics.add(ctrl, CTRL.HELPED, 1);
    try {
      runChunk(ws, ks, Atomics.load(ctrl, CTRL.PHASE), Atomics.load(ctrl, CTRL.ARG), c);
    } catch (e) {
      Atomics.store(ctrl, CTRL.ERROR, 1);
      onError(e);
    }
    // Counted even after a failure, so the poster never waits for a chunk that will not come.
    if (Atomics.add(ctrl, CTRL.DONE, 1) + 1 === ws.chunks) Atomics.notify(ctrl, CTRL.DONE);
  }
}
