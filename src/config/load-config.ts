// Pure, validated configuration from the environment: called once at start, frozen, passed down.
import path from 'node:path';
import { z } from 'zod';

export class ConfigError extends Error {
  readonly code = 'config.invalid';
  constructor(readonly problems: { variable: string; message: string }[]) {
    super(
      'Invalid configuration:\n' + problems.map((p) => `  ${p.variable}: ${p.message}`).join('\n'),
    );
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

const envSchema = z.object({
  PORT: intIn(0, 65535).default(8080),
  HOST: z.string().min(1, 'must not be empty').default('127.0.0.1'),
  VEILGATE_DATA_DIR: z.string().min(1, 'must not be empty').default('./data'),
  VEILGATE_POLICIES_DIR: z.string().min(1, 'must not be empty').default('./policies'),
  VEILGATE_DEV: flag.default(false),
  VEILGATE_MAX_BODY_BYTES: intIn(1024, 1024 * 1024 * 1024).default(10 * 1024 * 1024),
  VEILGATE_MAX_BATCH_ROWS: intIn(1, 10_000_000).default(10_000),
  VEILGATE_LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default('info'),
  VEILGATE_MASTER_KEY: key32.optional(),
  VEILGATE_PSEUDONYM_KEY: key32.optional(),
  VEILGATE_AUDIT_KEY: key32.optional(),
  VEILGATE_PSEUDONYM_KEY_VERSION: intIn(1, 999).default(1),
  VEILGATE_SEGMENTATION_THREADS: intIn(1, 64).default(2),
  VEILGATE_DB_BUSY_TIMEOUT_MS: intIn(0, 600_000).default(5000),
  VEILGATE_AUTH_FAILURES_PER_MINUTE: intIn(1, 1_000_000).default(30),
  VEILGATE_MAX_RULE_TERMS: intIn(1, 1_000_000).default(2000),
  VEILGATE_MAX_JOBS_PER_CALLER: intIn(1, 1000).default(3),
  VEILGATE_JOB_TIMEOUT_MS: intIn(1, 86_400_000).default(15 * 60_000),
});

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
}

export function loadConfig(env: Record<string, string | undefined>): Readonly<Config> {
  // Unset and empty are the same for optional values, so `FOO= cmd` behaves like no FOO.
  const picked: Record<string, string> = {};
  for (const k of Object.keys(envSchema.shape)) {
    const v = env[k];
    if (v !== undefined && v !== '') picked[k] = v;
  }
  const parsed = envSchema.safeParse(picked);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => ({
        variable: String(i.path[0] ?? '?'),
        // Our messages and zod's defaults describe the rule, never the value: secrets stay secret.
        message: i.message,
      })),
    );
  }
  const e = parsed.data;
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
    dbBusyTimeoutMs: e.VEILGATE_DB_BUSY_TIMEOUT_MS,
    authFailuresPerMinute: e.VEILGATE_AUTH_FAILURES_PER_MINUTE,
    maxRuleTerms: e.VEILGATE_MAX_RULE_TERMS,
    maxJobsPerCaller: e.VEILGATE_MAX_JOBS_PER_CALLER,
    jobTimeoutMs: e.VEILGATE_JOB_TIMEOUT_MS,
    keys: Object.freeze({
      ...(e.VEILGATE_MASTER_KEY && { master: e.VEILGATE_MASTER_KEY }),
      ...(e.VEILGATE_PSEUDONYM_KEY && { pseudonym: e.VEILGATE_PSEUDONYM_KEY }),
      ...(e.VEILGATE_AUDIT_KEY && { audit: e.VEILGATE_AUDIT_KEY }),
    }),
  });
}
