// Scraping /metrics with the demo data loaded (`veilgate demo`: a few thousand customers, one
// segmentation per method): the loopback listener (no token) and the main port with the admin
// token, against /healthz on the main port in the same run (the floor of a request there).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseFlags } from './lib/args.ts';
import { freePort } from './lib/http-ingest.ts';
import { fixed, median, table, thousands } from './lib/report.ts';

const ROOT = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
const FLAGS = {
  scrapes: { kind: 'int', default: 200, help: 'requests per variant (median, p95 and max reported)' },
  customers: { kind: 'int', default: 3000, help: 'customers the demo loads' },
} as const;

const p95 = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))]!;

async function timed(url: string, headers: Record<string, string>, n: number): Promise<{ ms: number[]; bytes: number }> {
  const ms: number[] = [];
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const res = await fetch(url, { headers });
    const body = await res.arrayBuffer();
    ms.push(performance.now() - t);
    if (res.status !== 200) throw new Error(`${url} answered ${res.status}`);
    bytes = body.byteLength;
  }
  return { ms, bytes };
}

export async function run(args: string[]): Promise<void> {
  const f = parseFlags(FLAGS, args);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'veilgate-bench-metrics-'));
  const [port, metricsPort] = [await freePort(), await freePort()];
  const p = spawn(process.execPath, [path.join(ROOT, 'bin/veilgate.js'), 'demo', '--customers', String(f.customers)], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: {
      PATH: process.env['PATH'],
      VEILGATE_DATA_DIR: dataDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      VEILGATE_METRICS_PORT: String(metricsPort),
      VEILGATE_LOG_LEVEL: 'silent',
    },
  });
  let out = '';
  p.stdout!.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  try {
    await new Promise<void>((resolve, reject) => {
      const check = setInterval(() => {
        if (p.exitCode !== null) {
          clearInterval(check);
          reject(new Error(`demo exited ${p.exitCode}: ${out}`));
        }
        if (out.includes('Ctrl-C stops the gateway')) {
          clearInterval(check);
          resolve();
        }
      }, 50);
    });
    const admin = /^\s+admin\s+(\S+)$/m.exec(out)?.[1];
    if (!admin) throw new Error('the demo printed no admin token');
    const base = `http://127.0.0.1:${port}`;
    console.log(
      `/metrics scrape: ${f.scrapes} requests each, demo with ${thousands(f.customers)} customers loaded, ${os.cpus().length} cores, node ${process.version}`,
    );
    // warm-up: the first scrape of a fresh registry and JIT
    await timed(`http://127.0.0.1:${metricsPort}/metrics`, {}, 5);
    const rows = [];
    for (const [what, url, headers] of [
      ['GET /healthz (floor)', `${base}/healthz`, {}],
      ['GET /metrics, loopback listener', `http://127.0.0.1:${metricsPort}/metrics`, {}],
      ['GET /metrics, main port, admin token', `${base}/metrics`, { authorization: `Bearer ${admin}` }],
    ] as const) {
      const r = await timed(url, headers, f.scrapes);
      rows.push([
        what,
        fixed(median(r.ms), 2),
        fixed(p95(r.ms), 2),
        fixed(Math.max(...r.ms), 2),
        thousands(r.bytes),
        median(r.ms) < 50 || what.includes('floor') ? 'PASS' : 'FAIL',
      ]);
    }
    console.log('\n' + table(['request', 'median ms', 'p95 ms', 'max ms', 'bytes', 'under 50 ms'], rows, ['l', 'r', 'r', 'r', 'r', 'l']));
  } finally {
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    await exited;
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
