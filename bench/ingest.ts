// Ingest throughput, every variant in one run on the same machine: the floor (the same crypto and
// bare inserts, no parsing or validation) and the library path in-process; HTTP NDJSON against
// real `veilgate serve` processes on SQLite (this checkout, and an earlier commit's checkout for
// the before/after ratio) and on PostgreSQL with one and two instances; the parts one customer
// costs (crypto, the gateway's rows, the reference layout's rows); and a 1M-row CSV through the
// CLI with its peak RSS. Variants take turns within each run, so drift hits them alike.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseFlags, UsageError } from './lib/args.ts';
import { withBenchDatabase } from './lib/bench-database.ts';
import { httpIngest, type HttpIngestResult } from './lib/http-ingest.ts';
import { median, table, thousands, fixed } from './lib/report.ts';
import { addWorktree, type Worktree } from './lib/worktree.ts';

const ROOT = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
/** The last commit before the storage boundary and the sequential subject key. */
const BEFORE = '491956c';

const FLAGS = {
  customers: { kind: 'int', default: 100_000, help: 'customers per variant' },
  runs: { kind: 'int', default: 3, help: 'runs per variant (median reported)' },
  batch: { kind: 'int', default: 5000, help: 'records per batch / request' },
  streams: { kind: 'int', default: 2, help: 'HTTP requests in flight at once, over all instances' },
  before: { kind: 'string', default: BEFORE, help: 'the earlier commit run as http-sqlite-before (a git worktree of it)' },
  only: { kind: 'string', default: '', help: 'comma-separated variants to run (default all)' },
  'cli-rows': { kind: 'int', default: 1_000_000, min: 0, help: 'rows of the CSV sent through the CLI (0 to skip)' },
  seed: { kind: 'int', default: 7, help: 'seed of the synthetic customers' },
} as const;

interface ChildResult {
  rows: number;
  seconds: number;
  maxRssMb: number;
  accepted?: number;
}

function child(variant: string, args: string[]): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench/lib/ingest-child.ts'), variant, ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.on('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop()!) as ChildResult) : reject(new Error(`${variant} child exited ${code}`)),
    );
  });
}

/** The HTTP NDJSON throughput target, customers/s. */
const HTTP_TARGET = 30_000;

interface Variant {
  name: string;
  what: string;
  run(ctx: RunContext): Promise<ChildResult & { cpu?: HttpIngestResult['cpu'] }>;
}
interface RunContext {
  dataFile: string;
  dataDir: string;
  bodies: string[];
  rows: number;
  batch: number;
  streams: number;
  before: () => Worktree;
}

const inProcess = (name: string, what: string): Variant => ({ name, what, run: (c) => child(name, [c.dataFile, c.dataDir, String(c.batch)]) });
const overHttp = (name: string, what: string, o: { before?: boolean; postgres?: boolean; instances: number }): Variant => ({
  name,
  what,
  run: async (c) => {
    const base = { dataDir: c.dataDir, bodies: c.bodies, rows: c.rows, streams: c.streams, instances: o.instances, root: o.before ? c.before().root : ROOT };
    return o.postgres ? withBenchDatabase((url) => httpIngest({ ...base, env: { VEILGATE_DATABASE_URL: url } })) : httpIngest(base);
  },
});

const VARIANTS: Variant[] = [
  inProcess('floor', 'crypto + bare inserts of the same rows, no parsing or validation'),
  inProcess('library', 'IngestService in-process on SQLite, one batch after another'),
  overHttp('http-sqlite', 'NDJSON to one `veilgate serve` on SQLite', { instances: 1 }),
  overHttp('http-sqlite-before', 'the same against the earlier commit (--before)', { before: true, instances: 1 }),
  overHttp('http-pg-1', 'NDJSON to one instance on PostgreSQL', { postgres: true, instances: 1 }),
  overHttp('http-pg-2', 'NDJSON to two instances on one PostgreSQL database', { postgres: true, instances: 2 }),
];

// What one customer costs in its parts, each alone on one core.
const CEILING = [
  ['crypto', 'the per-customer crypto alone, no storage'],
  ['rows', "the gateway's rows for a new customer, bare inserts, crypto done before the clock"],
  ['rows-seq', 'the same rows in the minimal reference layout (sequential ids, consent state as rows)'],
] as const;

export async function run(args: string[]): Promise<void> {
  const f = parseFlags(FLAGS, args);
  const known = new Set([...VARIANTS.map((v) => v.name), ...CEILING.map(([v]) => v), 'cli']);
  const only = f.only ? new Set(f.only.split(',').map((s) => s.trim())) : undefined;
  for (const v of only ?? []) if (!known.has(v)) throw new UsageError(`unknown variant ${JSON.stringify(v)} (one of ${[...known].join(', ')})`);
  const wanted = (name: string) => !only || only.has(name);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'veilgate-bench-ingest-'));
  let worktree: Worktree | undefined;
  try {
    console.log(
      `ingest benchmark: ${f.customers} customers, batches of ${f.batch}, ${f.streams} HTTP streams, median of ${f.runs} runs, ${os.cpus().length} cores, node ${process.version}`,
    );
    const dataFile = path.join(work, 'customers.ndjson');
    const gen = await child('generate', [dataFile, String(f.customers), String(f.seed)]);
    console.log(`generated ${gen.rows} customer records (${fixed(gen.seconds, 1)} s)`);
    const lines = fs.readFileSync(dataFile, 'utf8').split('\n').filter(Boolean);
    const bodies: string[] = [];
    for (let i = 0; i < lines.length; i += f.batch) bodies.push(lines.slice(i, i + f.batch).join('\n'));
    const before = () => {
      if (!worktree) {
        worktree = addWorktree(ROOT, f.before, work);
        console.log(`http-sqlite-before runs ${worktree.commit.slice(0, 10)} from a worktree`);
      }
      return worktree;
    };

    const variants = VARIANTS.filter((v) => wanted(v.name));
    const results = new Map<string, (ChildResult & { cpu?: HttpIngestResult['cpu'] })[]>(variants.map((v) => [v.name, []]));
    for (let r = 0; r < f.runs; r++) {
      for (const v of variants) {
        const dataDir = path.join(work, `${v.name}-${r}`);
        const res = await v.run({ dataFile, dataDir, bodies, rows: lines.length, batch: f.batch, streams: f.streams, before });
        results.get(v.name)!.push(res);
        fs.rmSync(dataDir, { recursive: true, force: true });
      }
    }
    const rate = (name: string) => median((results.get(name) ?? []).map((x) => x.rows / x.seconds));
    if (variants.length > 0) {
      // the synthetic data holds some invalid rows on purpose: every path must refuse the same ones
      console.log(
        '\n' +
          table(
            ['variant', 'what it runs', 'rows', 'accepted', 'customers/s (median)', 'seconds', 'peak RSS MB'],
            variants.map((v) => {
              const rs = results.get(v.name)!;
              return [
                v.name,
                v.what,
                thousands(rs[0]!.rows),
                rs[0]!.accepted === undefined ? '-' : thousands(rs[0]!.accepted),
                thousands(rate(v.name)),
                fixed(median(rs.map((x) => x.seconds)), 2),
                fixed(Math.max(...rs.map((x) => x.maxRssMb)), 0),
              ];
            }),
            ['l', 'l', 'r', 'r', 'r', 'r', 'r'],
          ),
      );
      const cpuRows = variants
        .filter((v) => results.get(v.name)![0]!.cpu)
        .map((v) => {
          const rs = results.get(v.name)!;
          const per = (k: 'gateways' | 'client' | 'machine') => median(rs.map((x) => (x.cpu![k] * 1e6) / x.rows));
          const other = per('machine') - per('gateways') - per('client');
          return [
            v.name,
            fixed(per('gateways'), 1),
            fixed(per('client'), 1),
            fixed(other, 1),
            fixed(per('machine'), 1),
            fixed(median(rs.map((x) => x.cpu!.machine / x.seconds)), 2),
          ];
        });
      if (cpuRows.length > 0) {
        console.log(
          '\nwhere the CPU goes, us of CPU per customer (median): gateway processes, this client, everything else (the database server on PostgreSQL)',
        );
        console.log(table(['variant', 'gateways', 'client', 'other', 'machine', 'cores busy'], cpuRows, ['l', 'r', 'r', 'r', 'r', 'r']));
      }
    }

    const ceiling: Record<string, number> = {};
    for (const [variant] of CEILING.filter(([v]) => wanted(v))) {
      const rs: ChildResult[] = [];
      for (let r = 0; r < f.runs; r++) {
        const dataDir = path.join(work, `${variant}-${r}`);
        rs.push(await child(variant, [dataFile, dataDir, String(f.batch)]));
        fs.rmSync(dataDir, { recursive: true, force: true });
      }
      ceiling[variant] = median(rs.map((x) => (x.seconds * 1e6) / x.rows));
    }
    if (Object.keys(ceiling).length > 0) {
      console.log(
        '\n' +
          table(
            ['part', 'what it times', 'us/customer (median)', 'customers/s'],
            CEILING.filter(([v]) => ceiling[v] !== undefined).map(([v, what]) => [v, what, fixed(ceiling[v]!, 1), thousands(1e6 / ceiling[v]!)]),
            ['l', 'l', 'r', 'r'],
          ),
      );
    }

    const targets: [string, boolean | undefined, string][] = [];
    const ratio = (a: number, b: number) => (Number.isFinite(a) && Number.isFinite(b) ? a / b : NaN);
    const check = (what: string, value: number, ok: (v: number) => boolean, shown: string) =>
      targets.push([what, Number.isFinite(value) ? ok(value) : undefined, shown]);
    const lib = ratio(rate('library'), rate('floor'));
    check('library path >= 50% of the floor', lib, (v) => v >= 0.5, `${fixed(lib * 100, 1)}%`);
    check(`HTTP NDJSON (SQLite) >= ${thousands(HTTP_TARGET)} customers/s`, rate('http-sqlite'), (v) => v >= HTTP_TARGET, `${thousands(rate('http-sqlite'))}/s`);
    const rowsRatio = ratio(ceiling['rows'] ?? NaN, ceiling['rows-seq'] ?? NaN);
    check('rows within 1.2x of rows-seq', rowsRatio, (v) => v <= 1.2, `${fixed(rowsRatio, 2)}x`);
    const vsBefore = ratio(rate('http-sqlite'), rate('http-sqlite-before'));
    check('HTTP NDJSON (SQLite) >= 1.5x the earlier commit', vsBefore, (v) => v >= 1.5, `${fixed(vsBefore, 2)}x`);
    const pg1 = ratio(rate('http-pg-1'), rate('http-sqlite'));
    check('PostgreSQL, one instance >= 50% of SQLite', pg1, (v) => v >= 0.5, `${fixed(pg1 * 100, 1)}%`);
    const pg2 = ratio(rate('http-pg-2'), rate('http-pg-1'));
    check('PostgreSQL, two instances >= 1.2x one', pg2, (v) => v >= 1.2, `${fixed(pg2, 2)}x`);
    console.log('');
    for (const [what, ok, shown] of targets) if (ok !== undefined) console.log(`target: ${what}: ${ok ? 'PASS' : 'FAIL'} (${shown})`);
    let failed = targets.some(([, ok]) => ok === false);

    if (f['cli-rows'] > 0 && wanted('cli')) failed = !(await cliRun(f['cli-rows'], dataFile, work)) || failed;
    if (failed) process.exitCode = 1;
  } finally {
    worktree?.remove();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** A CSV of `rows` rows through `veilgate ingest`; true when its peak RSS is under 300 MB. */
async function cliRun(rows: number, dataFile: string, work: string): Promise<boolean> {
  const csv = path.join(work, 'customers.csv');
  const made = await child('csv', [dataFile, csv, String(rows)]);
  console.log(`\nwrote ${thousands(made.rows)}-row CSV (${fixed(fs.statSync(csv).size / 1e6, 0)} MB)`);
  const dataDir = path.join(work, 'cli');
  const t0 = performance.now();
  const timed = spawnSync(
    '/usr/bin/time',
    ['-f', '%M', process.execPath, 'bin/veilgate.js', 'ingest', csv, '--source', 'crm', '--type', 'customers', '--no-progress'],
    {
      cwd: ROOT,
      env: { ...process.env, VEILGATE_DEV: '1', VEILGATE_DATA_DIR: dataDir, VEILGATE_LOG_LEVEL: 'warn' },
      encoding: 'utf8',
    },
  );
  const secs = (performance.now() - t0) / 1000;
  if (timed.error) throw new Error('/usr/bin/time is needed for the CLI RSS figure (apt-get install time)');
  // a CLI that did not finish has no figure: its RSS and rate would describe a failure
  if (timed.status !== 0) throw new Error(`veilgate ingest exited ${timed.status}: ${timed.stderr.trim().split('\n').slice(-5).join(' | ')}`);
  const rssMb = Number(timed.stderr.trim().split('\n').pop()) / 1024;
  console.log(timed.stdout.trim());
  console.log(
    table(
      ['variant', 'rows', 'rows/s', 'seconds', 'peak RSS MB'],
      [['cli csv', thousands(made.rows), thousands(made.rows / secs), fixed(secs, 1), fixed(rssMb, 0)]],
      ['l', 'r', 'r', 'r', 'r'],
    ),
  );
  console.log(`target: 1M-row CSV through the CLI with peak RSS < 300 MB: ${rssMb < 300 ? 'PASS' : 'FAIL'} (${fixed(rssMb, 0)} MB)`);
  return rssMb < 300;
}
