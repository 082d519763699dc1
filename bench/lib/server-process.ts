// Runs benchmark servers in a child process (its own event loop, optionally its own CPU) and talks to it over IPC.
//
// Parent side: `spawnServerProcess(entry, init)` starts `node --import tsx <entry>`, sends `init`, waits for the
// child's `info`, lets the parent `call` named methods (stats...) and `stop()`s it: graceful close, then SIGKILL by
// PID if it does not exit in time. Child side: the entry file calls `hostServers(setup)`.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { serve } from '@hono/node-server';
import type { Server } from 'node:http';

type ToChild = { type: 'init'; init: unknown } | { type: 'call'; id: number; method: string; arg?: unknown } | { type: 'stop' };
type ToParent =
  | { type: 'ready'; info: unknown }
  | { type: 'failed'; message: string }
  | { type: 'reply'; id: number; ok: true; result: unknown }
  | { type: 'reply'; id: number; ok: false; message: string }
  | { type: 'stopped' };

export const REPO_ROOT = path.resolve(import.meta.dirname, '../..');

/** Built into every server process: its process.cpuUsage() (all threads, microseconds). */
const CPU_METHOD = '__cpuUsage';

export interface ServerProcess<TInfo> {
  pid: number;
  info: TInfo;
  call<T = unknown>(method: string, arg?: unknown): Promise<T>;
  /** The server process's CPU time so far (user + system, all threads), in microseconds. */
  cpuMicros(): Promise<number>;
  /** Graceful stop; kills the child by PID if it has not exited after `timeoutMs`. Idempotent. */
  stop(timeoutMs?: number): Promise<void>;
}

export interface SpawnOptions {
  /** Pin the child to this CPU with taskset (Linux); undefined: no pinning. */
  cpu?: number | undefined;
  startTimeoutMs?: number;
}

/** taskset is util-linux; absent on macOS and minimal images. */
export function tasksetAvailable(): boolean {
  try {
    execFileSync('taskset', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Pins every thread of the current process to one CPU. Returns whether it worked. */
export function pinSelf(cpu: number): boolean {
  try {
    execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

interface Live {
  kill(): void;
  stop(): Promise<void>;
}
const liveChildren = new Set<Live>();
const killAllChildren = () => {
  for (const c of liveChildren) c.kill();
};
let signalsBound = false;

/** Ctrl-C / SIGTERM: stop the servers gracefully (temp dirs removed) before leaving; tsx would exit at once. */
function bindSignals(): void {
  if (signalsBound) return;
  signalsBound = true;
  process.on('exit', killAllChildren);
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    process.on(signal, () => {
      if (liveChildren.size > 0) console.error(`\n${signal}: stopping benchmark servers`);
      void Promise.allSettled([...liveChildren].map((c) => c.stop())).then(() => process.exit(code));
    });
  }
}

export async function spawnServerProcess<TInfo>(entry: string, init: unknown, options: SpawnOptions = {}): Promise<ServerProcess<TInfo>> {
  if (!fs.existsSync(entry)) throw new Error(`no such server entry: ${entry}`);
  const nodeArgs = ['--import', 'tsx', entry];
  const [cmd, args] = options.cpu === undefined ? [process.execPath, nodeArgs] : ['taskset', ['-c', String(options.cpu), process.execPath, ...nodeArgs]];
  // taskset execs node in place, so the PID and the IPC channel (fd 3) are node's own.
  const child: ChildProcess = spawn(cmd, args, { cwd: REPO_ROOT, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const pid = child.pid ?? -1; // undefined only when the spawn fails: reported through 'error' below

  // 'exit' does not fire when the spawn itself fails ('error' alone): treat both as the end of the child.
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.on('error', () => {
      if (child.pid === undefined) resolve();
    });
  });
  let alive = true;
  void exited.then(() => {
    alive = false;
  });
  const killNow = () => {
    if (alive) {
      if (pid > 0)
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
    }
  };
  const send = (m: ToChild) => {
    if (!alive || !child.connected) throw new Error('server process is not running');
    child.send(m);
  };
  // Graceful: the child closes its servers and removes its temp dirs; SIGKILL by PID if it takes too long.
  // The process 'exit' hook (bindSignals) is the last resort: never leave a server running.
  let stopping: Promise<void> | undefined;
  const stop = (timeoutMs = 10_000) =>
    (stopping ??= (async () => {
      if (alive) {
        try {
          send({ type: 'stop' });
        } catch {
          /* channel gone: the child stops on disconnect, or is killed below */
        }
        const timer = setTimeout(killNow, timeoutMs);
        await exited;
        clearTimeout(timer);
      }
      liveChildren.delete(live);
    })());
  const live: Live = { kill: killNow, stop: () => stop() };
  liveChildren.add(live);
  bindSignals();

  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  child.on('message', (raw) => {
    const m = raw as ToParent;
    if (m.type !== 'reply') return;
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if (m.ok) p.resolve(m.result);
    else p.reject(new Error(`server process: ${m.message}`));
  });
  void exited.then(() => {
    for (const p of pending.values()) p.reject(new Error('server process exited'));
    pending.clear();
  });

  let info: TInfo;
  try {
    info = await new Promise<TInfo>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('server process did not start in time')), options.startTimeoutMs ?? 60_000);
      const onMessage = (raw: unknown) => {
        const m = raw as ToParent;
        if (m.type === 'ready' || m.type === 'failed') {
          clearTimeout(timer);
          child.off('message', onMessage);
          if (m.type === 'ready') resolve(m.info as TInfo);
          else reject(new Error(`server process failed to start: ${m.message}`));
        }
      };
      child.on('message', onMessage);
      child.once('error', (e) => {
        clearTimeout(timer);
        reject(new Error(`could not start ${cmd}: ${e.message}`));
      });
      void exited.then(() => {
        clearTimeout(timer);
        reject(new Error('server process exited during start'));
      });
      child.once('spawn', () => send({ type: 'init', init }));
    });
  } catch (e) {
    killNow();
    await exited;
    liveChildren.delete(live);
    throw e;
  }

  const call = <T>(method: string, arg?: unknown) =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      try {
        send({ type: 'call', id, method, arg });
      } catch (e) {
        pending.delete(id);
        reject(e as Error);
      }
    });
  return {
    pid,
    info,
    call,
    cpuMicros: async () => {
      const u = await call<NodeJS.CpuUsage>(CPU_METHOD);
      return u.user + u.system;
    },
    stop,
  };
}

// ---------------------------------------------------------------- child side

export interface Hosted<TInfo> {
  info: TInfo;
  methods?: Record<string, (arg: unknown) => unknown>;
  /** Closes servers and removes temp files; must leave no open handles. */
  close(): Promise<void>;
}

/** Entry point of a server process: builds the servers from the parent's init, then serves IPC calls until stopped. */
export function hostServers<TInit, TInfo>(setup: (init: TInit) => Promise<Hosted<TInfo>>): void {
  const send = process.send?.bind(process);
  if (!send) throw new Error('this file is a benchmark server process; start it through spawnServerProcess()');
  const reply = (m: ToParent) => {
    if (process.connected) send(m);
  };
  let hosted: Hosted<TInfo> | undefined;
  let closing: Promise<void> | undefined;
  const shutdown = (code: number) =>
    (closing ??= (async () => {
      try {
        await hosted?.close();
      } catch (e) {
        console.error('bench server close failed:', e);
        code = code || 1;
      }
      reply({ type: 'stopped' });
      if (process.connected) process.disconnect();
      // Nothing should be left open; if something is, do not hang the benchmark.
      setTimeout(() => process.exit(code), 2000).unref();
      process.exitCode = code;
    })());

  process.on('message', (raw) => {
    const m = raw as ToChild;
    if (m.type === 'init') {
      setup(m.init as TInit).then(
        (h) => {
          hosted = h;
          reply({ type: 'ready', info: h.info });
        },
        (e: unknown) => {
          reply({ type: 'failed', message: e instanceof Error ? (e.stack ?? e.message) : String(e) });
          void shutdown(1);
        },
      );
    } else if (m.type === 'call') {
      const fn = m.method === CPU_METHOD ? () => process.cpuUsage() : hosted?.methods?.[m.method];
      if (!fn) {
        reply({ type: 'reply', id: m.id, ok: false, message: `no method ${m.method}` });
        return;
      }
      Promise.resolve()
        .then(() => fn(m.arg))
        .then(
          (result) => reply({ type: 'reply', id: m.id, ok: true, result }),
          (e: unknown) => reply({ type: 'reply', id: m.id, ok: false, message: e instanceof Error ? e.message : String(e) }),
        );
    } else if (m.type === 'stop') {
      void shutdown(0);
    }
  });
  // Parent gone (crash, kill): clean up and leave.
  process.once('disconnect', () => void shutdown(closing ? 0 : 1));
  process.once('SIGINT', () => void shutdown(130));
  process.once('SIGTERM', () => void shutdown(143));
}

export interface Listening {
  url: string;
  close(): Promise<void>;
}

/** Serves `fetch` on 127.0.0.1 at a free port (port 0) with @hono/node-server. */
export function listenLocal(fetch: (req: Request) => Response | Promise<Response>): Promise<Listening> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, port: 0, hostname: '127.0.0.1' }, (addr) => {
      const s = server as Server;
      resolve({
        url: `http://127.0.0.1:${addr.port}`,
        close: () =>
          new Promise<void>((done) => {
            s.close(() => done());
            s.closeAllConnections();
          }),
      });
    });
    server.once('error', reject);
  });
}
