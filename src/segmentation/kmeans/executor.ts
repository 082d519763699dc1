// How the drivers run a phase over all points: inline on the caller's thread, or split across a worker pool.
import { runPhaseLocal } from './phases.ts';
import { CTRL, type Workspace } from './workspace.ts';

/**
 * The k-means++ and Hamerly drivers are written once against this: they post a phase, it runs to completion on
 * every thread, and its outputs are in the workspace when run() returns. run() is synchronous in both executors
 * (the parallel one blocks on Atomics.wait), so the drivers need no async plumbing.
 */
export interface Executor {
  readonly ws: Workspace;
  run(phase: number, arg?: number): void;
}

/** threads = 1: the phase runs inline; no workers, no shared memory needed. */
export class LocalExecutor implements Executor {
  constructor(readonly ws: Workspace) {}

  run(phase: number, arg = 0): void {
    this.ws.ctrl[CTRL.PHASE] = phase;
    this.ws.ctrl[CTRL.ARG] = arg;
    runPhaseLocal(this.ws);
  }
}
