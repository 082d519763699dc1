// End-to-end segmentation job: N subjects' features read from SQLite -> k-means -> stored
// result and members, with GET /healthz latency measured while the job runs.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openConnection } from '../src/db/sqlite/open-database.ts';
import { mintDevToken, initDevIssuer } from '../src/auth/dev-issuer.ts';
import { createRng } from '../src/segmentation/kmeans/rng.ts';
import { parseFlags } from './lib/args.ts';
import { fixed, table, thousands } from './lib/report.ts';

const ROOT = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
const FLAGS = {
  subjects: { kind: 'int', default: 1_000_000, help: 'subjects in the feature store' },
  k: { kind: 'int', default: 8, help: 'clusters' },
} as const;

/** Planted personas so k-means has structure to find; written straight into the feature store. */
export function seed(dataDir: string, n: number): void {
  const sqlite = openConnection(dataDir);
  const rng = createRng(11);
  const rand = () => rng.nextFloat();
  const ins = sqlite.prepare(`INSERT INTO subject_features (pseudonym, key_version, age, age_band, area, gender, csp, channel_preference,
    tenure_since, first_purchase_day, last_purchase_day, frequency, monetary, n_web, n_store, n_phone, n_app, provenance, created_at, updated_at)
    VALUES (?, 1, ?, NULL, NULL, NULL, NULL, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, '{}', 0, 0)`);
  const today = Math.floor(Date.now() / 86_400_000);
  const centers = [[28, 300, 20, 25, 60], [45, 2000, 60, 10, 120], [70, 4000, 200, 4, 150], [35, 800, 400, 2, 30]];
  sqlite.transaction(() => {
    for (let i = 0; i < n; i++) {
      const c = centers[i % centers.length]!;
      const g = () => (rand() + rand() + rand() - 1.5) * 0.6;
      const freq = Math.max(1, Math.round(c[3]! * (1 + g())));
      const web = Math.round(freq * Math.min(1, Math.max(0, 0.5 + g())));
      const store_ = Math.round((freq - web) * 0.7);
      ins.run(`p1_${i.toString(36).padStart(22, '0')}`, Math.round(c[0]! * (1 + g() / 2)), today - Math.round(c[1]! * (1 + g())),
        today - 700, today - Math.round(c[2]! * (1 + g())), freq, Math.round(freq * c[4]! * (1 + g())), web, store_, Math.round((freq - web - store_) / 2), freq - web - store_ - Math.round((freq - web - store_) / 2));
    }
  }).immediate();
  sqlite.close();
}

export async function runJobBench(args: string[]): Promise<{ seconds: number; p99: number; rssMb: number }> {
  const f = parseFlags(FLAGS, args);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'veilgate-bench-job-'));
  try {
    let t = performance.now();
    seed(dataDir, f.subjects);
    console.log(`seeded ${thousands(f.subjects)} subjects in ${fixed((performance.now() - t) / 1000, 1)} s`);
    await initDevIssuer(dataDir);
    const port = 18_000 + Math.floor(Math.random() * 2000);
    const server = spawn(process.execPath, ['bin/veilgate.js', 'serve'], {
      cwd: ROOT, stdio: ['ignore', process.env['BENCH_SERVER_LOGS'] ? 'inherit' : 'ignore', 'inherit'],
      env: { ...process.env, VEILGATE_DEV: '1', VEILGATE_DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', VEILGATE_LOG_LEVEL: 'warn' },
    });
    const base = `http://127.0.0.1:${port}`;
    try {
      for (let i = 0; i < 200; i++) {
        try { if ((await fetch(`${base}/healthz`)).ok) break; } catch { /* not up yet */ }
        await new Promise((r) => setTimeout(r, 100));
      }
      const token = await mintDevToken(dataDir, { roles: ['marketing'], subject: 'bench', ttlSeconds: 3600 });
      const auth = { authorization: `Bearer ${token}` };
      t = performance.now();
      const res = await fetch(`${base}/v1/segmentations`, {
        method: 'POST', headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ purpose: 'segmentation_analytics', method: 'kmeans', k: f.k, seed: 1, features: ['age', 'tenure_days', 'recency_days', 'frequency', 'monetary', 'avg_basket', 'share_web', 'share_store'] }),
      });
      const { id } = (await res.json()) as { id: string };
      // healthz probes back to back while the job runs: the API must stay responsive.
      const latencies: number[] = [];
      let status = 'queued';
      let lastPoll = 0;
      let run: { status: string; progress: number; error?: unknown; result?: { population: number; quality?: { iterations: number; inertia: number }; timings?: Record<string, number> } } | undefined;
      while (status === 'queued' || status === 'running') {
        const s = performance.now();
        await fetch(`${base}/healthz`).then((r) => r.text());
        latencies.push(performance.now() - s);
        if (performance.now() - lastPoll > 250) {
          lastPoll = performance.now();
          run = (await (await fetch(`${base}/v1/segmentations/${id}`, { headers: auth })).json()) as typeof run;
          status = run!.status;
        }
        await new Promise((r) => setTimeout(r, 5));
      }
      const seconds = (performance.now() - t) / 1000;
      latencies.sort((a, b) => a - b);
      const p99 = latencies[Math.floor(latencies.length * 0.99)] ?? NaN;
      const rss = Number(/VmHWM:\s+(\d+)/.exec(fs.readFileSync(`/proc/${server.pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;
      console.log('\n' + table(['end-to-end job', 'subjects', 'status', 'seconds', 'iterations', 'healthz probes', 'healthz p99 ms', 'server peak RSS MB'], [[
        `kmeans k=${f.k}, 8 features`, thousands(run?.result?.population ?? 0), status, fixed(seconds, 2), String(run?.result?.quality?.iterations ?? '-'),
        String(latencies.length), fixed(p99, 1), fixed(rss, 0),
      ]], ['l', 'r', 'l', 'r', 'r', 'r', 'r', 'r']));
      if (run?.result?.timings) console.log(`job phases (ms): ${JSON.stringify(run.result.timings)}`);
      console.log(`target: end-to-end ${thousands(f.subjects)}-subject job < 10 s: ${seconds < 10 ? 'PASS' : 'FAIL'} (${fixed(seconds, 2)} s)`);
      console.log(`target: GET /healthz p99 < 50 ms while it runs: ${p99 < 50 ? 'PASS' : 'FAIL'} (${fixed(p99, 1)} ms)`);
      if (status !== 'succeeded') console.log(`job ended ${status}: ${JSON.stringify(run?.error)}`);
      return { seconds, p99, rssMb: rss };
    } finally {
      server.kill('SIGTERM');
      await new Promise((r) => server.once('exit', r));
    }
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function run(args: string[]): Promise<void> {
  const r = await runJobBench(args);
  if (!(r.seconds < 10 && r.p99 < 50)) process.exitCode = 1;
}
