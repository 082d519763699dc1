// Pure, validated configuration from the environment: called once at start, frozen, passed down.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';

export class ConfigError extends Error {
  readonly code = 'config.invalid';
  constructor(readonly problems: { variable: string; message: string }[]) {
    super('Invalid configuration:\n' + problems.map((p) => `  ${p.variable}: ${p.message}`).join('\n'));
    this.name = 'ConfigError';
  }
}

const intIn = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .refine((n) => n >= min && n <= max, `must be between ${min} and ${max}`);

const flag = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no', ''], { message: 'must be 1/0, true/false or yes/no' })
  .transform((v) => v === '1' || v === 'true' || v === 'yes');

// A 32-byte key in base64; the message never repeats the value.
const key32 = z
  .string()
  .refine((v) => /^[A-Za-z0-9+/_-]+={0,2}$/.test(v.trim()), 'must be base64')
  .transform((v) => Buffer.from(v.trim(), 'base64'))
  .refine((b) => b.length === 32, 'must decode to exactly 32 bytes');

// postgres://user:password@host:port/database; the messages never repeat the value (it may hold a password).
const databaseUrl = z.string().superRefine((v, ctx) => {
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be a URL like postgres://user@host:5432/database' });
    return;
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') ctx.addIssue({ code: 'custom', message: 'must start with postgres:// or postgresql://' });
  else if (!u.hostname) ctx.addIssue({ code: 'custom', message: 'must name a host' });
  else if (u.pathname.length < 2) ctx.addIssue({ code: 'custom', message: 'must name a database (postgres://host/database)' });
  else if (u.searchParams.has('sslmode') || u.searchParams.has('ssl'))
    ctx.addIssue({ code: 'custom', message: 'must not set TLS options: use VEILGATE_DB_TLS and VEILGATE_DB_CA_FILE' });
});

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** Where audit entries are forwarded as they commit, besides the audit table (the record of truth). */
export interface AuditSinkConfig {
  /** jsonl: the export's entry shape, one per line; syslog: RFC 5424 (octet-counted on TCP); cef: ArcSight CEF (in RFC 5424 frames on UDP/TCP). */
  format: 'jsonl' | 'syslog' | 'cef';
  target: { kind: 'stdout' } | { kind: 'file'; path: string } | { kind: 'udp' | 'tcp'; host: string; port: number };
  /** Entries waiting to be sent; past it, new entries are dropped and counted. */
  queue: number;
}

const SINK_USAGE = 'must be FORMAT:TARGET, FORMAT jsonl, syslog or cef, TARGET stdout, a file path, udp://HOST:PORT or tcp://HOST:PORT';

// jsonl:stdout, syslog:udp://127.0.0.1:514, cef:/var/log/veilgate/audit.cef ...
const auditSink = z.string().transform((v, ctx): Omit<AuditSinkConfig, 'queue'> => {
  const m = /^(jsonl|syslog|cef):(.+)$/.exec(v.trim());
  if (!m) {
    ctx.addIssue({ code: 'custom', message: SINK_USAGE });
    return z.NEVER;
  }
  const format = m[1] as AuditSinkConfig['format'];
  const target = m[2]!;
  if (target === 'stdout') return { format, target: { kind: 'stdout' } };
  const net = /^(udp|tcp):\/\/(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(target);
  if (net) {
    const port = Number(net[3]);
    if (port < 1 || port > 65535) {
      ctx.addIssue({ code: 'custom', message: 'the port must be between 1 and 65535' });
      return z.NEVER;
    }
    return { format, target: { kind: net[1] as 'udp' | 'tcp', host: net[2]!.replace(/^\[|\]$/g, ''), port } };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(target)) {
    ctx.addIssue({ code: 'custom', message: `${SINK_USAGE} (a network target is udp://HOST:PORT or tcp://HOST:PORT)` });
    return z.NEVER;
  }
  const file = path.resolve(target);
  if (!fs.existsSync(path.dirname(file))) {
    ctx.addIssue({ code: 'custom', message: 'names a file in a directory that does not exist' });
    return z.NEVER;
  }
  return { format, target: { kind: 'file', path: file } };
});

const envSchema = z.object({
  PORT: intIn(0, 65535).default(8080),
  HOST: z.string().min(1, 'must not be empty').default('127.0.0.1'),
  VEILGATE_DATA_DIR: z.string().min(1, 'must not be empty').default('./data'),
  VEILGATE_POLICIES_DIR: z.string().min(1, 'must not be empty').default('./policies'),
  VEILGATE_DEV: flag.default(false),
  VEILGATE_MAX_BODY_BYTES: intIn(1024, 1024 * 1024 * 1024).default(10 * 1024 * 1024),
  VEILGATE_MAX_BATCH_ROWS: intIn(1, 10_000_000).default(10_000),
  VEILGATE_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  VEILGATE_MASTER_KEY: key32.optional(),
  VEILGATE_PSEUDONYM_KEY: key32.optional(),
  VEILGATE_AUDIT_KEY: key32.optional(),
  VEILGATE_PSEUDONYM_KEY_VERSION: intIn(1, 999).default(1),
  VEILGATE_SEGMENTATION_THREADS: intIn(1, 64).default(2),
  VEILGATE_INGEST_THREADS: intIn(0, 64).optional(),
  VEILGATE_DB_BUSY_TIMEOUT_MS: intIn(0, 600_000).default(5000),
  VEILGATE_AUTH_FAILURES_PER_MINUTE: intIn(1, 1_000_000).default(30),
  VEILGATE_MAX_RULE_TERMS: intIn(1, 1_000_000).default(2000),
  VEILGATE_MAX_JOBS_PER_CALLER: intIn(1, 1000).default(3),
  VEILGATE_JOB_TIMEOUT_MS: intIn(1, 86_400_000).default(15 * 60_000),
  VEILGATE_JOB_LEASE_MS: intIn(150, 3_600_000).default(30_000),
  VEILGATE_JOB_POLL_MS: intIn(10, 600_000).default(1000),
  VEILGATE_AUDIT_HEAD_FILE: z.string().min(1, 'must not be empty').optional(),
  VEILGATE_DATABASE_URL: databaseUrl.optional(),
  VEILGATE_DB_POOL_SIZE: intIn(1, 1000).default(10),
  VEILGATE_DB_STATEMENT_TIMEOUT_MS: intIn(0, 86_400_000).default(60_000),
  VEILGATE_DB_TLS: z.enum(['disable', 'require', 'verify-full'], { message: 'must be disable, require or verify-full' }).optional(),
  VEILGATE_DB_CA_FILE: z.string().min(1).optional(),
  VEILGATE_METRICS_PORT: intIn(0, 65535).optional(),
  VEILGATE_SHUTDOWN_GRACE_MS: intIn(0, 3_600_000).default(25_000),
  VEILGATE_AUDIT_SINK: auditSink.optional(),
  VEILGATE_AUDIT_SINK_QUEUE: intIn(1, 1_000_000).default(10_000),
});

export interface DatabaseConfig {
  /** postgres://...: never logged (it may hold a password). */
  url: string;
  poolSize: number;
  /** Per statement; 0 is none. Long work (a segmentation's read) sets its own. */
  statementTimeoutMs: number;
  /** TLS to the server: verify-full unless the host is loopback, where it is off by default. */
  tls: 'disable' | 'require' | 'verify-full';
  /** PEM file of the CA that signed the server's certificate (verify-full; else the system's). */
  caFile?: string;
}

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  policiesDir: string;
  dev: boolean;
  maxBodyBytes: number;
  maxBatchRows: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  keys: { master?: Buffer; pseudonym?: Buffer; audit?: Buffer };
  /** Version stamped into every pseudonym, so a rotated pseudonymization key is recognisable. */
  pseudonymKeyVersion: number;
  /** Threads a k-means job may use for assignment (the job itself already runs off the event loop). */
  segmentationThreads: number;
  /** Worker threads that parse, validate and encrypt ingest batches while the event loop commits (0: inline). */
  ingestThreads: number;
  /** How long a write waits for another writer before the request is refused with a 503. */
  dbBusyTimeoutMs: number;
  /** Refused authentications one client address may cause per minute before it is answered 429. */
  authFailuresPerMinute: number;
  /** Conditions and `in` values a segmentation request may hold, rules and filters together. */
  maxRuleTerms: number;
  /** Segmentation runs one caller may have queued or running at once. */
  maxJobsPerCaller: number;
  /** A segmentation job running longer is stopped and fails with reason `timeout`. */
  jobTimeoutMs: number;
  /** How long an instance's claim on a running job holds unless renewed (another instance takes it over after). */
  jobLeaseMs: number;
  /** How often an idle instance looks for queued runs (and lapsed claims). */
  jobPollMs: number;
  /** PostgreSQL, when VEILGATE_DATABASE_URL is set; else the SQLite file in the data directory. */
  database?: DatabaseConfig;
  /** Where this instance writes the sealed audit head (default: audit-head.json in the data directory). */
  auditHeadFile: string;
  /** A listener of its own on 127.0.0.1 serving /metrics without a token (for a local scraper). */
  metricsPort?: number;
  /** On SIGTERM: how long requests in flight and a running job get to finish before they are cut off (the job handed back). */
  shutdownGraceMs: number;
  /** Where audit entries are forwarded as they commit (VEILGATE_AUDIT_SINK); none when unset. */
  auditSink?: AuditSinkConfig;
}

/**
 * Secrets that may also come from a file named by `<VARIABLE>_FILE` (a mounted container secret,
 * e.g. VEILGATE_MASTER_KEY_FILE=/run/secrets/master_key), so they need not sit in the environment.
 */
export const FILE_SECRETS = ['VEILGATE_MASTER_KEY', 'VEILGATE_PSEUDONYM_KEY', 'VEILGATE_AUDIT_KEY', 'VEILGATE_DATABASE_URL'] as const;

/** A secret's value from its file: one trailing newline (what editors and `echo` add) is not part of it. */
function secretFrom(file: string): string | { problem: string } {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return { problem: 'names a file that cannot be read' };
  }
  const value = text.replace(/\r?\n$/, '');
  return value === '' ? { problem: 'names an empty file' } : value;
}

export function loadConfig(env: Record<string, string | undefined>): Readonly<Config> {
  // Unset and empty are the same for optional values, so `FOO= cmd` behaves like no FOO.
  const picked: Record<string, string> = {};
  for (const k of Object.keys(envSchema.shape)) {
    const v = env[k];
    if (v !== undefined && v !== '') picked[k] = v;
  }
  const problems: { variable: string; message: string }[] = [];
  const fromFile = new Set<string>();
  for (const k of FILE_SECRETS) {
    const file = env[`${k}_FILE`];
    if (file === undefined || file === '') continue;
    if (picked[k] !== undefined) {
      problems.push({ variable: `${k}_FILE`, message: `is set as well as ${k}: set one of them` });
      continue;
    }
    const v = secretFrom(file);
    if (typeof v === 'string') {
      picked[k] = v;
      fromFile.add(k);
    } else problems.push({ variable: `${k}_FILE`, message: v.problem });
  }
  const parsed = envSchema.safeParse(picked);
  if (!parsed.success || problems.length > 0) {
    throw new ConfigError([
      ...problems,
      ...(parsed.error?.issues ?? []).map((i) => {
        const variable = String(i.path[0] ?? '?');
        // Our messages and zod's defaults describe the rule, never the value: secrets stay secret.
        return { variable: fromFile.has(variable) ? `${variable}_FILE` : variable, message: i.message };
      }),
    ]);
  }
  const e = parsed.data;
  const dbHost = e.VEILGATE_DATABASE_URL ? new URL(e.VEILGATE_DATABASE_URL).hostname : '';
  if (e.VEILGATE_DB_CA_FILE && !e.VEILGATE_DATABASE_URL) {
    throw new ConfigError([{ variable: 'VEILGATE_DB_CA_FILE', message: 'is only used with VEILGATE_DATABASE_URL' }]);
  }
  if (picked['VEILGATE_AUDIT_SINK_QUEUE'] !== undefined && !e.VEILGATE_AUDIT_SINK) {
    throw new ConfigError([{ variable: 'VEILGATE_AUDIT_SINK_QUEUE', message: 'is only used with VEILGATE_AUDIT_SINK' }]);
  }
  return Object.freeze({
    port: e.PORT,
    host: e.HOST,
    dataDir: path.resolve(e.VEILGATE_DATA_DIR),
    policiesDir: path.resolve(e.VEILGATE_POLICIES_DIR),
    dev: e.VEILGATE_DEV,
    maxBodyBytes: e.VEILGATE_MAX_BODY_BYTES,
    maxBatchRows: e.VEILGATE_MAX_BATCH_ROWS,
    logLevel: e.VEILGATE_LOG_LEVEL,
    pseudonymKeyVersion: e.VEILGATE_PSEUDONYM_KEY_VERSION,
    segmentationThreads: e.VEILGATE_SEGMENTATION_THREADS,
    // one core for the event loop (HTTP and the database writer), the others prepare batches
    ingestThreads: e.VEILGATE_INGEST_THREADS ?? Math.min(2, Math.max(0, os.availableParallelism() - 1)),
    dbBusyTimeoutMs: e.VEILGATE_DB_BUSY_TIMEOUT_MS,
    authFailuresPerMinute: e.VEILGATE_AUTH_FAILURES_PER_MINUTE,
    maxRuleTerms: e.VEILGATE_MAX_RULE_TERMS,
    maxJobsPerCaller: e.VEILGATE_MAX_JOBS_PER_CALLER,
    jobTimeoutMs: e.VEILGATE_JOB_TIMEOUT_MS,
    auditHeadFile: path.resolve(e.VEILGATE_AUDIT_HEAD_FILE ?? path.join(e.VEILGATE_DATA_DIR, 'audit-head.json')),
    jobLeaseMs: e.VEILGATE_JOB_LEASE_MS,
    jobPollMs: e.VEILGATE_JOB_POLL_MS,
    shutdownGraceMs: e.VEILGATE_SHUTDOWN_GRACE_MS,
    ...(e.VEILGATE_METRICS_PORT !== undefined && { metricsPort: e.VEILGATE_METRICS_PORT }),
    ...(e.VEILGATE_AUDIT_SINK && { auditSink: Object.freeze({ ...e.VEILGATE_AUDIT_SINK, queue: e.VEILGATE_AUDIT_SINK_QUEUE }) }),
    ...(e.VEILGATE_DATABASE_URL && {
      database: Object.freeze({
        url: e.VEILGATE_DATABASE_URL,
        poolSize: e.VEILGATE_DB_POOL_SIZE,
        statementTimeoutMs: e.VEILGATE_DB_STATEMENT_TIMEOUT_MS,
        tls: e.VEILGATE_DB_TLS ?? (LOOPBACK.has(dbHost) ? 'disable' : 'verify-full'),
        ...(e.VEILGATE_DB_CA_FILE && { caFile: path.resolve(e.VEILGATE_DB_CA_FILE) }),
      }),
    }),
    keys: Object.freeze({
      ...(e.VEILGATE_MASTER_KEY && { master: e.VEILGATE_MASTER_KEY }),
      ...(e.VEILGATE_PSEUDONYM_KEY && { pseudonym: e.VEILGATE_PSEUDONYM_KEY }),
      ...(e.VEILGATE_AUDIT_KEY && { audit: e.VEILGATE_AUDIT_KEY }),
    }),
  });
}
