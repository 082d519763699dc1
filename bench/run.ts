// Benchmark dispatcher: `npm run bench -- <name> [flags]` runs bench/<name>.ts's exported run(args).
// With no name it lists the benchmarks; an unknown name exits 2. Add a benchmark with one line in BENCHMARKS.
import { UsageError } from './lib/args.ts';

export interface BenchModule {
  /** Runs the benchmark; throws UsageError for bad flags (exit 2), sets process.exitCode for a failed target. */
  run(args: string[]): Promise<void>;
}

const BENCHMARKS: Record<string, { description: string; load: () => Promise<BenchModule> }> = {
  auth: { description: 'GET /v1/me with and without authentication (token cache, no cache, token pool)', load: () => import('./auth.ts') },
  ingest: {
    description:
      'customers/s: floor, library, HTTP NDJSON on SQLite (now and an earlier commit) and PostgreSQL (1 and 2 instances), the parts of a customer, and a 1M-row CSV through the CLI with peak RSS',
    load: () => import('./ingest.ts'),
  },
  'segment-job': {
    description: 'end-to-end 1M-subject k-means job on SQLite and on PostgreSQL (database -> stored result) with /healthz p99 while it runs',
    load: () => import('./segment-job.ts'),
  },
  'audit-export': {
    description: 'GET /v1/audit NDJSON and CSV of 1M entries streamed, with server RSS, against the earlier paged export and the buffered path',
    load: () => import('./audit-export.ts'),
  },
  startup: {
    description: "the compiled build vs the TypeScript source through tsx: serve to /readyz, and a worker thread's boot",
    load: () => import('./startup.ts'),
  },
  metrics: {
    description: 'GET /metrics with the demo data loaded: the loopback listener and the main port (admin token) against /healthz',
    load: () => import('./metrics.ts'),
  },
  console: {
    description: "the web console in Chromium against the demo: first load's gzip-compressed script, and each page's load to usable (median)",
    load: () => import('./console.ts'),
  },
  segment: {
    description: 'k-means engine vs ml-kmeans (and scikit-learn when installed): 100k/1M subjects × 8 features, k = 8/20',
    load: () => import('./segment-kmeans.ts'),
  },
};

function list(): string {
  const width = Math.max(...Object.keys(BENCHMARKS).map((k) => k.length));
  const lines = Object.entries(BENCHMARKS).map(([name, b]) => `  ${name.padEnd(width)}  ${b.description}`);
  return `usage: npm run bench -- <name> [flags]   (npm run bench -- <name> --help for its flags)\n\nbenchmarks:\n${lines.join('\n')}`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'list') {
    console.log(list());
    return 0;
  }
  const bench = Object.hasOwn(BENCHMARKS, name) ? BENCHMARKS[name] : undefined;
  if (!bench) {
    console.error(`unknown benchmark ${JSON.stringify(name)}\n\n${list()}`);
    return 2;
  }
  try {
    await (await bench.load()).run(args);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof UsageError) {
      if (e.isHelp) {
        console.log(`npm run bench -- ${name} [flags]\n${e.message}`);
        return 0;
      }
      console.error(`${name}: ${e.message}`);
      return 2;
    }
    throw e;
  }
}

// No process.exit on success: the benchmark must stop everything it started, and a hang here means it did not.
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : e);
    process.exitCode = 1;
  },
);
