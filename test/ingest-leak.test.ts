// The leak test: canary identities go in through JSON, NDJSON and CSV (valid and invalid rows,
// refused batches, a storage failure), then the database file, its WAL, the logs and every answer
// are scanned for every canary in raw and normalized form. The only place they may exist is the
// vault ciphertext, which must decrypt back to them.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brokenIban, canaryIdentity, digits, frenchIban, nir, scan, type Identity } from './helpers/canaries.ts';
import { withFailingTrigger } from './helpers/faults.ts';
import { counts, encode, features, ingestClient, readVault, TABLES, toCsv, type IngestClient } from './helpers/ingest.ts';
import { testGateway, type TestGateway } from './helpers/test-gateway.ts';

const CLOCK = Date.UTC(2026, 0, 15);
const tag = crypto.randomBytes(3).toString('hex');
const ids: Identity[] = Array.from({ length: 8 }, (_, k) => canaryIdentity(tag, k + 1));
const id = (i: number): Identity => ids[i - 1]!;

/** Canaries that only ever travel in rejected rows, refused batches or unknown columns: found nowhere, not even in the vault. */
const forbidden: { label: string; value: string }[] = [];
const x = (label: string, value?: string): string => {
  const v = value ?? `canary-${tag}-x${String(forbidden.length + 1).padStart(2, '0')}`;
  forbidden.push({ label, value: v });
  return v;
};

function allFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? allFiles(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

const describeHits = (hits: { label: string; at: number }[]) => hits.map((h) => `${h.label}@${h.at}`).join(', ');

describe('leak test: identifiers exist only as vault ciphertext', () => {
  let gw: TestGateway;
  let client: IngestClient;
  const valid = () => ids.flatMap((i) => i.needles);
  const everything = () => [...valid(), ...forbidden];

  beforeAll(async () => {
    gw = await testGateway({ clockStart: CLOCK });
    client = await ingestClient(gw);
    // Guard against false positives: no canary may be a piece of the fixed clock's digits.
    for (const n of everything()) expect(String(CLOCK).includes(n.value)).toBe(false);
  });
  afterAll(() => gw.cleanup());

  it('the scanner finds a canary in any case, and skips a postcode inside a random hex id only', () => {
    const n = id(1).needles.find((x) => x.label === 'email#1')!;
    expect(scan(Buffer.from(`\u0000\u0001${n.value.toUpperCase()}\u00ff`, 'latin1'), [n])).toHaveLength(1);
    const pc = { label: 'pc', value: '20167' };
    expect(scan('"postcode":"20167"', [pc])).toHaveLength(1);
    expect(scan('id 0f3a9b2c-1d4e-4a20-8b16-7c2e20167abc', [pc])).toHaveLength(0);
  });

  it('ingests valid and invalid canary rows through JSON (crm), NDJSON (eshop) and CSV (stores)', async () => {
    // JSON: identities 1 and 2, plus rows that fail validation, each carrying canaries.
    const badIban = brokenIban(frenchIban(`CX${tag.toUpperCase()}01X`));
    x('bad iban', badIban);
    x('bad iban account', `CX${tag.toUpperCase()}01X`);
    const badNir = nir(1, '71', '04', '13', digits(3), digits(3)).replace(/(\d{2})$/, (k) => String((Number(k) % 90) + 3).padStart(2, '0'));
    x('bad nir', badNir);
    const badPhone = `+33 9${digits(12)}`;
    x('bad phone', badPhone);
    x('bad phone digits', badPhone.replace(/\D/g, ''));
    const json = await client.ingest(
      'crm',
      'customers',
      [
        id(1).record,
        { customer_id: `CID-${x('customer_id of a bad-email row')}`, email: `${x('bad email')}@@example.test`, first_name: x('name in a bad-email row') },
        // An unknown key that is itself a value (an e-mail): counted, never echoed nor stored.
        { ...id(2).record, loyalty_note: x('unknown column value'), [`${x('e-mail used as a key')}@example.test`]: true },
        { customer_id: `CID-${x('customer_id of a bad-iban row')}`, iban: badIban, last_name: x('name in a bad-iban row') },
        { customer_id: `CID-${x('customer_id of a bad-nir row')}`, nir: badNir },
        { customer_id: `CID-${x('customer_id of a bad-phone row')}`, phone: badPhone },
        { customer_id: `CID-${x('customer_id of a long-name row')}`, first_name: x('too long name') + 'y'.repeat(120) },
        { customer_id: `CID-${x('customer_id of a lone-surrogate row')}`, last_name: `${x('lone surrogate name')}\ud800` },
        { customer_id: `CID-${x('customer_id of a future-birth row')}`, birth_date: '2031-06-17', city: x('city in a future-birth row') },
      ],
      'json',
    );
    expect(json.accepted).toBe(2);
    expect(json.rejected).toBe(7);
    expect(json.errors.map((e) => [e.row, e.field, e.code])).toEqual([
      [2, 'email', 'format'],
      [4, 'iban', 'checksum'],
      [5, 'nir', 'checksum'],
      [6, 'phone', 'format'],
      [7, 'first_name', 'max_length'],
      [8, 'last_name', 'invalid_unicode'],
      [9, 'birth_date', 'range'],
    ]);
    expect(json.ignored_fields).toEqual(['loyalty_note']);
    expect(json.ignored_unlisted).toBe(1);

    // NDJSON: identities 3 and 4 (blank line between), one invalid row.
    const nd = await client.post(
      '/v1/ingest/eshop/customers',
      `${JSON.stringify(id(3).record)}\n\n${JSON.stringify({ customer_id: `CID-${x('customer_id of an ndjson bad row')}`, email: x('ndjson bad email') })}\n${JSON.stringify(id(4).record)}\n`,
      { contentType: 'application/x-ndjson' },
    );
    expect(nd.status, nd.text).toBe(200);
    expect(nd.json).toMatchObject({ accepted: 2, rejected: 1, errors: [{ row: 2, field: 'email', code: 'format' }] });

    // CSV: identities 5 and 6, identity 1 again from another source (vault update path), a bad row.
    const csv = await client.post(
      '/v1/ingest/stores/customers',
      toCsv([
        id(5).record,
        { customer_id: `CID-${x('customer_id of a csv bad row')}`, email: 'ok@example.test', postcode: x('csv bad postcode') },
        id(6).record,
        { ...id(1).record, email: id(1).record['email']!.toString().toUpperCase() },
      ]),
      { contentType: 'text/csv' },
    );
    expect(csv.status, csv.text).toBe(200);
    expect(csv.json).toMatchObject({ accepted: 3, rejected: 1, errors: [{ row: 2, field: 'postcode', code: 'format' }] });

    // Semicolon CSV: identity 8.
    const semi = await client.post('/v1/ingest/stores/customers', toCsv([id(8).record], undefined, ';'), { contentType: 'text/csv; charset=utf-8' });
    expect(semi.status, semi.text).toBe(200);
    expect(semi.json).toMatchObject({ accepted: 1, rejected: 0 });

    // Idempotent retry of identity 7.
    const body7 = JSON.stringify([id(7).record]);
    const first = await client.post('/v1/ingest/crm/customers', body7, { idempotencyKey: `k-${tag}` });
    const again = await client.post('/v1/ingest/crm/customers', body7, { idempotencyKey: `k-${tag}` });
    expect(first.status).toBe(200);
    expect(again.text).toBe(first.text);
  });

  it('ingests transactions linked by email and by customer_id, and refuses unknown linkage keys', async () => {
    const tx = (extra: Record<string, unknown>, n: number) => ({ date: '2025-12-0' + n, amount: 10 * n, channel: 'web', ...extra });
    const json = await client.ingest(
      'crm',
      'transactions',
      [
        tx({ email: String(id(1).record['email']).toUpperCase() }, 1),
        tx({ email: `${x('unknown customer email')}@example.test` }, 2),
        tx({ customer_id: id(2).record['customer_id'] }, 3),
      ],
      'json',
    );
    expect(json.errors.map((e) => [e.row, e.field, e.code])).toEqual([[2, 'email', 'unknown_subject']]);
    const nd = await client.ingest('eshop', 'transactions', [tx({ email: id(3).record['email'] }, 4)], 'ndjson');
    expect(nd.accepted).toBe(1);
    const csv = await client.ingest(
      'stores',
      'transactions',
      [
        tx({ customer_id: id(5).record['customer_id'] }, 5),
        tx({ customer_id: id(6).record['customer_id'] }, 6),
        tx({ customer_id: `CID-${x('unknown customer id')}` }, 7),
      ],
      'csv',
    );
    expect(csv.errors.map((e) => [e.row, e.field, e.code])).toEqual([[3, 'customer_id', 'unknown_subject']]);
    // identity 3's customer id belongs to eshop: from crm it links to nobody.
    const cross = await client.ingest('crm', 'transactions', [tx({ customer_id: id(3).record['customer_id'] }, 8)], 'csv');
    expect(cross.errors.map((e) => [e.row, e.field, e.code])).toEqual([[1, 'customer_id', 'unknown_subject']]);
  });

  it('refused batches carrying canaries store nothing: atomic, malformed, wrong type, headerless CSV, storage failure', async () => {
    const before = await counts(gw);
    const atomic = await client.post(
      '/v1/ingest/crm/customers',
      JSON.stringify([
        { customer_id: `CID-${x('atomic good row id')}`, email: `${x('atomic good row email')}@example.test`, street: x('atomic street') },
        { customer_id: `CID-${x('atomic bad row id')}`, email: x('atomic bad email') },
      ]),
      { query: 'atomic=true' },
    );
    expect(atomic.status).toBe(422);

    const malformedJson = await client.post(
      '/v1/ingest/crm/customers',
      `[{"customer_id":"CID-${x('malformed json id')}","email":"${x('malformed json email')}@example.test"`,
    );
    expect(malformedJson.status).toBe(400);
    const malformedNd = await client.post(
      '/v1/ingest/crm/customers',
      `{"customer_id":"CID-${x('malformed ndjson id')}"}\n{"email":"${x('malformed ndjson email')}`,
      { contentType: 'application/x-ndjson' },
    );
    expect(malformedNd.status).toBe(400);
    const malformedCsv = await client.post(
      '/v1/ingest/crm/customers',
      `customer_id,email\n"CID-${x('malformed csv id')},${x('malformed csv email')}@example.test\n`,
      { contentType: 'text/csv' },
    );
    expect(malformedCsv.status).toBe(400);
    const wrongType = await client.post('/v1/ingest/crm/customers', JSON.stringify([{ customer_id: `CID-${x('wrong type id')}` }]), {
      contentType: 'text/plain',
    });
    expect(wrongType.status).toBe(415);

    // A CSV sent without its header line: the first data row is read as the header.
    const headerless = await client.post(
      '/v1/ingest/crm/customers',
      `CID-${x('headerless id 1')},${x('headerless email 1')}@example.test,${x('headerless name 1')}\nCID-${x('headerless id 2')},${x('headerless email 2')}@example.test,${x('headerless name 2')}\n`,
      { contentType: 'text/csv' },
    );
    expect(headerless.status).toBe(200);
    expect(headerless.json).toMatchObject({ accepted: 0, rejected: 1, errors: [{ row: 1, field: 'customer_id', code: 'required' }] });
    // Its "column names" are the first row's values: they must not be echoed as ignored fields.
    expect((headerless.json as { ignored_fields: string[] }).ignored_fields).toEqual([]);

    const failed = await withFailingTrigger(gw, { name: 'leak_fail', event: 'BEFORE INSERT ON vault', message: 'forced failure' }, () =>
      client.post(
        '/v1/ingest/crm/customers',
        JSON.stringify([
          { customer_id: `CID-${x('storage failure id')}`, email: `${x('storage failure email')}@example.test`, last_name: x('storage failure name') },
        ]),
      ),
    );
    expect(failed.status).toBe(500);
    const after = await counts(gw);
    // Only the headerless batch was recorded (with its one rejected row); no subject, link or vault row.
    expect(after).toMatchObject({
      subjects: before.subjects,
      subject_links: before.subject_links,
      vault: before.vault,
      transactions: before.transactions,
      ingest_batches: before.ingest_batches + 1,
    });
  });

  it('stored the 8 identities: one subject each, features generalized', async () => {
    const rows = await features(gw);
    expect(rows).toHaveLength(8);
    expect(rows.map((r) => r.area).sort()).toEqual(['04', '05', '09', '15', '23', '2A', '48', '971']);
    for (const r of rows) {
      expect(r.age).toBeGreaterThan(40);
      expect(r.csp).toBe('cadre');
    }
    expect(rows.reduce((s, r) => s + r.frequency, 0)).toBe(5);
  });

  it('no table holds a canary in any column', async () => {
    const text = (v: unknown) =>
      JSON.stringify(v, (_k, x: unknown) =>
        x && typeof x === 'object' && (x as { type?: string }).type === 'Buffer' ? Buffer.from((x as { data: number[] }).data).toString('latin1') : x,
      );
    // positive control: the dump holds real content (features are in plain text)
    const subjects = text(await gw.db.all('SELECT * FROM subjects'));
    expect(scan(subjects, [{ label: 'csp', value: 'cadre' }]).length).toBeGreaterThan(0);
    for (const table of [...TABLES, 'audit_log', 'suppressions', 'erasures', 'service_state']) {
      const hits = scan(text(await gw.db.all(`SELECT * FROM ${table}`)), everything());
      expect(hits, `${table}: ${describeHits(hits)}`).toEqual([]);
    }
  });

  it('the database file and its WAL hold no canary in any form', () => {
    // Anything in the data directory (shm, keys, dev issuer): on either backend.
    for (const file of allFiles(gw.dataDir)) {
      const hits = scan(fs.readFileSync(file), everything());
      expect(hits, `${path.relative(gw.dataDir, file)}: ${describeHits(hits)}`).toEqual([]);
    }
    // SQLite: the database file and its WAL themselves, byte by byte
    if (gw.backend !== 'sqlite') return;
    const db = path.join(gw.dataDir, 'veilgate.db');
    const wal = `${db}-wal`;
    expect(fs.existsSync(db)).toBe(true);
    expect(fs.existsSync(wal)).toBe(true);
    expect(fs.statSync(wal).size).toBeGreaterThan(0);
    // Positive control: the scan reads real content (features are in plain text, pages in the WAL).
    const both = Buffer.concat([fs.readFileSync(db), fs.readFileSync(wal)]);
    expect(scan(both, [{ label: 'csp', value: 'cadre' }]).length).toBeGreaterThan(0);
    for (const file of [db, wal]) {
      const hits = scan(fs.readFileSync(file), everything());
      expect(hits, `${path.basename(file)}: ${describeHits(hits)}`).toEqual([]);
    }
  });

  it('the logs and every answer hold no canary', () => {
    expect(gw.logs.length).toBeGreaterThan(10);
    expect(gw.logs.some((l) => l.includes('"status":500'))).toBe(true);
    const logHits = scan(gw.logs.join(''), everything());
    expect(logHits, `logs: ${describeHits(logHits)}`).toEqual([]);
    expect(client.answers.length).toBeGreaterThanOrEqual(15);
    client.answers.forEach((a, k) => {
      const hits = scan(a, everything());
      expect(hits, `answer ${k}: ${describeHits(hits)}`).toEqual([]);
    });
  });

  it('the metrics hold no canary, though they counted the batches (rows by source and rule)', async () => {
    const res = await gw.request('/metrics', { token: await gw.mint(['admin']) });
    expect(res.status).toBe(200);
    const text = await res.text();
    // they did see this ingest: accepted and rejected rows of each source
    expect(text).toMatch(/veilgate_ingest_rows_total\{source="crm",type="customers",outcome="accepted",rule=""\} [1-9]/);
    expect(text).toMatch(/veilgate_ingest_rows_total\{source="crm",type="customers",outcome="rejected",rule="[a-z_]+"\} [1-9]/);
    const hits = scan(text, everything());
    expect(hits, `metrics: ${describeHits(hits)}`).toEqual([]);
  });

  it('after a full checkpoint the database file still holds no canary', () => {
    // SQLite: the file once every WAL frame is in it
    if (gw.backend !== 'sqlite') return;
    gw.sqlite.pragma('wal_checkpoint(TRUNCATE)');
    const db = path.join(gw.dataDir, 'veilgate.db');
    expect(fs.statSync(`${db}-wal`).size).toBe(0);
    const hits = scan(fs.readFileSync(db), everything());
    expect(hits, describeHits(hits)).toEqual([]);
  });

  it('the vault ciphertext decrypts back to the normalized canaries (and to nothing forbidden)', async () => {
    const vault = await readVault(gw);
    expect(vault.size).toBe(8);
    const rows = await features(gw);
    for (const v of vault.values()) {
      expect(rows.some((r) => r.pseudonym === v.pseudonym)).toBe(true);
      expect(v.keyId).toMatch(/^mk_[0-9a-f]{16}$/);
    }
    for (const who of ids) {
      const entry = [...vault.values()].find((v) => v.record['email'] === who.normalized['email']);
      expect(entry, `identity ${who.i} not in the vault`).toBeDefined();
      expect(entry!.record).toEqual(who.normalized);
      expect(entry!.fields).toEqual(Object.keys(who.normalized).sort());
    }
    // Identity 1 was last sent by `stores`: field provenance in the vault says so.
    const one = [...vault.values()].find((v) => v.record['email'] === id(1).normalized['email'])!;
    expect(one.meta['email']).toEqual(['stores', CLOCK]);
    const plain = JSON.stringify([...vault.values()].map((v) => v.record));
    const hits = scan(plain, forbidden);
    expect(hits, describeHits(hits)).toEqual([]);
    // Every valid canary is there in normalized form: the data is stored, only encrypted.
    for (const who of ids) for (const v of Object.values(who.normalized)) expect(plain).toContain(JSON.stringify(v));
  });

  it('the batch body encoder round-trips canaries (sanity of the test itself)', () => {
    expect(encode([id(1).record], 'csv')).toContain(String(id(1).record['customer_id']));
  });
});
