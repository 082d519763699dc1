// `npm run bench -- auth`: what authentication costs on an authenticated /v1 GET (GET /v1/me).
//
// Four variants, each a real HTTP server on 127.0.0.1 (random port, @hono/node-server) loaded with autocannon:
//   (a) bare handler, no auth        meHandler behind a middleware that sets a fixed principal
//   (b) gateway, token cache         buildGateway, one dev token reused by every request (as real clients do)
//   (c) gateway, no cache            createApp + TokenVerifier({ cache: false }), ES256 partner token: a full
//                                    signature verification per request
//   (d) gateway, cache, token pool   buildGateway, --pool distinct tokens rotated across requests
// Every request carries an Authorization header of the same size, (a) included, so every server parses the same
// request bytes.
//
// Process layout: each variant's server runs in a child process of its own (no shared heap, GC or JIT state
// between variants) and autocannon runs in this process. On a 2-core machine, a load generator in the server's
// process takes half of the server's event loop and the numbers swing with whichever side wins; in separate
// processes with the servers pinned to CPU 1 and this process to CPU 0 (taskset; `--no-pin` to disable, skipped
// without taskset or a second CPU) the server has a core of its own and the load generator cannot be starved by
// it. Only one server is under load at a time; the idle ones sleep in epoll. Runs are interleaved
// (a b c d, a b c d, ...) so drift and bursts of outside load spread over all variants instead of hitting one,
// and each variant gets an unmeasured warm-up first (JIT, and for (d) the first verification of every pool token).
//
// The machine may be shared (a test suite running next to the benchmark halves the numbers): each run also
// reports the server's CPU time per response and how much of the machine other processes used meanwhile.
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { parseFlags, UsageError, type FlagSpec } from './lib/args.ts';
import { machineBusyMicros, ownCpuMicros } from './lib/cpu.ts';
import { fixed, median, table, thousands } from './lib/report.ts';
import { pinSelf, spawnServerProcess, tasksetAvailable, type ServerProcess } from './lib/server-process.ts';
import type { AuthServerInfo, AuthServerInit, AuthServerStats, AuthVariant } from './lib/auth-servers.ts';

const FLAGS = {
  runs: { kind: 'int', default: 3, help: 'measured runs per variant (the table shows medians)' },
  duration: { kind: 'number', default: 5, help: 'seconds per run', min: 1 },
  connections: { kind: 'int', default: 50, help: 'concurrent keep-alive connections' },
  warmup: { kind: 'number', default: 1, help: 'unmeasured warm-up seconds per variant', min: 0 },
  pool: { kind: 'int', default: 1000, help: 'distinct tokens rotated in variant (d)' },
  log: { kind: 'string', default: 'silent', help: "gateway log level; anything but 'silent' is written to a null stream" },
  pin: { kind: 'boolean', default: true, help: 'pin the servers to CPU 1 and autocannon to CPU 0 (Linux taskset)' },
} satisfies FlagSpec;

const TARGET_RATIO = 0.5;
const PATH = '/v1/me';
const SERVER_ENTRY = path.join(import.meta.dirname, 'lib', 'auth-servers.ts');
// All CPUs of the machine: os.availableParallelism() shrinks to 1 once this process is pinned.
const MACHINE_CPUS = Math.max(1, os.cpus().length);
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

interface Variant {
  key: AuthVariant;
  label: string;
  server: ServerProcess<AuthServerInfo>;
  requests: autocannon.Request[];
  /** Per-connection request list (connection index 0..connections-1); replaces `requests` for that connection. */
  perConnection?: (index: number, connections: number) => autocannon.Request[];
}

interface RunResult {
  rps: number;
  p99: number;
  non2xx: number;
  errors: number;
  /** Server process CPU time per response, microseconds (user + system, all its threads). */
  serverUsPerReq: number;
  /** Share of the machine's CPU used by processes other than this benchmark during the run, 0..1; NaN off Linux. */
  otherLoad: number;
}

export async function run(args: string[]): Promise<void> {
  const flags = parseFlags(FLAGS, args);
  if (!LOG_LEVELS.includes(flags.log)) throw new UsageError(`--log must be one of ${LOG_LEVELS.join(', ')}`);
  const cpus = os.availableParallelism();
  // Pin only on an unconstrained machine: under an existing affinity mask CPUs 0/1 may not be ours.
  const pin = flags.pin && cpus >= 2 && cpus === MACHINE_CPUS && tasksetAvailable();

  const keys: AuthVariant[] = ['bare', 'cached', 'nocache', 'pool'];
  const plannedSeconds = keys.length * (flags.warmup + flags.runs * flags.duration);
  // Tokens must outlive the whole run (the verifier would refuse them and the bench would measure 401s).
  const tokenTtlSeconds = Math.max(900, Math.ceil(plannedSeconds * 2 + 300));

  console.log('auth benchmark: GET /v1/me, authenticated vs unauthenticated');
  console.log(
    `settings: runs=${flags.runs} duration=${flags.duration}s connections=${flags.connections} warmup=${flags.warmup}s ` +
      `pool=${flags.pool} log=${flags.log} pipelining=1`,
  );
  console.log(
    `machine:  node ${process.version}, ${MACHINE_CPUS} CPUs (${os.cpus()[0]?.model.trim() ?? 'unknown'}), one server process per variant, ` +
      (pin ? 'servers pinned to CPU 1, autocannon to CPU 0' : 'no CPU pinning') +
      `; about ${Math.ceil(plannedSeconds)} s of load`,
  );

  const servers = new Map<AuthVariant, ServerProcess<AuthServerInfo>>();
  let variants: Variant[] = [];
  const results = new Map<AuthVariant, RunResult[]>(keys.map((k) => [k, []]));
  const stats = new Map<AuthVariant, AuthServerStats>();
  try {
    const started = await Promise.allSettled(
      keys.map(async (variant) => {
        const init: AuthServerInit = { variant, poolSize: flags.pool, tokenTtlSeconds, logLevel: flags.log };
        servers.set(variant, await spawnServerProcess<AuthServerInfo>(SERVER_ENTRY, init, { cpu: pin ? 1 : undefined }));
      }),
    );
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    if (pin && !pinSelf(0)) console.log('note: could not pin this process to CPU 0');

    const server = (k: AuthVariant) => servers.get(k)!;
    await safetyChecks(keys.map((k) => ({ key: k, info: server(k).info })));
    const get = (t: string): autocannon.Request => ({ method: 'GET', path: PATH, headers: { authorization: `Bearer ${t}` } });
    const pool = server('pool').info.tokens;
    variants = [
      { key: 'bare', label: '(a) bare handler, no auth', server: server('bare'), requests: server('bare').info.tokens.map(get) },
      { key: 'cached', label: '(b) gateway, token cache, 1 token', server: server('cached'), requests: server('cached').info.tokens.map(get) },
      { key: 'nocache', label: '(c) gateway, no cache (ES256 each req)', server: server('nocache'), requests: server('nocache').info.tokens.map(get) },
      {
        key: 'pool',
        label: `(d) gateway, token cache, ${pool.length} tokens`,
        server: server('pool'),
        requests: pool.map(get),
        // Each connection walks the whole pool from its own offset. Without offsets all connections would move
        // through the pool in lockstep: each token would first arrive on ~every connection at once (concurrent
        // misses of one token) and only the first (requests per connection) tokens would ever be used. Static
        // requests (no setupRequest): autocannon builds each buffer once per connection, so rotating tokens costs
        // the load generator nothing per request and (d) stays comparable with (b).
        perConnection: (i, n) => {
          const offset = Math.floor((i * pool.length) / n) % pool.length;
          return pool.map((_, j) => get(pool[(offset + j) % pool.length]!));
        },
      },
    ];

    if (flags.warmup > 0) {
      for (const v of variants) await load(v, flags.connections, flags.warmup);
    }
    for (let r = 1; r <= flags.runs; r++) {
      for (const v of variants) {
        const res = await load(v, flags.connections, flags.duration);
        results.get(v.key)!.push(res);
        console.log(
          `  run ${r}/${flags.runs} ${v.label.padEnd(38)} ${thousands(res.rps).padStart(7)} req/s  p99 ${fixed(res.p99, 0).padStart(4)} ms` +
            `  server ${fixed(res.serverUsPerReq, 1).padStart(6)} us/req  other load ${percent(res.otherLoad).padStart(4)}` +
            (res.non2xx || res.errors ? `  !! non-2xx ${res.non2xx}, errors ${res.errors}` : ''),
        );
      }
    }
    for (const v of variants) stats.set(v.key, await v.server.call<AuthServerStats>('stats'));
  } finally {
    await Promise.all([...servers.values()].map((s) => s.stop()));
  }

  const summary = variants.map((v) => {
    const rs = results.get(v.key)!;
    return {
      v,
      rps: median(rs.map((x) => x.rps)),
      p99: median(rs.map((x) => x.p99)),
      us: median(rs.map((x) => x.serverUsPerReq)),
      min: Math.min(...rs.map((x) => x.rps)),
      max: Math.max(...rs.map((x) => x.rps)),
      bad: rs.reduce((n, x) => n + x.non2xx + x.errors, 0),
    };
  });
  const row = (k: AuthVariant) => summary.find((s) => s.v.key === k)!;
  const base = row('bare');
  console.log('');
  console.log(
    table(
      ['variant', `req/s (median of ${flags.runs})`, 'p99 ms', 'ratio vs unauth', 'req/s min..max', 'server CPU us/req'],
      summary.map((s) => [
        s.v.label + (s.bad ? ' !!' : ''),
        thousands(s.rps),
        fixed(s.p99, 0),
        fixed(s.rps / base.rps, 2),
        `${thousands(s.min)}..${thousands(s.max)}`,
        fixed(s.us, 1),
      ]),
      ['l', 'r', 'r', 'r', 'r', 'r'],
    ),
  );
  console.log('');
  const cachedRatio = row('cached').rps / base.rps;
  const pass = cachedRatio >= TARGET_RATIO;
  console.log(`target: authenticated (cached) >= ${TARGET_RATIO * 100}% of unauthenticated: ${pass ? 'PASS' : 'FAIL'} (ratio ${fixed(cachedRatio, 2)})`);
  console.log(
    `same by server CPU per request: (a) ${fixed(base.us, 1)} us vs (b) ${fixed(row('cached').us, 1)} us -> ratio ${fixed(base.us / row('cached').us, 2)}`,
  );
  const st = (k: AuthVariant) => stats.get(k);
  console.log(
    `token cache entries at the end: (b) ${st('cached')?.cachedTokens ?? '?'}, (c) ${st('nocache')?.cachedTokens ?? '?'} (cache disabled), ` +
      `(d) ${st('pool')?.cachedTokens ?? '?'} of ${pool(variants)} tokens`,
  );
  console.log(
    `server memory at the end (RSS / heap used, MB): ${variants.map((v) => `${v.label.slice(0, 3)} ${st(v.key)?.rssMb ?? '?'} / ${st(v.key)?.heapUsedMb ?? '?'}`).join(', ')}`,
  );
  const others = median([...results.values()].flat().map((x) => x.otherLoad));
  if (others > 0.1) {
    console.log(
      `note: other processes used ${percent(others)} of the machine's CPU in the median run: req/s and p99 are lower and noisier ` +
        'than on an idle machine (server CPU us/req is less affected, but not immune)',
    );
  }
  const bad = summary.filter((s) => s.bad);
  if (bad.length) {
    console.log(`!! non-2xx responses or connection errors in: ${bad.map((s) => s.v.label).join('; ')} (their numbers are not valid)`);
  }
  if (!pass || bad.length) process.exitCode = 1;
}

const percent = (x: number) => (Number.isFinite(x) ? `${Math.round(x * 100)}%` : 'n/a');
const pool = (variants: Variant[]) => variants.find((v) => v.key === 'pool')?.requests.length ?? 0;

async function load(v: Variant, connections: number, duration: number): Promise<RunResult> {
  let index = 0;
  const perConnection = v.perConnection;
  const busy0 = machineBusyMicros();
  const own0 = ownCpuMicros();
  const server0 = await v.server.cpuMicros();
  const t0 = performance.now();
  const r = await autocannon({
    url: v.server.info.url,
    connections,
    duration,
    requests: v.requests,
    ...(perConnection && { setupClient: (client: autocannon.Client) => client.setRequests(perConnection(index++, connections)) }),
  });
  const server1 = await v.server.cpuMicros();
  const wallUs = (performance.now() - t0) * 1000;
  const own1 = ownCpuMicros();
  const busy1 = machineBusyMicros();
  const serverUs = server1 - server0;
  const otherLoad = busy0 === undefined || busy1 === undefined ? NaN : Math.max(0, busy1 - busy0 - serverUs - (own1 - own0)) / (wallUs * MACHINE_CPUS);
  return {
    rps: r.requests.average,
    p99: r.latency.p99,
    non2xx: r.non2xx,
    errors: r.errors,
    serverUsPerReq: serverUs / Math.max(1, r.requests.total),
    otherLoad,
  };
}

/** Before measuring anything: valid tokens get 200 with the right identity, missing or tampered tokens get 401. */
async function safetyChecks(targets: { key: AuthVariant; info: AuthServerInfo }[]): Promise<void> {
  const failures: string[] = [];
  const expect = async (what: string, url: string, token: string | undefined, status: number, identity?: { subject: string; issuer_id: string }) => {
    const res = await fetch(url + PATH, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
    const text = await res.text();
    if (res.status !== status) {
      failures.push(`${what}: expected ${status}, got ${res.status} ${text.slice(0, 200)}`);
      return;
    }
    if (identity) {
      const got = JSON.parse(text) as { subject?: unknown; issuer_id?: unknown };
      if (got.subject !== identity.subject || got.issuer_id !== identity.issuer_id) failures.push(`${what}: unexpected identity ${text.slice(0, 200)}`);
    }
  };
  for (const { key, info } of targets) {
    const identity = (i: number) => ({ subject: info.tokens.length === 1 ? info.subjectPrefix : `${info.subjectPrefix}-${i}`, issuer_id: info.issuerId });
    const first = info.tokens[0]!;
    await expect(`${key} valid token`, info.url, first, 200, identity(0));
    if (key === 'bare') continue; // no auth by design
    // After the valid request, so where there is a cache the genuine token is in it when its tampered copies arrive.
    await expect(`${key} no token`, info.url, undefined, 401);
    await expect(`${key} tampered signature`, info.url, tamperSignature(first), 401);
    await expect(`${key} tampered payload`, info.url, tamperPayload(first), 401);
    const last = info.tokens.length - 1;
    if (last > 0) await expect(`${key} last pool token`, info.url, info.tokens[last]!, 200, identity(last));
  }
  if (failures.length) throw new Error(`auth safety check failed, refusing to measure:\n  ${failures.join('\n  ')}`);
  console.log('safety:   gateways answer 401 without a token and with a tampered signature or payload, 200 with valid tokens: ok');
}

function tamperSignature(token: string): string {
  const [h, p, s = ''] = token.split('.');
  const i = s.length >> 1; // the middle: every bit of it is significant (unlike the last base64url character)
  return `${h}.${p}.${s.slice(0, i)}${s[i] === 'A' ? 'B' : 'A'}${s.slice(i + 1)}`;
}

function tamperPayload(token: string): string {
  const [h, p = '', s] = token.split('.');
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown>;
  claims['sub'] = `${String(claims['sub'])}-forged`;
  return `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${s}`;
}
