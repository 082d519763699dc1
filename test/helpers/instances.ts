// Real gateway processes (`node bin/veilgate.js serve`) for the multi-instance suites: started on a
// free loopback port each, waited for through /healthz, stopped by PID; and an HTTP client that
// sends its own X-Request-Id on every request and keeps the list, so a suite can match the audit
// entries to the requests that caused them.
import crypto from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { freePort, spawnVeilgate } from './cli.ts';

export interface Instance {
  name: string;
  url: string;
  child: ChildProcess;
  pid: number;
  output(): { stdout: string; stderr: string };
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** False once the process has exited (killed, or stopped by itself). */
  readonly alive: boolean;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Starts `veilgate serve` with `env` (plus HOST and a free PORT) and resolves once /healthz answers 200. */
export async function startInstance(name: string, env: Record<string, string>, timeoutMs = 30_000): Promise<Instance> {
  const port = await freePort();
  const proc = spawnVeilgate(['serve'], { ...env, HOST: '127.0.0.1', PORT: String(port) });
  let alive = true;
  const exited = proc.exited.then((x) => {
    alive = false;
    return x;
  });
  const inst: Instance = {
    name,
    url: `http://127.0.0.1:${port}`,
    child: proc.child,
    pid: proc.child.pid!,
    output: proc.output,
    exited,
    get alive() {
      return alive;
    },
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!alive) {
      const o = proc.output();
      throw new Error(`instance ${name} exited before it was healthy:\n${o.stderr.slice(-3000)}\n${o.stdout.slice(-3000)}`);
    }
    try {
      const res = await fetch(`${inst.url}/healthz`, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status === 200) return inst;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      await stopInstance(inst);
      throw new Error(`instance ${name} was not healthy within ${timeoutMs} ms:\n${proc.output().stderr.slice(-3000)}`);
    }
    await sleep(100);
  }
}

/** SIGTERM (a graceful close), then SIGKILL if it is still there after `graceMs`. An exited instance is left alone. */
export async function stopInstance(inst: Instance, graceMs = 10_000): Promise<void> {
  if (!inst.alive) return;
  inst.child.kill('SIGTERM');
  const timer = new Promise<'late'>((r) => setTimeout(() => r('late'), graceMs).unref());
  if ((await Promise.race([inst.exited, timer])) === 'late' && inst.alive) {
    inst.child.kill('SIGKILL');
    await inst.exited;
  }
}

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: any;
  /** The X-Request-Id this request was sent with. */
  requestId: string;
  instance: string;
}

export interface SendOptions {
  token?: string;
  /** A JSON body (serialized here) or a raw string body sent as is. */
  body?: unknown;
  contentType?: string;
  headers?: Record<string, string>;
}

/** Sends requests to instances with a fresh X-Request-Id each, and remembers which went where. */
export class MultiClient {
  readonly sent: { requestId: string; instance: string; method: string; path: string; status: number }[] = [];
  private n = 0;
  private readonly run = crypto.randomBytes(3).toString('hex');

  async send(inst: Instance, method: string, pathname: string, o: SendOptions = {}): Promise<Answer> {
    const requestId = `mi-${this.run}-${inst.name}-${++this.n}`;
    const headers: Record<string, string> = { 'x-request-id': requestId, ...o.headers };
    if (o.token) headers['authorization'] = `Bearer ${o.token}`;
    let body: string | undefined;
    if (o.body !== undefined) {
      body = typeof o.body === 'string' ? o.body : JSON.stringify(o.body);
      headers['content-type'] = o.contentType ?? 'application/json';
    }
    const res = await fetch(`${inst.url}${pathname}`, { method, headers, ...(body !== undefined && { body }), signal: AbortSignal.timeout(30_000) });
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    this.sent.push({ requestId, instance: inst.name, method, path: pathname, status: res.status });
    return { status: res.status, headers: res.headers, text, json, requestId, instance: inst.name };
  }

  get(inst: Instance, pathname: string, token: string): Promise<Answer> {
    return this.send(inst, 'GET', pathname, { token });
  }

  post(inst: Instance, pathname: string, token: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
    return this.send(inst, 'POST', pathname, { token, body, headers });
  }
}

/** Polls `probe` every `everyMs` until it returns a value other than undefined, or throws after `timeoutMs`. */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}
