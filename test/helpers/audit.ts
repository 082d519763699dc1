// Shared by the audit, re-identification and data-subject-rights tests: raw reads of the audit
// table (through gw.db, on either backend), an "exactly one new entry" assertion, tampering from
// outside the gateway (the sqlite3 CLI on SQLite, psql on PostgreSQL), chain recomputation with
// any key, verification through the API and through `veilgate audit verify`, a small synthetic
// population (to reach the minimum group sizes) and the SQLite file's byte scan.
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'vitest';
import { chainHash, GENESIS, type AuditEntry } from '../../src/audit/audit-entry.ts';
import type { AuditEntryJson } from '../../src/audit/audit-json.ts';
import { frenchMobile, scan, type Identity } from './canaries.ts';
import { runVeilgate } from './cli.ts';
import type { Answer, Recorder, Row } from './access.ts';
import type { TestGateway } from './test-gateway.ts';

export const SQLITE3 = '/usr/bin/sqlite3';
export const HAS_SQLITE3 = fs.existsSync(SQLITE3);
export const PSQL = '/usr/bin/psql';

export interface AuditRow {
  seq: number;
  at: number;
  actor_issuer: string;
  actor_subject: string;
  roles: string;
  action: string;
  outcome: string;
  purpose: string | null;
  justification: string | null;
  subjects: string;
  policy_version: string;
  request_id: string | null;
  detail: string;
  prev_hash: string;
  hash: string;
}

/** The entry as GET /v1/audit returns it (and the audit sink forwards it). */
export type AuditJson = Omit<AuditEntryJson, 'detail'> & { detail: Record<string, unknown> };

export interface Verification {
  ok: boolean;
  entries: number;
  head: { seq: number; hash: string } | null;
  first_invalid_seq: number | null;
  reason?: string;
  reanchored_at?: number[];
  checkpoints?: { checked: number; ignored: number };
}

export const auditRows = (gw: TestGateway): Promise<AuditRow[]> => gw.db.all<AuditRow>('SELECT * FROM audit_log ORDER BY seq');

export const lastSeq = async (gw: TestGateway): Promise<number> =>
  Number((await gw.db.get<{ n: number }>('SELECT coalesce(max(seq), 0) AS n FROM audit_log'))!.n);

export const rowCount = (gw: TestGateway, table: string): Promise<number> => gw.db.count(table);

/** Entries per "action/outcome". */
export async function tally(gw: TestGateway): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const r of await gw.db.all<{ action: string; outcome: string; n: number }>(
    'SELECT action, outcome, count(*) AS n FROM audit_log GROUP BY action, outcome',
  )) {
    out.set(`${r.action}/${r.outcome}`, Number(r.n));
  }
  return out;
}

/** What changed between two tallies (only non-zero differences). */
export function tallyDiff(before: Map<string, number>, after: Map<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of new Set([...before.keys(), ...after.keys()])) {
    const d = (after.get(k) ?? 0) - (before.get(k) ?? 0);
    if (d !== 0) out[k] = d;
  }
  return out;
}

/**
 * Runs `fn` (one request) and asserts it appended exactly one entry, of `action`/`outcome`;
 * returns the answer and that entry. `expected` null: the request must append nothing.
 */
export async function expectEntries<T extends Answer>(
  gw: TestGateway,
  expected: `${string}/${string}` | null,
  fn: () => Promise<T>,
): Promise<{ answer: T; entry: AuditRow | undefined }> {
  const before = await tally(gw);
  const seq = await lastSeq(gw);
  const answer = await fn();
  const diff = tallyDiff(before, await tally(gw));
  expect(diff, `audit entries added by a request answered ${answer.status}: ${answer.text.slice(0, 300)}`).toEqual(expected ? { [expected]: 1 } : {});
  const added = await gw.db.all<AuditRow>('SELECT * FROM audit_log WHERE seq > ? ORDER BY seq', seq);
  expect(added).toHaveLength(expected ? 1 : 0);
  const entry = added[0];
  if (entry) {
    // the entry names the request that caused it
    expect(entry.request_id).toBe(answer.headers.get('x-request-id'));
    expect(entry.policy_version).toBe(gw.policies.version);
    expect(entry.seq).toBe(seq + 1);
    expect(entry.at).toBe(gw.now());
  }
  return { answer, entry };
}

/**
 * Runs SQL through the sqlite3 command-line shell on the gateway's database file while the
 * gateway keeps its own connection open. Without the shell (CI installs it), a separate
 * better-sqlite3 connection stands in. SQLite only: dialect-neutral tests use `tamper`.
 */
export function sqlite3(dataDir: string, sql: string): string {
  const file = path.join(dataDir, 'veilgate.db');
  if (HAS_SQLITE3) return execFileSync(SQLITE3, ['-bail', file, sql], { encoding: 'utf8', timeout: 10_000 });
  const db = new Database(file);
  try {
    db.exec(sql);
  } finally {
    db.close();
  }
  return '';
}

/**
 * Runs SQL (statements separated by semicolons) from outside the gateway, as someone with access
 * to the database would, while the gateway keeps its own connections open: the sqlite3 shell on
 * the SQLite file, psql on the PostgreSQL database (stopping at the first error).
 */
export function tamper(gw: TestGateway, sql: string): string {
  if (gw.backend === 'sqlite') return sqlite3(gw.dataDir, sql);
  return execFileSync(PSQL, ['-v', 'ON_ERROR_STOP=1', '-q', '-d', gw.config.database!.url, '-c', sql], {
    encoding: 'utf8',
    timeout: 10_000,
    // no NOTICE lines (a DROP ... IF EXISTS of nothing) in the test output
    env: { ...process.env, PGOPTIONS: '-c client_min_messages=warning' },
  });
}

/** The append-only triggers of each table, per dialect (PostgreSQL has no INSERT OR REPLACE to guard against; it guards TRUNCATE). */
const GUARDS: Record<'sqlite' | 'postgres', Record<'audit_log' | 'consent_records', string[]>> = {
  sqlite: {
    audit_log: ['audit_log_no_update', 'audit_log_no_delete', 'audit_log_no_replace'],
    consent_records: ['consent_records_no_update', 'consent_records_no_delete', 'consent_records_no_replace'],
  },
  postgres: {
    audit_log: ['audit_log_no_update', 'audit_log_no_delete', 'audit_log_no_truncate'],
    consent_records: ['consent_records_no_update', 'consent_records_no_delete'],
  },
};

/** `DROP TRIGGER name` in the gateway's dialect (PostgreSQL names the table); `IF EXISTS` with `ifExists`. */
export function dropTrigger(gw: TestGateway, name: string, opts: { ifExists?: boolean } = {}): string {
  const table = name.startsWith('audit_log_') ? 'audit_log' : name.startsWith('consent_records_') ? 'consent_records' : undefined;
  if (!table) throw new Error(`unknown trigger ${name}`);
  return `DROP TRIGGER ${opts.ifExists ? 'IF EXISTS ' : ''}${name}${gw.backend === 'postgres' ? ` ON ${table}` : ''};`;
}

/** SQL dropping every append-only guard of `table` in the gateway's dialect (what an attacker with database access would do first). */
export const dropGuards = (gw: TestGateway, table: 'audit_log' | 'consent_records' = 'audit_log', opts: { ifExists?: boolean } = {}): string =>
  GUARDS[gw.backend][table].map((t) => dropTrigger(gw, t, opts)).join(' ');

/** The audit key of the dev key file. */
export const auditKeyOf = (gw: TestGateway): Buffer =>
  Buffer.from((JSON.parse(fs.readFileSync(path.join(gw.dataDir, 'keys', 'dev-secrets.json'), 'utf8')) as { audit: string }).audit, 'base64');

/** A row as the gateway's AuditEntry (what the chain hashes and the exports render). */
export const toEntry = (r: AuditRow): AuditEntry => ({
  seq: r.seq,
  at: r.at,
  actorIssuer: r.actor_issuer,
  actorSubject: r.actor_subject,
  roles: r.roles,
  action: r.action,
  outcome: r.outcome,
  purpose: r.purpose,
  justification: r.justification,
  subjects: r.subjects,
  policyVersion: r.policy_version,
  requestId: r.request_id,
  detail: r.detail,
  prevHash: r.prev_hash,
  hash: r.hash,
});

/** Rows with prev_hash and hash recomputed from the first one under `key` (a forger's rewrite). */
export function rechain(rows: readonly AuditRow[], key: Buffer): AuditRow[] {
  const k = crypto.createSecretKey(key);
  let prev = GENESIS;
  return rows.map((r) => {
    const { hash: _h, ...rest } = toEntry({ ...r, prev_hash: prev });
    const hash = chainHash(k, rest);
    prev = hash;
    return { ...r, prev_hash: rest.prevHash, hash };
  });
}

const sqlText = (v: string | null): string => (v === null ? 'NULL' : `'${v.replaceAll("'", "''")}'`);

/** An INSERT statement for a row (used to forge rows through `tamper`; SQL both dialects share). */
export function insertSql(r: AuditRow): string {
  return `INSERT INTO audit_log (seq, at, actor_issuer, actor_subject, roles, action, outcome, purpose, justification, subjects, policy_version, request_id, detail, prev_hash, hash) VALUES (${r.seq}, ${r.at}, ${[
    r.actor_issuer,
    r.actor_subject,
    r.roles,
    r.action,
    r.outcome,
    r.purpose,
    r.justification,
    r.subjects,
    r.policy_version,
    r.request_id,
    r.detail,
    r.prev_hash,
    r.hash,
  ]
    .map(sqlText)
    .join(', ')});`;
}

/** The audit log's guards on SQLite (`dropGuards(gw)` gives them in the gateway's dialect). */
export const DROP_GUARDS = 'DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete; DROP TRIGGER audit_log_no_replace;';

export async function httpVerify(gw: TestGateway, rec: Recorder): Promise<Verification> {
  const a = await rec.get('/v1/audit/verify', await gw.mint(['dpo'], { sub: 'verifier' }));
  expect(a.status, a.text).toBe(200);
  return a.json as Verification;
}

/** The environment a `veilgate` child process needs to work on the gateway's data directory (and its database, on PostgreSQL). */
export const veilgateEnv = (gw: TestGateway): Record<string, string> => ({
  VEILGATE_DEV: '1',
  VEILGATE_DATA_DIR: gw.dataDir,
  VEILGATE_POLICIES_DIR: gw.policiesDir,
  ...(gw.config.database && { VEILGATE_DATABASE_URL: gw.config.database.url }),
});

/** `veilgate audit verify --json` on the gateway's data directory (and its database, on PostgreSQL), in a child process. */
export async function cliVerify(
  gw: TestGateway,
  json = true,
  env: Record<string, string> = {},
): Promise<{ code: number | null; v: Verification | undefined; stdout: string; stderr: string }> {
  const r = await runVeilgate(['audit', 'verify', ...(json ? ['--json'] : [])], {
    env: { ...veilgateEnv(gw), ...env },
    timeoutMs: 30_000,
  });
  return { code: r.code, v: json ? (JSON.parse(r.stdout) as Verification) : undefined, stdout: r.stdout, stderr: r.stderr };
}

/** The sealed head file: {v, seq, hash, at, mac}. */
export const readHead = (gw: TestGateway): { v: number; seq: number; hash: string; at: number; mac: string } =>
  JSON.parse(fs.readFileSync(path.join(gw.dataDir, 'audit-head.json'), 'utf8')) as { v: number; seq: number; hash: string; at: number; mac: string };

/** Filler customers (no canary), enough to pass minimum group sizes; all prefer the web. */
export function fillers(tag: string, n: number, extra: Row = {}): Row[] {
  return Array.from({ length: n }, (_, i) => ({
    customer_id: `fill-${tag}-${i}`,
    email: `fill.${tag}.${i}@example-mail.test`,
    phone: frenchMobile(),
    birth_date: '1980-05-17',
    postcode: '75011',
    gender: i % 2 ? 'f' : 'm',
    csp: 'employe',
    channel_preference: 'web',
    signup_date: '2019-04-02',
    ...extra,
  }));
}

/** The SQLite database file and its WAL, as bytes (SQLite only: throws on PostgreSQL). */
export function dbBytes(gw: TestGateway): Buffer {
  if (gw.backend !== 'sqlite') throw new Error('dbBytes scans the SQLite file: it runs on the SQLite backend only');
  const file = path.join(gw.dataDir, 'veilgate.db');
  return Buffer.concat([file, `${file}-wal`].filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f)));
}

/** Labels of every needle of `identities` found in the SQLite database file or its WAL (SQLite only). */
export function dbLeaks(gw: TestGateway, identities: readonly Identity[]): string[] {
  return scan(
    dbBytes(gw),
    identities.flatMap((i) => i.needles),
  ).map((h) => h.label);
}

/** Needles of `identities` in any audit entry (every column). */
export async function auditLeaks(gw: TestGateway, identities: readonly Identity[]): Promise<string[]> {
  const text = (await auditRows(gw)).map((r) => JSON.stringify(r)).join('\n');
  return scan(
    text,
    identities.flatMap((i) => i.needles),
  ).map((h) => h.label);
}

export const JUSTIFICATION = 'Customer called support about a late delivery, ticket 88121';
