// Operational endpoints and the embedded database: probes, OpenAPI, offline docs, SQLite settings.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_FILE, MIGRATIONS_DIR } from '../src/db/sqlite/open-database.ts';
import { READY_PROBE_MS } from '../src/http/create-app.ts';
import { expectProblem } from './helpers/problem.ts';
import { testGateway, type TestGateway } from './helpers/test-gateway.ts';

const journal = JSON.parse(fs.readFileSync(path.join(MIGRATIONS_DIR, 'meta', '_journal.json'), 'utf8')) as {
  entries: { tag: string }[];
};

describe('operations endpoints', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await testGateway();
  });
  afterAll(() => gw?.cleanup());

  it('GET /healthz is 200 without a token', async () => {
    const res = await gw.request('/healthz');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('GET /readyz is 200 with database, migrations and policies ok', async () => {
    const res = await gw.request('/readyz');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; checks: Record<string, string> };
    expect(body.status).toBe('ready');
    expect(body.checks).toMatchObject({ database: 'ok', migrations: 'ok', policies: 'ok' });
    expect(Object.values(body.checks).every((v) => v === 'ok')).toBe(true);
  });

  it('the readiness probe really writes to the database (at most once per READY_PROBE_MS)', async () => {
    gw.advance(READY_PROBE_MS + 1234);
    expect((await gw.request('/readyz')).status).toBe(200);
    const row = await gw.db.get<{ value: string; updated_at: number }>("SELECT value, updated_at FROM service_state WHERE key = 'ready_probe'");
    expect(row).toEqual({ value: String(gw.now()), updated_at: gw.now() });
  });

  it('GET /openapi.json is OpenAPI 3.1.0 with /v1/me and /v1/policies', async () => {
    const res = await gw.request('/openapi.json');
    expect(res.status).toBe(200);
    const text = await res.text();
    const doc = JSON.parse(text) as { openapi: string; info: { title: string }; paths: Record<string, Record<string, unknown>>; components?: unknown };
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.title).toBe('Veilgate');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/me', '/v1/policies', '/healthz', '/readyz']));
    expect(doc.paths['/v1/me']).toHaveProperty('get');
    expect(doc.paths['/v1/policies']).toHaveProperty('get');
    expect(JSON.stringify(doc.components)).toContain('bearer');
  });

  it('GET /docs is HTML referencing only local /docs/assets/ URLs, and every asset loads', async () => {
    const res = await gw.request('/docs');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    // No absolute or protocol-relative URL anywhere in the page.
    expect(html).not.toMatch(/https?:\/\//i);
    expect(html).not.toMatch(/(src|href)\s*=\s*["']?\/\//i);
    const refs = [...html.matchAll(/\b(?:src|href)\s*=\s*["']([^"']+)["']/gi)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThanOrEqual(3);
    for (const ref of refs) expect(ref).toMatch(/^\/docs\/assets\/[\w.-]+$/);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");

    for (const ref of refs) {
      const asset = await gw.request(ref);
      expect(asset.status, ref).toBe(200);
      expect(asset.headers.get('content-type'), ref).toMatch(ref.endsWith('.css') ? /^text\/css/ : /^text\/javascript/);
      const body = await asset.text();
      expect(body.length, ref).toBeGreaterThan(ref.endsWith('init.js') ? 10 : 1000);
    }
    // The init script points Swagger UI at the local spec.
    const init = await (await gw.request('/docs/assets/init.js')).text();
    expect(init).toContain("'/openapi.json'");
    expect(init).not.toMatch(/https?:\/\//);
  });

  it('HEAD /healthz is answered', async () => {
    const res = await gw.request('/healthz', { method: 'HEAD' });
    expect(res.status).toBe(200);
  });
});

describe('the SQLite database file', () => {
  let gw: TestGateway;
  let file: string;
  beforeAll(async () => {
    gw = await testGateway();
    file = path.join(gw.dataDir, DB_FILE);
  });
  afterAll(() => gw?.cleanup());

  it('is <dataDir>/veilgate.db', () => {
    expect(DB_FILE).toBe('veilgate.db');
    expect(gw.sqliteStorage.file).toBe(file);
    expect(fs.existsSync(file)).toBe(true);
  });

  it('is in WAL mode (checked from a separate connection: the mode is persistent)', () => {
    const other = new Database(file, { readonly: true, fileMustExist: true });
    try {
      expect(other.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      other.close();
    }
    expect(gw.sqlite.pragma('journal_mode', { simple: true })).toBe('wal');
  });

  it('has foreign_keys on in the gateway connection', () => {
    expect(gw.sqlite.pragma('foreign_keys', { simple: true })).toBe(1);
  });

  it('records as many migrations as migrations/meta/_journal.json lists', () => {
    expect(journal.entries.length).toBeGreaterThan(0);
    const other = new Database(file, { readonly: true, fileMustExist: true });
    try {
      const { n } = other.prepare('SELECT count(*) AS n FROM __drizzle_migrations').get() as { n: number };
      expect(n).toBe(journal.entries.length);
      // Every shipped migration file exists.
      for (const e of journal.entries) expect(fs.existsSync(path.join(MIGRATIONS_DIR, `${e.tag}.sql`))).toBe(true);
      // And the schema of the foundation migration is there.
      const tables = (other.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((t) => t.name);
      expect(tables).toContain('service_state');
    } finally {
      other.close();
    }
  });
});

describe('readiness after the database is gone', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await testGateway();
  });
  afterAll(() => gw?.cleanup());

  it('is 503 problem+json once the sqlite connection is closed, while /healthz stays 200', async () => {
    expect((await gw.request('/readyz')).status).toBe(200);
    await gw.storage.close();
    // the last proof stands for READY_PROBE_MS: the next probe after it finds the connection gone
    gw.advance(READY_PROBE_MS);
    const res = await gw.request('/readyz');
    const { body, text } = await expectProblem(res, 503, 'server.unavailable');
    expect(body.detail).toMatch(/database/);
    expect(text).not.toMatch(/connection is not open|SqliteError|TypeError/i);
    expect((await gw.request('/healthz')).status).toBe(200);
  });
});
