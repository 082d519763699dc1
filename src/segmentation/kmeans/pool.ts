// A reusable pool of k-means worker threads and the executor that splits each phase across them; fully synchronous.
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import type { Executor } from './executor.ts';
import { workChunks } from './phases.ts';
import { CTRL, PHASE, describe, type Workspace } from './workspace.ts';
import type { BootData, RunMessage } from './worker.ts';

const BOOT = new URL('./worker-boot.mjs', import.meta.url);
/** Booting takes ~0.4-1 s (tsx's register() starts a loader per thread); more than this means something hangs. */
const BOOT_TIMEOUT_MS = 120_000;

/**
 * Worker threads for k-means, driven through shared memory only, so every call is synchronous (the segmentation job
 * that calls k-means is itself a synchronous worker). create() returns at once and the workers boot in the
 * background; nothing waits for them: the caller's thread works through the chunks alone until a worker joins.
 * Idle workers are unref'd, so a forgotten pool does not keep the process alive. One run at a time per pool.
 */
export class KMeansWorkerPool {
  private busy = false;
  private closed = false;
  private helped = 0;
  private booted = false;

  private constructor(
    private readonly workers: Worker[],
    private readonly bootFlags: Int32Array,
    private readonly errorPorts: MessagePort[],
  ) {}

  /** A pool for `threads` threads in total: the caller's thread plus threads - 1 workers (none for threads = 1). */
  static create(threads: number): KMeansWorkerPool {
    if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`threads must be an integer >= 1, got ${threads}`);
    const flags = new Int32Array(new SharedArrayBuffer(4 * Math.max(1, threads - 1)));
    const workers: Worker[] = [];
    const ports: MessagePort[] = [];
    for (let slot = 0; slot < threads - 1; slot++) {
      const { port1, port2 } = new MessageChannel();
      const data: BootData = { boot: flags.buffer as SharedArrayBuffer, slot, errors: port2 };
      const w = new Worker(BOOT, { workerData: data, transferList: [port2] });
      // An 'error' event can only fire once the caller yields; the boot flag and error port carry failures meanwhile.
      w.on('error', () => {});
      w.unref();
      port1.unref();
      workers.push(w);
      ports.push(port1);
    }
    return new KMeansWorkerPool(workers, flags, ports);
  }

  get threads(): number {
    return this.workers.length + 1;
  }

  /** Chunks of work the workers (rather than the calling thread) have run, over all finished runs. */
  get chunksByWorkers(): number {
    return this.helped;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** True once every worker has booted (never blocks). */
  get ready(): boolean {
    if (!this.booted) this.booted = this.bootFlags.every((f, i) => i >= this.workers.length || f === 1);
    return this.booted;
  }

  /** Blocks until every worker has booted; throws if one failed. */
  waitReady(): void {
    if (this.ready) return;
    for (let i = 0; i < this.workers.length; i++) {
      const r = Atomics.wait(this.bootFlags, i, 0, BOOT_TIMEOUT_MS);
      const flag = Atomics.load(this.bootFlags, i);
      if (flag === 1) continue;
      // A pool with a dead worker is useless; closing it also makes sharedPool() build a fresh one next time.
      void this.close();
      throw new Error(`k-means worker ${i + 1} failed to start${r === 'timed-out' ? ' (timed out)' : ''}: ${this.drainErrors() || 'no message'}`);
    }
    this.booted = true;
  }

  /**
   * Hands `ws` (shared memory) to the workers and returns at once; detach() the executor when done. Throws if a
   * worker has failed to boot (the pool is then closed, and sharedPool() makes a new one next time).
   */
  attach(ws: Workspace): PoolExecutor {
    if (this.closed) throw new Error('KMeansWorkerPool is closed');
    if (this.busy) throw new Error('KMeansWorkerPool is already running a k-means job');
    if (this.workers.length > 0 && !(ws.ctrl.buffer instanceof SharedArrayBuffer)) throw new Error('a pool needs a shared-memory workspace');
    const failed = this.bootFlags.findIndex((f, i) => i < this.workers.length && f === -1);
    if (failed >= 0) {
      void this.close();
      throw new Error(`k-means worker ${failed + 1} failed to start: ${this.drainErrors() || 'no message'}`);
    }
    this.busy = true;
    const desc = describe(ws);
    for (const w of this.workers) w.postMessage({ type: 'run', desc } satisfies RunMessage);
    return new PoolExecutor(
      ws,
      () => this.drainErrors(),
      () => {
        this.busy = false;
        this.helped += Atomics.load(ws.ctrl, CTRL.HELPED);
      },
    );
  }

  private drainErrors(): string {
    const out: string[] = [];
    for (const p of this.errorPorts) for (let m = receiveMessageOnPort(p); m; m = receiveMessageOnPort(p)) out.push(String(m.message));
    return out.join('\n');
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.errorPorts) p.close();
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/** Posts each phase through `ctrl`, works on it like any worker, then waits only for chunks still in flight. */
export class PoolExecutor implements Executor {
  private detached = false;
  private failure: unknown;

  constructor(
    readonly ws: Workspace,
    private readonly errors: () => string,
    private readonly onDetach: () => void,
  ) {}

  run(phase: number, arg = 0): void {
    if (this.detached) throw new Error('executor is detached');
    const ctrl = this.ws.ctrl;
    // Order matters (see workChunks): phase and argument first, then DONE, and NEXT last, which opens the phase.
    Atomics.store(ctrl, CTRL.PHASE, phase);
    Atomics.store(ctrl, CTRL.ARG, arg);
    Atomics.store(ctrl, CTRL.DONE, 0);
    Atomics.store(ctrl, CTRL.NEXT, 0);
    Atomics.add(ctrl, CTRL.GEN, 1);
    Atomics.notify(ctrl, CTRL.GEN);
    workChunks(
      this.ws,
      (e) => {
        this.failure ??= e;
      },
      false,
    );
    const chunks = this.ws.chunks;
    for (;;) {
      const done = Atomics.load(ctrl, CTRL.DONE);
      if (done >= chunks) break;
      Atomics.wait(ctrl, CTRL.DONE, done);
    }
    if (Atomics.load(ctrl, CTRL.ERROR) !== 0) {
      this.detach();
      if (this.failure !== undefined) throw this.failure;
      throw new Error(`k-means worker failed: ${this.errors() || 'no message'}`);
    }
  }

  /** Ends the run: workers go back to their event loop, ready for the next attach(). Idempotent. */
  detach(): void {
    if (this.detached) return;
    this.detached = true;
    Atomics.store(this.ws.ctrl, CTRL.PHASE, PHASE.STOP);
    Atomics.add(this.ws.ctrl, CTRL.GEN, 1);
    Atomics.notify(this.ws.ctrl, CTRL.GEN);
    this.onDetach();
  }
}

const shared = new Map<number, KMeansWorkerPool>();

/**
 * The calling thread's pool for `threads` threads, created on first use and kept: worker boot is paid once per
 * thread, not per k-means call.
 */
export function sharedPool(threads: number): KMeansWorkerPool {
  let p = shared.get(threads);
  if (!p || p.isClosed) {
    p = KMeansWorkerPool.create(threads);
    shared.set(threads, p);
  }
  return p;
}

/** Terminates the pools sharedPool() created (tests, benchmarks, shutdown). */
export async function closeSharedPools(): Promise<void> {
  const pools = [...shared.values()];
  shared.clear();
  await Promise.all(pools.map((p) => p.close()));
}
