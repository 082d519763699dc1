// Worker side of the k-means pool: joins each posted phase through shared memory and claims chunks of it.
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { workChunks } from './phases.ts';
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
const report = (e: unknown) => errors.postMessage(e instanceof Error ? (e.stack ?? e.message) : String(e));

port.on('message', (msg: RunMessage) => {
  if (msg.type !== 'run') return;
  const ws = fromDescriptor(msg.desc);
  const ctrl = ws.ctrl;
  // Block this worker's event loop for the whole run: phases are posted through shared memory (a futex wake, tens
  // of microseconds) rather than messages, which matters at ~100 iterations of a few milliseconds each. A run that
  // ended before this worker got here (it was booting) shows STOP at once.
  let seen = Atomics.load(ctrl, CTRL.GEN);
  for (;;) {
    if (Atomics.load(ctrl, CTRL.PHASE) === PHASE.STOP) break;
    workChunks(ws, report, true);
    Atomics.wait(ctrl, CTRL.GEN, seen);
    seen = Atomics.load(ctrl, CTRL.GEN);
  }
});

const flags = new Int32Array(boot);
Atomics.store(flags, slot, 1);
Atomics.notify(flags, slot);
