// Worker side of the k-means pool: waits on the shared control word and runs its share of each posted phase.
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { runPhase } from './kernels.ts';
import { CTRL, PHASE, fromDescriptor, type WorkspaceDescriptor } from './workspace.ts';

export interface RunMessage {
  type: 'run';
  desc: WorkspaceDescriptor;
}

export interface BootData {
  /** Int32Array slots, one per worker: 0 booting, 1 ready, -1 failed. */
  boot: SharedArrayBuffer;
  slot: number;
  /** Errors go here: the pool drains it synchronously (receiveMessageOnPort) since it never yields while waiting. */
  errors: MessagePort;
}

const port = parentPort;
if (!port) throw new Error('kmeans worker.ts must run in a worker thread');
const { boot, slot, errors } = workerData as BootData;

function describeError(e: unknown): string {
  return e instanceof Error ? (e.stack ?? e.message) : String(e);
}

port.on('message', (msg: RunMessage) => {
  if (msg.type !== 'run') return;
  const ws = fromDescriptor(msg.desc);
  const ctrl = ws.ctrl;
  let gen = Atomics.load(ctrl, CTRL.GEN);
  Atomics.add(ctrl, CTRL.READY, 1);
  Atomics.notify(ctrl, CTRL.READY);
  // Block this worker's event loop for the whole run: phases are dispatched through shared memory (a futex wake,
  // tens of microseconds) rather than messages, which matters at ~100 iterations of a few milliseconds each.
  for (;;) {
    Atomics.wait(ctrl, CTRL.GEN, gen);
    gen = Atomics.load(ctrl, CTRL.GEN);
    const phase = Atomics.load(ctrl, CTRL.PHASE);
    if (phase !== PHASE.STOP) {
      try {
        runPhase(ws, true);
      } catch (e) {
        errors.postMessage(describeError(e));
        Atomics.store(ctrl, CTRL.ERROR, 1);
      }
    }
    Atomics.add(ctrl, CTRL.DONE, 1);
    Atomics.notify(ctrl, CTRL.DONE);
    if (phase === PHASE.STOP) break;
  }
});

const flags = new Int32Array(boot);
Atomics.store(flags, slot, 1);
Atomics.notify(flags, slot);
