// Ingest throughput: the library path and HTTP NDJSON batches beside the floor (the same
// HMACs, envelope encryption and prepared inserts, no parsing or validation), in one run;
// plus a 1M-row CSV through the CLI with its peak RSS. Each variant runs in its own child
// process on a fresh data directory, so peak RSS figures are per variant.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseFlags } from './lib/args.ts';
import { median, table, thousands, fixed } from './lib/report.ts';

const ROOT = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
const FLAGS = {
  customers: { kind: 'int', default: 100_000, help: 'customers for the floor, library and HTTP variants' },
  runs: { kind: 'int', default: 3, help: 'runs per variant (median reported)' },
  batch: { kind: 'int', default: 5000, help: 'records per batch / commit' },
  'cli-rows': { kind: 'int', default: 1_000_000, min: 0, help: 'rows of the CSV sent through the CLI (0 to skip)' },
  seed: { kind: 'int', default: 7, help: 'seed of the synthetic customers' },
} as const;

interface ChildResult { rows: number; seconds: number; maxRssMb: number; accepted?: number }

function child(variant: string, args: string[]): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench/lib/ingest-child.ts'), variant, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop()!) as ChildResult) : reject(new Error(`${variant} child exited ${code}`))));
  });
}

/** The HTTP NDJSON throughput target, customers/s. */
const HTTP_TARGET = 30_000;

// What one customer costs in its parts, each alone on one core: where the HTTP target's budget goes.
const CEILING = [
  ['crypto', "the floor's crypto and record building alone, no storage"],
  ['rows', "the floor's inserts alone, crypto done before the clock"],
  ['rows-seq', 'the same inserts, hypothetical schema keyed by a sequential subject id'],
] as const;

async function ceilingRates(f: { runs: number; batch: number }, dataFile: string, work: string): Promise<Record<string, number>> {
  const us: Record<string, number> = {};
  for (const [variant] of CEILING) {
    const results: ChildResult[] = [];
    for (let r = 0; r < f.runs; r++) results.push(await child(variant, [dataFile, path.join(work, `${variant}-${r}`), String(f.batch)]));
    us[variant] = median(results.map((x) => (x.seconds * 1e6) / x.rows));
  }
  return us;
}

function ceiling(us: Record<string, number>): void {
  console.log('\n' + table(['part', 'what it times', 'us/customer (median)', 'customers/s'],
    CEILING.map(([v, what]) => [v, what, fixed(us[v]!, 1), thousands(1e6 / us[v]!)]), ['l', 'l', 'r', 'r']));
  const budget = 1e6 / HTTP_TARGET;
  const best = us['crypto']! + us['rows-seq']!;
  console.log(`budget at ${thousands(HTTP_TARGET)} customers/s: ${fixed(budget, 1)} us per customer, ${fixed(budget * os.cpus().length, 1)} us of CPU on ${os.cpus().length} cores`);
  console.log(`crypto + rows-seq alone: ${fixed(best, 1)} us of CPU per customer, at most ${thousands((1e6 * os.cpus().length) / best)} customers/s on ${os.cpus().length} cores split perfectly, before parsing, validation and HTTP`);
}

export async function run(args: string[]): Promise<void> {
  const f = parseFlags(FLAGS, args);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'veilgate-bench-ingest-'));
  try {
    console.log(`ingest benchmark: ${f.customers} customers, batches of ${f.batch}, median of ${f.runs} runs, ${os.cpus().length} cores, node ${process.version}`);
    const dataFile = path.join(work, 'customers.ndjson');
    const gen = await child('generate', [dataFile, String(f.customers), String(f.seed)]);
    console.log(`generated ${gen.rows} customer records (${fixed(gen.seconds, 1)} s)`);
    const rows: string[][] = [];
    const rates: Record<string, number> = {};
    for (const variant of ['floor', 'library', 'http'] as const) {
      const results: ChildResult[] = [];
      for (let r = 0; r < f.runs; r++) results.push(await child(variant, [dataFile, path.join(work, `${variant}-${r}`), String(f.batch)]));
      const rate = median(results.map((x) => x.rows / x.seconds));
      rates[variant] = rate;
      rows.push([variant, thousands(results[0]!.rows), thousands(rate), fixed(median(results.map((x) => x.seconds)), 2), fixed(Math.max(...results.map((x) => x.maxRssMb)), 0)]);
    }
    console.log('\n' + table(['variant', 'rows', 'customers/s (median)', 'seconds', 'peak RSS MB'], rows, ['l', 'r', 'r', 'r', 'r']));
    const ratio = rates['library']! / rates['floor']!;
    console.log(`\ntarget: library path >= 50% of the floor: ${ratio >= 0.5 ? 'PASS' : 'FAIL'} (${fixed(ratio * 100, 1)}%)`);
    console.log(`target: HTTP NDJSON >= ${thousands(HTTP_TARGET)} customers/s: ${rates['http']! >= HTTP_TARGET ? 'PASS' : 'FAIL'} (${thousands(rates['http']!)}/s)`);
    let failed = ratio < 0.5 || rates['http']! < HTTP_TARGET;
    ceiling(await ceilingRates(f, dataFile, work));
    if (f['cli-rows'] > 0) {
      const csv = path.join(work, 'customers.csv');
      const made = await child('csv', [dataFile, csv, String(f['cli-rows'])]);
      console.log(`\nwrote ${thousands(made.rows)}-row CSV (${fixed(fs.statSync(csv).size / 1e6, 0)} MB)`);
      const dataDir = path.join(work, 'cli');
      const t0 = performance.now();
      const timed = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, 'bin/veilgate.js', 'ingest', csv, '--source', 'crm', '--type', 'customers', '--no-progress'], {
        cwd: ROOT, env: { ...process.env, VEILGATE_DEV: '1', VEILGATE_DATA_DIR: dataDir, VEILGATE_LOG_LEVEL: 'warn' }, encoding: 'utf8',
      });
      const secs = (performance.now() - t0) / 1000;
      if (timed.error) throw new Error('/usr/bin/time is needed for the CLI RSS figure (apt-get install time)');
      // a CLI that did not finish has no figure: its RSS and rate would describe a failure
      if (timed.status !== 0) throw new Error(`veilgate ingest exited ${timed.status}: ${timed.stderr.trim().split('\n').slice(-5).join(' | ')}`);
      const rssMb = Number(timed.stderr.trim().split('\n').pop()) / 1024;
      console.log(timed.stdout.trim());
      console.log(table(['variant', 'rows', 'rows/s', 'seconds', 'peak RSS MB'], [['cli csv', thousands(made.rows), thousands(made.rows / secs), fixed(secs, 1), fixed(rssMb, 0)]], ['l', 'r', 'r', 'r', 'r']));
      console.log(`target: 1M-row CSV through the CLI with peak RSS < 300 MB: ${rssMb < 300 ? 'PASS' : 'FAIL'} (${fixed(rssMb, 0)} MB)`);
      failed ||= rssMb >= 300;
    }
    if (failed) process.exitCode = 1;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
