// Shared by the audit, re-identification and data-subject-rights tests: raw reads of the audit
// table, an "exactly one new entry" assertion, tampering through the sqlite3 CLI, chain
// recomputation with any key, verification through the API and through `veilgate audit verify`,
// a small synthetic population (to reach the minimum group sizes) and the database byte scan.
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'vitest';
import { chainHash, GENESIS, type AuditEntry } from '../../src/audit/audit-entry.ts';
import { frenchMobile, scan, type Identity } from './canaries.ts';
import { runVeilgate } from './cli.ts';
import type { Answer, Recorder, Row } from './access.ts';
import type { TestGateway } from './test-gateway.ts';

export const SQLITE3 = '/usr/bin/sqlite3';
export const HAS_SQLITE3 = fs.existsSync(SQLITE3);

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

/** The entry as GET /v1/audit returns it. */
export interface AuditJson {
  seq: number;
  at: string;
  actor: { issuer: string; subject: string };
  roles: string[];
  action: string;
  outcome: string;
  purpose: string | null;
  justification: string | null;
  subjects: string[];
  policy_version: string;
  request_id: string | null;
  detail: Record<string, unknown>;
  prev_hash: string;
  hash: string;
}

export interface Verification {
  ok: boolean;
  entries: number;
  head: { seq: number; hash: string } | null;
  first_invalid_seq: number | null;
  reason?: string;
  reanchored_at?: number[];
  checkpoints?: { checked: number; ignored: number };
}

export const auditRows = (gw: TestGateway): AuditRow[] =>
  gw.sqlite.prepare('SELECT * FROM audit_log ORDER BY seq').all() as AuditRow[];

export const lastSeq = (gw: TestGateway): number =>
  (gw.sqlite.prepare('SELECT coalesce(max(seq), 0) AS n FROM audit_log').get() as { n: number }).n;

export const rowCount = (gw: TestGateway, table: string): number =>
  (gw.sqlite.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;

/** Entries per "action/outcome". */
export function tally(gw: TestGateway): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of gw.sqlite.prepare('SELECT action, outcome, count(*) AS n FROM audit_log GROUP BY action, outcome').all() as { action: string; outcome: string; n: number }[]) {
    out.set(`${r.action}/${r.outcome}`, r.n);
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
  gw: TestGateway, expected: `${string}/${string}` | null, fn: () => Promise<T>,
): Promise<{ answer: T; entry: AuditRow | undefined }> {
  const before = tally(gw);
  const seq = lastSeq(gw);
  const answer = await fn();
  const diff = tallyDiff(before, tally(gw));
  expect(diff, `audit entries added by a request answered ${answer.status}: ${answer.text.slice(0, 300)}`).toEqual(expected ? { [expected]: 1 } : {});
  const added = gw.sqlite.prepare('SELECT * FROM audit_log WHERE seq > ? ORDER BY seq').all(seq) as AuditRow[];
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
 * better-sqlite3 connection stands in.
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

/** The audit key of the dev key file. */
export const auditKeyOf = (gw: TestGateway): Buffer =>
  Buffer.from((JSON.parse(fs.readFileSync(path.join(gw.dataDir, 'keys', 'dev-secrets.json'), 'utf8')) as { audit: string }).audit, 'base64');

const toEntry = (r: AuditRow): AuditEntry => ({
  seq: r.seq, at: r.at, actorIssuer: r.actor_issuer, actorSubject: r.actor_subject, roles: r.roles, action: r.action, outcome: r.outcome,
  purpose: r.purpose, justification: r.justification, subjects: r.subjects, policyVersion: r.policy_version, requestId: r.request_id,
  detail: r.detail, prevHash: r.prev_hash, hash: r.hash,
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

/** An INSERT statement for a row (used to forge rows through the sqlite3 shell). */
export function insertSql(r: AuditRow): string {
  return `INSERT INTO audit_log (seq, at, actor_issuer, actor_subject, roles, action, outcome, purpose, justification, subjects, policy_version, request_id, detail, prev_hash, hash) VALUES (${r.seq}, ${r.at}, ${[
    r.actor_issuer, r.actor_subject, r.roles, r.action, r.outcome, r.purpose, r.justification, r.subjects, r.policy_version, r.request_id, r.detail, r.prev_hash, r.hash,
  ].map(sqlText).join(', ')});`;
}

export const DROP_GUARDS = 'DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete; DROP TRIGGER audit_log_no_replace;';

export async function httpVerify(gw: TestGateway, rec: Recorder): Promise<Verification> {
  const a = await rec.get('/v1/audit/verify', await gw.mint(['dpo'], { sub: 'verifier' }));
  expect(a.status, a.text).toBe(200);
  return a.json as Verification;
}

/** `veilgate audit verify --json` on the gateway's data directory, in a child process. */
export async function cliVerify(gw: TestGateway, json = true, env: Record<string, string> = {}): Promise<{ code: number | null; v: Verification | undefined; stdout: string; stderr: string }> {
  const r = await runVeilgate(['audit', 'verify', ...(json ? ['--json'] : [])], {
    env: { VEILGATE_DEV: '1', VEILGATE_DATA_DIR: gw.dataDir, VEILGATE_POLICIES_DIR: gw.policiesDir, ...env },
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

/** The database file and its WAL, as bytes. */
export function dbBytes(gw: TestGateway): Buffer {
  const file = path.join(gw.dataDir, 'veilgate.db');
  return Buffer.concat([file, `${file}-wal`].filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f)));
}

/** Labels of every needle of `identities` found in the database file or its WAL. */
export function dbLeaks(gw: TestGateway, identities: readonly Identity[]): string[] {
  return scan(dbBytes(gw), identities.flatMap((i) => i.needles)).map((h) => h.label);
}

/** Needles of `identities` in any audit entry (every column). */
export function auditLeaks(gw: TestGateway, identities: readonly Identity[]): string[] {
  const text = auditRows(gw).map((r) => JSON.stringify(r)).join('\n');
  return scan(text, identities.flatMap((i) => i.needles)).map((h) => h.label);
}

export const JUSTIFICATION = 'Customer called support about a late delivery, ticket 88121';
