// HTTP NDJSON ingest against real `veilgate serve` processes: one or more instances (on SQLite, or
// sharing one PostgreSQL database), started from this checkout or another (an earlier commit's
// worktree), fed by concurrent streams of batches spread over the instances.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { mintDevToken } from '../../src/auth/dev-issuer.ts';

export interface HttpIngestOptions {
  /** The checkout whose bin/veilgate.js serves (this one, or an earlier commit's worktree). */
  root: string;
  dataDir: string;
  instances: number;
  /** Batches in flight at once, over all instances. */
  streams: number;
  bodies: string[];
  rows: number;
  env?: Record<string, string>;
  /** Node flags for the servers (e.g. --cpu-prof to see where their time goes). */
  nodeArgs?: string[];
}

export interface HttpIngestResult {
  rows: number;
  accepted: number;
  seconds: number;
  maxRssMb: number;
  /** Where the CPU went while the batches ran, in core-seconds: the gateway processes, this client, and the whole machine. */
  cpu: { gateways: number; client: number; machine: number };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

const TICK = 100; // USER_HZ: /proc reports CPU time in 1/100 s on Linux

/** CPU time a live process has used, user + system, seconds (Linux). */
function processCpu(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / TICK;
}

/** CPU time the whole machine has spent busy (everything but idle and iowait), core-seconds. */
function machineBusy(): number {
  const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
  return (total - f[3]! - f[4]!) / TICK;
}

/** Waits until these processes use under 5% of a core over 250 ms (at most 30 s). */
async function settled(pids: number[]): Promise<void> {
  const deadline = Date.now() + 30_000;
  let before = pids.reduce((a, p) => a + processCpu(p), 0);
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    const now = pids.reduce((a, p) => a + processCpu(p), 0);
    if (now - before < 0.0125 * pids.length) return;
    before = now;
  }
}

/** Peak resident set of a live process (Linux), MB. */
function peakRssMb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

async function startServer(o: HttpIngestOptions): Promise<{ proc: ChildProcess; url: string }> {
  const port = await freePort();
  const proc = spawn(process.execPath, [...(o.nodeArgs ?? []), path.join(o.root, 'bin', 'veilgate.js'), 'serve'], {
    cwd: o.root,
    env: {
      PATH: process.env['PATH'],
      HOME: process.env['HOME'],
      VEILGATE_DEV: '1',
      VEILGATE_DATA_DIR: o.dataDir,
      VEILGATE_POLICIES_DIR: path.join(o.root, 'policies'),
      VEILGATE_LOG_LEVEL: process.env['BENCH_SERVER_LOGS'] ? 'error' : 'silent',
      VEILGATE_MAX_BATCH_ROWS: '100000',
      VEILGATE_MAX_BODY_BYTES: String(256 * 1024 * 1024),
      PORT: String(port),
      HOST: '127.0.0.1',
      ...o.env,
    },
    stdio: ['ignore', process.env['BENCH_SERVER_LOGS'] ? 'inherit' : 'ignore', 'pipe'],
  });
  let stderr = '';
  proc.stderr!.on('data', (d) => (stderr += d));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`veilgate serve exited ${proc.exitCode}: ${stderr.slice(-500)}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) return { proc, url };
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) throw new Error(`veilgate serve did not start: ${stderr.slice(-500)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function httpIngest(o: HttpIngestOptions): Promise<HttpIngestResult> {
  const servers: { proc: ChildProcess; url: string }[] = [];
  try {
    // one at a time: the first creates the development keys the others share
    for (let i = 0; i < o.instances; i++) servers.push(await startServer(o));
    const token = await mintDevToken(o.dataDir, { roles: ['ingest'], subject: 'bench', ttlSeconds: 3600 });
    // Steady state only: the clock starts once the servers have booted their helper threads and idle.
    await settled(servers.map((s) => s.proc.pid!));
    let next = 0;
    let accepted = 0;
    const cpu0 = { gateways: servers.reduce((a, s) => a + processCpu(s.proc.pid!), 0), client: process.cpuUsage(), machine: machineBusy() };
    const t = performance.now();
    const stream = async (s: number) => {
      for (let i = next++; i < o.bodies.length; i = next++) {
        const server = servers[(s + i) % servers.length]!;
        const res = await fetch(`${server.url}/v1/ingest/crm/customers`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' },
          body: o.bodies[i]!,
        });
        if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${(await res.text()).slice(0, 300)}`);
        accepted += ((await res.json()) as { accepted: number }).accepted;
      }
    };
    await Promise.all(Array.from({ length: o.streams }, (_, s) => stream(s)));
    const seconds = (performance.now() - t) / 1000;
    const client = process.cpuUsage(cpu0.client);
    const cpu = {
      gateways: servers.reduce((a, s) => a + processCpu(s.proc.pid!), 0) - cpu0.gateways,
      client: (client.user + client.system) / 1e6,
      machine: machineBusy() - cpu0.machine,
    };
    const maxRssMb = Math.max(...servers.map((s) => peakRssMb(s.proc.pid!)));
    return { rows: o.rows, accepted, seconds, maxRssMb, cpu };
  } finally {
    for (const s of servers) {
      const exited = new Promise((r) => s.proc.once('exit', r));
      s.proc.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (s.proc.exitCode === null) s.proc.kill('SIGKILL');
    }
  }
}
