// `veilgate ingest FILE` end to end, as an operator runs it: a CSV of customers in several
// batches, then NDJSON transactions; it exits 0 with its summary, writes the rejected rows
// (row, field, code, never a value), stores what the API would, and no identifier reaches its
// output, the errors file, or the database outside vault ciphertext.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_FILE } from '../src/db/sqlite/open-database.ts';
import { transactionsFor } from './helpers/access.ts';
import { canaryIdentity, scan, type Identity } from './helpers/canaries.ts';
import { runVeilgate, type CliResult } from './helpers/cli.ts';
import { toCsv, toNdjson } from './helpers/ingest.ts';
import { tempDir } from './helpers/test-gateway.ts';

const tag = crypto.randomBytes(3).toString('hex');
const ids: Identity[] = Array.from({ length: 8 }, (_, k) => canaryIdentity(tag, k + 1));
const bad = { email: `canary-${tag}-bad@@example.test`, name: `canary-${tag}-badname` };
const needles = [...ids.flatMap((i) => i.needles), { label: 'bad email', value: bad.email }, { label: 'bad row name', value: bad.name }];

describe('veilgate ingest', () => {
  let dir: string;
  let customers: CliResult;
  const env = () => ({ VEILGATE_DEV: '1', VEILGATE_DATA_DIR: path.join(dir, 'data'), VEILGATE_LOG_LEVEL: 'warn' });
  const db = () => new Database(path.join(dir, 'data', DB_FILE), { readonly: true });

  beforeAll(async () => {
    dir = tempDir('cli-ingest');
    const rows = [
      ...ids.slice(0, 4).map((i) => i.record),
      { customer_id: `CID-${tag}-bad`, email: bad.email, first_name: bad.name }, // row 5: bad email
      ...ids.slice(4).map((i) => i.record),
      { first_name: bad.name }, // row 10: no customer_id
    ];
    fs.writeFileSync(path.join(dir, 'customers.csv'), toCsv(rows));
    customers = await runVeilgate(
      [
        'ingest',
        path.join(dir, 'customers.csv'),
        '--source',
        'crm',
        '--type',
        'customers',
        '--batch-size',
        '3',
        '--errors',
        path.join(dir, 'errors.ndjson'),
        '--no-progress',
      ],
      { env: env(), timeoutMs: 60_000 },
    );
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('exits 0 with its summary: rows, batches, accepted, rejected, by rule', () => {
    expect(customers.code, customers.stderr).toBe(0);
    expect(customers.stdout).toMatch(/customers\.csv: 10 rows in 4 batches, 8 accepted, 2 rejected, 0 duplicates/);
    expect(customers.stdout).toMatch(/rejections by rule: \{.*"format":1/);
  });

  it('writes each rejected row with its row number, field and rule, never the value', () => {
    const lines = fs
      .readFileSync(path.join(dir, 'errors.ndjson'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((e) => [e['row'], e['field'], e['code']])).toEqual([
      [5, 'email', 'format'],
      [10, 'customer_id', 'required'],
    ]);
    expect(scan(fs.readFileSync(path.join(dir, 'errors.ndjson')), needles)).toEqual([]);
  });

  it('stored one subject per valid row, pseudonymized, with an audit entry per batch', () => {
    const d = db();
    try {
      expect(d.prepare('SELECT count(*) AS n FROM subjects').get()).toEqual({ n: 8 });
      expect(d.prepare('SELECT count(*) AS n FROM vault WHERE ciphertext IS NOT NULL').get()).toEqual({ n: 8 });
      expect(d.prepare("SELECT count(*) AS n FROM audit_log WHERE action = 'ingest.customers'").get()).toEqual({ n: 4 });
    } finally {
      d.close();
    }
  });

  it('streams NDJSON transactions through the same path, linked by customer_id', async () => {
    const file = path.join(dir, 'transactions.ndjson');
    fs.writeFileSync(
      file,
      toNdjson([
        ...transactionsFor(String(ids[0]!.record['customer_id']), `tx-${tag}-1`),
        { customer_id: 'CID-nobody', date: '2026-01-02', amount: 3, channel: 'web' },
      ]),
    );
    const r = await runVeilgate(['ingest', file, '--source', 'crm', '--type', 'transactions', '--no-progress'], { env: env(), timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    const n = transactionsFor('x', 'y').length;
    expect(r.stdout).toMatch(new RegExp(`${n + 1} rows in 1 batches, ${n} accepted, 1 rejected`));
    const d = db();
    try {
      expect((d.prepare('SELECT max(frequency) AS f FROM subjects').get() as { f: number }).f).toBe(n);
    } finally {
      d.close();
    }
  });

  it('leaves no identifier in its output or in the database and WAL outside vault ciphertext', () => {
    expect(scan(customers.stdout + customers.stderr, needles)).toEqual([]);
    const file = path.join(dir, 'data', DB_FILE);
    const bytes = Buffer.concat([file, `${file}-wal`].filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f)));
    expect(scan(bytes, needles).map((h) => h.label)).toEqual([]);
  });

  it('refuses a bad --type with exit 2 and stores nothing', async () => {
    const r = await runVeilgate(['ingest', path.join(dir, 'customers.csv'), '--source', 'crm', '--type', 'people'], {
      env: { ...env(), VEILGATE_DATA_DIR: path.join(dir, 'other') },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--type must be customers or transactions');
    expect(fs.existsSync(path.join(dir, 'other', DB_FILE))).toBe(false);
  });
});
