// Start-up costs of the compiled build against the TypeScript source through tsx, side by side:
// `veilgate serve` from spawn to its first 200 on /readyz, and one ingest preparation worker
// thread from creation to its first answer. `npm run bench` builds dist/ first.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseFlags } from './lib/args.ts';
import { freePort } from './lib/http-ingest.ts';
import { median, table, fixed } from './lib/report.ts';

const ROOT = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
const FLAGS = {
  runs: { kind: 'int', default: 5, help: 'starts per variant (median reported)' },
} as const;

/** How each variant starts the server: the bin (which runs dist/), or the source through tsx's loader. */
const SERVE: Record<'compiled' | 'source', string[]> = {
  compiled: [path.join(ROOT, 'bin/veilgate.js'), 'serve'],
  source: ['--import', 'tsx', path.join(ROOT, 'src/main.ts')],
};

/** Resident and peak memory of a process (kB), from /proc. */
function memoryOf(pid: number): { rss: number; hwm: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

/** Idle a moment after ready: the job worker and preparation threads boot ahead, then nothing runs. */
const IDLE_MS = 2000;

/**
 * `dataDir`: a fresh one (the first start creates the database, runs every migration and makes the
 * development keys) or one a previous start left (a restart: what a deployment does most).
 */
async function serveToReady(args: string[], port: number, dataDir: string): Promise<{ ms: number; idle: { rss: number; hwm: number } }> {
  const t = performance.now();
  const p = spawn(process.execPath, args, {
    cwd: ROOT,
    stdio: 'ignore',
    env: { PATH: process.env['PATH'], VEILGATE_DEV: '1', VEILGATE_DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', VEILGATE_LOG_LEVEL: 'silent' },
  });
  try {
    for (;;) {
      if (p.exitCode !== null) throw new Error(`the server exited ${p.exitCode} before it was ready`);
      try {
        if ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok) {
          const ms = performance.now() - t;
          await new Promise((r) => setTimeout(r, IDLE_MS));
          return { ms, idle: memoryOf(p.pid!) };
        }
      } catch {
        /* not listening yet */
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  } finally {
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    await exited;
  }
}

const freshDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'veilgate-bench-startup-'));

/** One preparation thread's boot, in a process of its own: plain node for dist/, tsx's loader for src/. */
function poolBoot(tree: 'dist' | 'src'): number {
  const r = spawnSync(process.execPath, [...(tree === 'src' ? ['--import', 'tsx'] : []), path.join(ROOT, 'bench/lib/pool-boot.mjs'), tree], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`pool-boot ${tree} exited ${r.status}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  return Number(r.stdout.trim().split('\n').pop());
}

export async function run(args: string[]): Promise<void> {
  const f = parseFlags(FLAGS, args);
  console.log(`start-up benchmark: median of ${f.runs} runs, ${os.cpus().length} cores, node ${process.version}`);
  const ready = { compiled: [] as number[], source: [] as number[] };
  const restart = { compiled: [] as number[], source: [] as number[] };
  const rss = { compiled: [] as number[], source: [] as number[] };
  const hwm = { compiled: [] as number[], source: [] as number[] };
  const boot = { compiled: [] as number[], source: [] as number[] };
  for (let r = 0; r < f.runs; r++) {
    // turns within each run, so drift hits both alike
    for (const v of ['compiled', 'source'] as const) {
      const dataDir = freshDir();
      try {
        const first = await serveToReady(SERVE[v], await freePort(), dataDir);
        ready[v].push(first.ms);
        rss[v].push(first.idle.rss / 1024);
        hwm[v].push(first.idle.hwm / 1024);
        restart[v].push((await serveToReady(SERVE[v], await freePort(), dataDir)).ms);
      } finally {
        fs.rmSync(dataDir, { recursive: true, force: true });
      }
    }
    boot.compiled.push(poolBoot('dist'));
    boot.source.push(poolBoot('src'));
  }
  const row = (what: string, v: { compiled: number[]; source: number[] }, digits = 0) => [
    what,
    fixed(median(v.source), digits),
    fixed(median(v.compiled), digits),
    `${fixed(median(v.source) / median(v.compiled), 1)}x`,
  ];
  console.log(
    '\n' +
      table(
        ['what', 'source via tsx', 'compiled', 'ratio'],
        [
          row('veilgate serve, first start (new data dir): spawn to first 200 on /readyz, ms', ready),
          row('veilgate serve, restart (data dir of the first): spawn to first 200 on /readyz, ms', restart),
          row('one ingest preparation thread: created to first answer, ms', boot),
          row(`idle server ${IDLE_MS / 1000} s after ready: RSS, MB`, rss, 1),
          row(`idle server ${IDLE_MS / 1000} s after ready: peak RSS so far, MB`, hwm, 1),
        ],
        ['l', 'r', 'r', 'r'],
      ),
  );
}
