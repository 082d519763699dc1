// Kernels specialised to the dimension d: the distance loop fully unrolled, the point held in locals (2-2.5× faster).
import type { Kernels } from './kernels.ts';
import { CHUNK, MAX_TRIALS } from './workspace.ts';

/**
 * V8 cannot keep a point's coordinates in registers across the k centroid distances when d is a loop bound, and
 * pays a loop and bounds check per coordinate. Generating the loop body for the actual d fixes both. The generated
 * code adds the squared differences in the same order with one accumulator, so it is bit-identical to the generic
 * kernels in kernels.ts (and to ml-kmeans' squaredEuclidean); tests compare the two. Above MAX_CODEGEN_D the
 * generated source would get large for little gain, and the generic kernels are used.
 */
export const MAX_CODEGEN_D = 64;

const range = (d: number) => Array.from({ length: d }, (_, t) => t);

/** `const x0 = data[xb + 0]; ...`: the point's coordinates in locals. */
const loadPoint = (d: number, v: string, arr: string, base: string) =>
  range(d)
    .map((t) => `const ${v}${t} = ${arr}[${base} + ${t}];`)
    .join(' ');

/** `s = sum_t (v_t - arr[base + t])²`, one accumulator, in dimension order. */
const dist = (d: number, v: string, arr: string, base: string) =>
  range(d)
    .map((t) => `e = ${v}${t} - ${arr}[${base} + ${t}]; s ${t === 0 ? '=' : '+='} e * e;`)
    .join(' ');

/** Distance from the point in x-locals to every centroid, keeping the best and second best (first index on ties). */
const nearestTwo = (d: number) => `
    let best = Infinity, second = Infinity, bi = 0;
    for (let j = 0, cb = 0; j < k; j++, cb += ${d}) {
      let e, s; ${dist(d, 'x', 'c', 'cb')}
      if (s < best) { second = best; best = s; bi = j; } else if (s < second) second = s;
    }`;

function fullAssignSource(d: number): string {
  return `
  const data = ws.data, c = ws.centroids, assign = ws.assign, upper = ws.upper, lower = ws.lower, k = ws.k;
  for (let i = from; i < to; i++) {
    const xb = i * ${d}; ${loadPoint(d, 'x', 'data', 'xb')}
    ${nearestTwo(d)}
    assign[i] = bi; upper[i] = Math.sqrt(best); lower[i] = Math.sqrt(second);
  }`;
}

function hamerlySource(d: number): string {
  return `
  const data = ws.data, c = ws.centroids, assign = ws.assign, upper = ws.upper, lower = ws.lower, k = ws.k;
  const half = ws.half, drift = ws.drift, movedIdx = ws.movedIdx, movedFrom = ws.movedFrom;
  const nbIdx = ws.nbIdx, nbDist = ws.nbDist, km1 = k - 1;
  const p1 = ws.driftMax[0], p2 = ws.driftMax[1], r = ws.driftMax[2] | 0;
  let moves = 0;
  for (let i = from; i < to; i++) {
    const a = assign[i];
    let u = upper[i] + drift[a];
    const l = lower[i] - (a === r ? p2 : p1);
    const h = half[a];
    const lim = Math.max(h, l) * SAFE;
    if (u < lim) { upper[i] = u; lower[i] = l; continue; }
    const xb = i * ${d}; ${loadPoint(d, 'x', 'data', 'xb')}
    let sa; { const cb = a * ${d}; let e, s; ${dist(d, 'x', 'c', 'cb')} sa = s; }
    u = Math.sqrt(sa);
    if (u < lim) { upper[i] = u; lower[i] = l; continue; }
    let best = sa, second = Infinity, bi = a;
    for (let q = a * km1, end = q + km1; q < end; q++) {
      const g = nbDist[q] - u;
      if (g > 0 && g * g * SAFE > second) break;
      const j = nbIdx[q], cb = j * ${d};
      let e, s; ${dist(d, 'x', 'c', 'cb')}
      if (s < best || (s === best && j < bi)) { second = best; best = s; bi = j; } else if (s < second) second = s;
    }
    upper[i] = Math.sqrt(best); lower[i] = Math.sqrt(second);
    if (bi !== a) { assign[i] = bi; movedIdx[from + moves] = i; movedFrom[from + moves] = a; moves++; }
  }
  return moves;`;
}

function ppUpdateSource(d: number): string {
  return `
  const data = ws.data, closest = ws.closest, chunkSum = ws.chunkSum;
  const yb = center * ${d}; ${loadPoint(d, 'y', 'data', 'yb')}
  for (let c0 = from; c0 < to; c0 += ${CHUNK}) {
    const end = Math.min(to, c0 + ${CHUNK});
    let sum = 0;
    for (let i = c0; i < end; i++) {
      const xb = i * ${d}; let e, s; ${range(d)
        .map((t) => `e = data[xb + ${t}] - y${t}; s ${t === 0 ? '=' : '+='} e * e;`)
        .join(' ')}
      if (!first) { const old = closest[i]; if (old < s) s = old; }
      closest[i] = s; sum += s;
    }
    chunkSum[c0 / ${CHUNK}] = sum;
  }`;
}

function ppPotsSource(d: number): string {
  return `
  const data = ws.data, closest = ws.closest, candPot = ws.candPot, candidates = ws.candidates;
  for (let c0 = from; c0 < to; c0 += ${CHUNK}) {
    const end = Math.min(to, c0 + ${CHUNK});
    const base = (c0 / ${CHUNK}) * ${MAX_TRIALS};
    for (let t = 0; t < nCand; t++) {
      const yb = candidates[t] * ${d}; ${loadPoint(d, 'y', 'data', 'yb')}
      let sum = 0;
      for (let i = c0; i < end; i++) {
        const xb = i * ${d}; let e, s; ${range(d)
          .map((q) => `e = data[xb + ${q}] - y${q}; s ${q === 0 ? '=' : '+='} e * e;`)
          .join(' ')}
        const old = closest[i]; sum += s < old ? s : old;
      }
      candPot[base + t] = sum;
    }
  }`;
}

/** Compiles the four kernels for dimension d (1 <= d <= MAX_CODEGEN_D). `safe` is the bound-test margin. */
export function compileKernels(d: number, safe: number): Kernels {
  if (!Number.isInteger(d) || d < 1 || d > MAX_CODEGEN_D) throw new RangeError(`codegen supports 1 <= d <= ${MAX_CODEGEN_D}`);
  // new Function only sees globals, so constants are passed through a factory's parameters.
  const make = (params: string, body: string) => new Function('SAFE', `"use strict"; return function (${params}) {${body}\n};`)(safe) as never;
  return {
    fullAssign: make('ws, from, to', fullAssignSource(d)),
    hamerly: make('ws, from, to', hamerlySource(d)),
    ppUpdate: make('ws, from, to, center, first', ppUpdateSource(d)),
    ppPots: make('ws, from, to, nCand', ppPotsSource(d)),
  };
}
