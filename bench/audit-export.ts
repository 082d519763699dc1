// Streamed audit exports against the references, in one run: N synthetic entries (chained under
// the real audit key, through the audit port in large units) exported over HTTP by a real
// `veilgate serve` as NDJSON and CSV, whole, while the server's resident memory is sampled from
// /proc; then the same range the ways there were before: the earlier commit's paged export
// (limit=10000, followed by X-Next-Cursor, in a worktree of that commit) and the old buffered
// path with its page limit lifted (every entry in one array, one body string), each in a process
// of its own. Target: the streamed export's peak RSS growth under 50 MB for 1M entries.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AuditLog } from '../src/audit/audit-log.ts';
import { headFileAt } from '../src/audit/audit-head.ts';
import { initDevIssuer, mintDevToken } from '../src/auth/dev-issuer.ts';
import { loadConfig } from '../src/config/load-config.ts';
import { openStorage } from '../src/db/open-storage.ts';
import { writeSyntheticAuditEntries } from '../src/demo-data/audit-entries.ts';
import { resolveKeyMaterial } from '../src/vault/key-material.ts';
import { parseFlags } from './lib/args.ts';
import { freePort } from './lib/http-ingest.ts';
import { fixed, table, thousands } from './lib/report.ts';
import { spawnServerProcess } from './lib/server-process.ts';
import { addWorktree, type Worktree } from './lib/worktree.ts';

const ROOT = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
/** The last commit whose audit export was paged (limit at most 10,000, default 100). */
const BEFORE = '4988449';
const FLAGS = {
  entries: { kind: 'int', default: 1_000_000, help: 'synthetic audit entries in the log' },
  before: { kind: 'string', default: BEFORE, help: 'the earlier commit whose paged export is the reference (a git worktree of it)' },
  buffered: { kind: 'boolean', default: true, help: 'also run the buffered reference (every entry in one array; about 2 GB for 1M entries)' },
} as const;

const MB = 1024 * 1024;

interface Measure {
  variant: string;
  format: string;
  entries: number;
  bytes: number;
  seconds: number;
  rssBefore: number;
  rssPeak: number;
}

/** A /proc/<pid>/status field in MB (VmRSS: now; VmHWM: the peak so far). */
function statusMb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** Runs `fn` while sampling the process's RSS every 20 ms; returns the RSS before and the peak during. */
async function sampled<T>(pid: number, fn: () => Promise<T>): Promise<{ result: T; rssBefore: number; rssPeak: number }> {
  const rssBefore = statusMb(pid, 'VmRSS');
  let peak = rssBefore;
  const timer = setInterval(() => {
    peak = Math.max(peak, statusMb(pid, 'VmRSS'));
  }, 20);
  try {
    const result = await fn();
    // VmHWM catches a peak between samples (the process's start-up peak is below its idle RSS here)
    return { result, rssBefore, rssPeak: Math.max(peak, statusMb(pid, 'VmRSS'), Math.min(statusMb(pid, 'VmHWM'), Infinity)) };
  } finally {
    clearInterval(timer);
  }
}

/** Reads a body to its end, counting bytes and records (NDJSON lines; CSV rows, each starting `"<seq>"` after a CRLF). */
async function drain(res: Response, csv: boolean): Promise<{ bytes: number; records: number }> {
  if (res.status !== 200) throw new Error(`export answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
  const reader = res.body!.getReader();
  let bytes = 0;
  let records = 0;
  let tail = [0, 0];
  for (let r = await reader.read(); !r.done; r = await reader.read()) {
    const b = r.value;
    bytes += b.length;
    for (let i = 0; i < b.length; i++) {
      const c = b[i]!;
      if (csv ? c === 0x22 && tail[0] === 0x0d && tail[1] === 0x0a : c === 0x0a) records++;
      tail = [tail[1]!, c];
    }
  }
  return { bytes, records };
}

async function seed(dataDir: string, n: number): Promise<number> {
  const config = loadConfig({ VEILGATE_DEV: '1', VEILGATE_DATA_DIR: dataDir });
  const key = resolveKeyMaterial(config).audit;
  const storage = await openStorage({ dataDir });
  try {
    const last = await writeSyntheticAuditEntries(storage, key, n, { startAt: Date.now() - n * 1000, policyVersion: 'bench', batch: 20_000 });
    // the sealed head a gateway starts on
    await new AuditLog(storage, key, headFileAt(config.auditHeadFile), () => 'bench', Date.now).syncHead();
    return last;
  } finally {
    await storage.close();
  }
}

async function startServe(root: string, dataDir: string): Promise<{ proc: ChildProcess; url: string }> {
  const port = await freePort();
  const proc = spawn(process.execPath, [path.join(root, 'bin', 'veilgate.js'), 'serve'], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      PATH: process.env['PATH'],
      HOME: process.env['HOME'],
      VEILGATE_DEV: '1',
      VEILGATE_DATA_DIR: dataDir,
      VEILGATE_POLICIES_DIR: path.join(root, 'policies'),
      PORT: String(port),
      HOST: '127.0.0.1',
      VEILGATE_LOG_LEVEL: 'warn',
    },
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 600; i++) {
    if (proc.exitCode !== null) throw new Error(`veilgate serve exited ${proc.exitCode}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  // its helper threads booted and idle: the baseline is the server at rest
  await new Promise((r) => setTimeout(r, 2000));
  return { proc, url };
}

async function stopServe(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
  if (proc.exitCode === null) proc.kill('SIGKILL');
}

/** Streamed (this checkout): one request, the whole range. */
async function streamed(dataDir: string, format: 'ndjson' | 'csv'): Promise<Measure> {
  const { proc, url } = await startServe(ROOT, dataDir);
  try {
    const token = await mintDevToken(dataDir, { roles: ['dpo'], subject: 'bench', ttlSeconds: 3600 });
    const t = performance.now();
    const m = await sampled(proc.pid!, async () =>
      drain(await fetch(`${url}/v1/audit?format=${format}`, { headers: { authorization: `Bearer ${token}` } }), format === 'csv'),
    );
    return {
      variant: 'streamed (this checkout)',
      format,
      entries: m.result.records,
      bytes: m.result.bytes,
      seconds: (performance.now() - t) / 1000,
      rssBefore: m.rssBefore,
      rssPeak: m.rssPeak,
    };
  } finally {
    await stopServe(proc);
  }
}

/** The earlier commit: pages of 10,000 followed by X-Next-Cursor (each page an audit.read entry). */
async function paged(root: string, dataDir: string, format: 'ndjson' | 'csv', commit: string): Promise<Measure> {
  const { proc, url } = await startServe(root, dataDir);
  try {
    const token = await mintDevToken(dataDir, { roles: ['dpo'], subject: 'bench', ttlSeconds: 3600 });
    const t = performance.now();
    const m = await sampled(proc.pid!, async () => {
      let bytes = 0;
      let records = 0;
      let cursor = '';
      for (;;) {
        const res = await fetch(`${url}/v1/audit?format=${format}&limit=10000${cursor ? `&cursor=${cursor}` : ''}`, {
          headers: { authorization: `Bearer ${token}` },
        });
        const next = res.headers.get('x-next-cursor');
        const d = await drain(res, format === 'csv');
        bytes += d.bytes;
        records += d.records;
        if (!next) return { bytes, records };
        cursor = next;
      }
    });
    return {
      variant: `paged 10,000 (${commit.slice(0, 7)})`,
      format,
      entries: m.result.records,
      bytes: m.result.bytes,
      seconds: (performance.now() - t) / 1000,
      rssBefore: m.rssBefore,
      rssPeak: m.rssPeak,
    };
  } finally {
    await stopServe(proc);
  }
}

/** The old buffered path, its limit lifted, in a process of its own (bench/lib/buffered-export-server.ts). */
async function buffered(dataDir: string, format: 'ndjson' | 'csv'): Promise<Measure> {
  const server = await spawnServerProcess<{ url: string }>(path.join(ROOT, 'bench/lib/buffered-export-server.ts'), { dataDir });
  try {
    await new Promise((r) => setTimeout(r, 500));
    const t = performance.now();
    const m = await sampled(server.pid, async () => drain(await fetch(`${server.info.url}/export?format=${format}`), format === 'csv'));
    return {
      variant: 'buffered (old path, no limit)',
      format,
      entries: m.result.records,
      bytes: m.result.bytes,
      seconds: (performance.now() - t) / 1000,
      rssBefore: m.rssBefore,
      rssPeak: m.rssPeak,
    };
  } finally {
    await server.stop();
  }
}

export async function run(args: string[]): Promise<void> {
  const f = parseFlags(FLAGS, args);
  console.log(`audit export benchmark: ${thousands(f.entries)} entries on SQLite, ${os.cpus().length} cores, node ${process.version}`);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'veilgate-bench-audit-'));
  const dataDir = path.join(work, 'data');
  let worktree: Worktree | undefined;
  const results: Measure[] = [];
  try {
    let t = performance.now();
    await seed(dataDir, f.entries);
    await initDevIssuer(dataDir);
    console.log(`seeded ${thousands(f.entries)} chained entries in ${fixed((performance.now() - t) / 1000, 1)} s`);
    worktree = addWorktree(ROOT, f.before, work);
    // compiled, as this checkout's server runs: the comparison is of the export paths, not of tsx
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: worktree.root, stdio: 'ignore' });
    console.log(`the paged reference runs ${worktree.commit.slice(0, 10)} from a worktree, compiled`);
    for (const format of ['ndjson', 'csv'] as const) {
      t = performance.now();
      results.push(await streamed(dataDir, format));
      results.push(await paged(worktree.root, dataDir, format, worktree.commit));
      if (f.buffered) results.push(await buffered(dataDir, format));
      console.log(`${format}: done in ${fixed((performance.now() - t) / 1000, 1)} s`);
    }
  } finally {
    worktree?.remove();
    fs.rmSync(work, { recursive: true, force: true });
  }
  console.log(
    '\n' +
      table(
        ['variant', 'format', 'entries', 'MB', 'seconds', 'entries/s', 'RSS before MB', 'peak RSS MB', 'growth MB'],
        results.map((r) => [
          r.variant,
          r.format,
          thousands(r.entries),
          fixed(r.bytes / MB, 1),
          fixed(r.seconds, 2),
          thousands(r.entries / r.seconds),
          fixed(r.rssBefore, 0),
          fixed(r.rssPeak, 0),
          fixed(r.rssPeak - r.rssBefore, 1),
        ]),
        ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
      ),
  );
  let failed = false;
  for (const format of ['ndjson', 'csv']) {
    const s = results.find((r) => r.format === format && r.variant.startsWith('streamed'))!;
    const growth = s.rssPeak - s.rssBefore;
    const ok = growth < 50 && s.entries >= f.entries;
    failed ||= !ok;
    console.log(
      `target (${format}): the whole log (${thousands(s.entries)} >= ${thousands(f.entries)} entries) with peak RSS growth < 50 MB: ${ok ? 'PASS' : 'FAIL'} (${fixed(growth, 1)} MB)`,
    );
    for (const ref of results.filter((r) => r.format === format && !r.variant.startsWith('streamed'))) {
      console.log(
        `  vs ${ref.variant}: ${fixed(ref.seconds / s.seconds, 2)}x the time, ${fixed((ref.rssPeak - ref.rssBefore) / Math.max(growth, 0.1), 1)}x the RSS growth`,
      );
    }
  }
  if (failed) process.exitCode = 1;
}
