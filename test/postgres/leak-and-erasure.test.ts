// PostgreSQL: canary identifiers are nowhere in the database but as vault ciphertext (a pg_dump
// and every relation's raw pages, free space included, are scanned), and after an erasure the
// subject's wrapped data key and ciphertext are gone from the vault's pages too: the partition
// that held them is rewritten off the request path, and the receipt says when.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Recorder, seedSubject, type Seeded } from '../helpers/access.ts';
import { scan } from '../helpers/canaries.ts';
import { fillers } from '../helpers/audit.ts';
import { testGateway, type TestGateway } from '../helpers/test-gateway.ts';

const run = promisify(execFile);
const CLOCK = Date.UTC(2026, 0, 15, 9, 30);

/** Every relation file of the database (tables, their TOAST, indexes), read by the server after a checkpoint. */
async function pageBytes(gw: TestGateway, only?: RegExp): Promise<Buffer> {
  await gw.db.exec('CHECKPOINT');
  const rels = await gw.db.all<{ relname: string; path: string }>(
    `SELECT c.relname, pg_relation_filepath(c.oid) AS path FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind IN ('r', 't', 'i', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND pg_relation_filepath(c.oid) IS NOT NULL`,
  );
  const parts: Buffer[] = [];
  for (const r of rels) {
    if (only && !only.test(r.relname)) continue;
    const row = await gw.db.get<{ b: Buffer | null }>('SELECT pg_read_binary_file(?, 0, (pg_stat_file(?, true)).size, true) AS b', r.path, r.path);
    if (row?.b) parts.push(row.b);
  }
  return Buffer.concat(parts);
}

describe("PostgreSQL: identifiers only as vault ciphertext; an erased subject's key and ciphertext leave the pages", () => {
  let gw: TestGateway;
  let gone: Seeded;
  let kept: Seeded;

  beforeAll(async () => {
    gw = await testGateway({ clockStart: CLOCK });
    expect(gw.backend).toBe('postgres');
    const rec = new Recorder(gw);
    gone = await seedSubject(rec, 'pgleak', 1);
    kept = await seedSubject(rec, 'pgleak', 2);
    await rec.ingest('crm', 'customers', fillers('pgleak', 20));
  });
  afterAll(() => gw?.cleanup());

  it('a pg_dump holds no canary, in any table', async () => {
    const url = gw.config.database!.url;
    const { stdout } = await run('pg_dump', ['--data-only', '--no-owner', url], { maxBuffer: 256 * 1024 * 1024 });
    expect(stdout).toContain(gone.pseudonym); // the dump is the database's: pseudonyms are there
    expect(scan(stdout, [...gone.identity.needles, ...kept.identity.needles]).map((h) => h.label)).toEqual([]);
  });

  it('no relation file holds a canary, free space included', async () => {
    const bytes = await pageBytes(gw);
    expect(bytes.includes(Buffer.from(gone.pseudonym))).toBe(true);
    expect(scan(bytes, [...gone.identity.needles, ...kept.identity.needles]).map((h) => h.label)).toEqual([]);
  });

  it('after an erasure the wrapped key and ciphertext are in no vault page; the receipt reports the rewrite', async () => {
    const vaultOf = (p: string) =>
      gw.db.get<{ wrapped_key: Buffer | null; ciphertext: Buffer | null }>(
        'SELECT v.wrapped_key, v.ciphertext FROM vault v JOIN subjects s ON s.id = v.subject_id WHERE s.pseudonym = ?',
        p,
      );
    const before = (await vaultOf(gone.pseudonym))!;
    const other = (await vaultOf(kept.pseudonym))!;
    let pages = await pageBytes(gw, /^vault/);
    expect(pages.includes(before.wrapped_key!)).toBe(true);

    const dpo = await gw.mint(['dpo'], { sub: 'alice' });
    const res = await gw.request('/v1/dsr/erasure', {
      method: 'POST',
      token: dpo,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ reference: 'DSR-PG-0001', identifier: { type: 'email', value: gone.identity.normalized['email'] } }),
    });
    expect(res.status, await res.clone().text()).toBe(200);
    const receipt = (await res.json()) as { id: string; removed: { vault_data_key: string } };
    expect(receipt.removed.vault_data_key).toBe('destroyed');
    await gw.dsr.maintenanceIdle();

    pages = await pageBytes(gw, /^vault/);
    expect(pages.includes(before.wrapped_key!)).toBe(false);
    expect(pages.includes(before.ciphertext!.subarray(0, 48))).toBe(false);
    expect(pages.includes(before.ciphertext!.subarray(-32))).toBe(false);
    // the scan can see a key that is on disk: the other subject's is
    expect(pages.includes(other.wrapped_key!)).toBe(true);

    const a = await gw.request(`/v1/dsr/${receipt.id}`, { token: dpo });
    expect(a.status).toBe(200);
    const m = ((await a.json()) as { maintenance: { vacuum: string; delay_ms: number } }).maintenance;
    expect(m.vacuum).toBe('done');
    expect(m.delay_ms).toBeGreaterThanOrEqual(0);
    expect(m.delay_ms).toBeLessThan(10_000 + 5_000);
  });
});
