// Atomicity: ?atomic=true refuses a batch with any invalid row, storing nothing; a storage failure
// anywhere in a batch (forced with triggers, in the backend's dialect) leaves nothing of it and
// answers a bare 500.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoStack, expectProblem } from './helpers/problem.ts';
import { withFailingTrigger } from './helpers/faults.ts';
import { counts, featureOf, ingestClient, vaultByEmail, type IngestClient } from './helpers/ingest.ts';
import { testGateway, type TestGateway } from './helpers/test-gateway.ts';

const CLOCK = Date.UTC(2026, 0, 15);
const FAILURE = 'forced-storage-failure-3b9e';

const batch = (prefix: string, n = 5) =>
  Array.from({ length: n }, (_, k) => ({
    customer_id: `${prefix}-${k + 1}`,
    email: `${prefix.toLowerCase()}.${k + 1}@example.test`,
    last_name: `Nom${prefix}${k + 1}`,
    ...(k === 3 && { phone: '06 11 22 33 44' }),
    csp: 'employe',
  }));

describe('atomicity', () => {
  let gw: TestGateway;
  let client: IngestClient;
  beforeAll(async () => {
    gw = await testGateway({ clockStart: CLOCK });
    client = await ingestClient(gw);
    await client.ingest('crm', 'customers', batch('BASE', 2));
  });
  afterAll(() => gw.cleanup());

  /** Runs `fn` with a trigger failing `event` with FAILURE when `condition` holds, always dropping it afterwards. */
  const withTrigger = <T>(name: string, event: string, condition: string | null, fn: () => Promise<T>): Promise<T> =>
    withFailingTrigger(gw, { name, event, ...(condition && { condition }), message: FAILURE }, fn);

  async function expectBare500(res: { status: number; text: string; headers: Headers }) {
    expect(res.status, res.text).toBe(500);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const body = JSON.parse(res.text) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['code', 'request_id', 'status', 'title', 'type']);
    expect(body['code']).toBe('server.internal');
    expectNoStack(res.text);
    for (const s of [FAILURE, 'SQLITE', 'INSERT', 'trigger', 'vault', 'subject_', '@example.test']) expect(res.text).not.toContain(s);
    const lines = gw.logs.filter((l) => l.includes(String(body['request_id'])));
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) {
      expect(l).not.toContain(FAILURE);
      expect(l).not.toContain('INSERT');
      expect(l).not.toContain('@example.test');
    }
  }

  it('?atomic=true with one invalid row answers 422 with the row errors and stores nothing', async () => {
    const before = await counts(gw);
    const rows = [...batch('ATM', 3), { customer_id: 'ATM-4', email: 'pas-un-email-atm' }, { customer_id: 'ATM 5' }];
    const res = await gw.request('/v1/ingest/crm/customers?atomic=true', {
      method: 'POST',
      token: await gw.mint(['ingest']),
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(rows),
    });
    const { body, text } = await expectProblem(res, 422, 'request.validation_failed');
    const errors = body.errors as { row: number; field: string; code: string; message: string }[];
    expect(errors.map((e) => [e.row, e.field, e.code])).toEqual([
      [4, 'email', 'format'],
      [5, 'customer_id', 'pattern'],
    ]);
    for (const e of errors) expect(typeof e.message).toBe('string');
    expect(text).not.toContain('pas-un-email-atm');
    expect(text).not.toContain('ATM 5');
    expect(await counts(gw)).toEqual(before);
    expect(await vaultByEmail(gw, 'atm.1@example.test')).toBeUndefined();
  });

  it('?atomic=true refuses a transactions batch with an unknown subject (a row error found while storing)', async () => {
    const base = (await vaultByEmail(gw, 'base.1@example.test'))!.pseudonym;
    const before = await counts(gw);
    const res = await client.post(
      '/v1/ingest/crm/transactions',
      JSON.stringify([
        { email: 'base.1@example.test', date: '2026-01-02', amount: 10, channel: 'web' },
        { email: 'personne@example.test', date: '2026-01-02', amount: 10, channel: 'web' },
      ]),
      { query: 'atomic=true' },
    );
    expect(res.status, res.text).toBe(422);
    expect((res.json as { errors: { row: number; code: string }[] }).errors).toMatchObject([{ row: 2, field: 'email', code: 'unknown_subject' }]);
    expect(await counts(gw)).toEqual(before);
    expect((await featureOf(gw, base)).frequency).toBe(0);
  });

  it('?atomic=true with only valid rows stores them; atomic=false keeps the valid rows of a mixed batch', async () => {
    const ok = await client.ingest('crm', 'customers', batch('OK', 2), 'json', { query: 'atomic=true' });
    expect(ok).toMatchObject({ accepted: 2, rejected: 0 });
    const mixed = await client.ingest('crm', 'customers', [...batch('MIX', 1), { customer_id: 'MIX 2' }], 'csv', { query: 'atomic=false' });
    expect(mixed).toMatchObject({ accepted: 1, rejected: 1 });
  });

  it('an atomic refusal is not remembered under its Idempotency-Key: the corrected batch goes through', async () => {
    const bad = JSON.stringify([{ customer_id: 'KEY-1', email: 'faux' }]);
    const r1 = await client.post('/v1/ingest/crm/customers', bad, { query: 'atomic=true', idempotencyKey: 'atomic-key' });
    expect(r1.status).toBe(422);
    const r2 = await client.post('/v1/ingest/crm/customers', bad, { query: 'atomic=true', idempotencyKey: 'atomic-key' });
    expect(r2.status).toBe(422);
    const good = JSON.stringify([{ customer_id: 'KEY-1', email: 'vrai@example.test' }]);
    const r3 = await client.post('/v1/ingest/crm/customers', good, { query: 'atomic=true', idempotencyKey: 'atomic-key' });
    expect(r3.status, r3.text).toBe(200);
    expect(r3.headers.get('idempotent-replayed')).toBeNull();
  });

  it('a vault insert failing on the 3rd subject of 5 leaves nothing of the batch; without the trigger it succeeds', async () => {
    const before = await counts(gw);
    const rows = batch('VLT');
    const body = JSON.stringify(rows);
    const res = await withTrigger('fail_third_vault', 'BEFORE INSERT ON vault', `(SELECT count(*) FROM vault) >= ${before.vault + 2}`, () =>
      client.post('/v1/ingest/crm/customers', body, { idempotencyKey: 'vault-failure' }),
    );
    await expectBare500(res);
    expect(await counts(gw)).toEqual(before);
    expect(await vaultByEmail(gw, 'vlt.1@example.test')).toBeUndefined();

    // The same request (same key) after the fault is fixed: processed once, not a replay.
    const ok = await client.post('/v1/ingest/crm/customers', body, { idempotencyKey: 'vault-failure' });
    expect(ok.status, ok.text).toBe(200);
    expect(ok.headers.get('idempotent-replayed')).toBeNull();
    expect(ok.json).toMatchObject({ accepted: 5, rejected: 0 });
    const after = await counts(gw);
    expect(after.subjects).toBe(before.subjects + 5);
    expect(after.vault).toBe(before.vault + 5);
    expect(after.ingest_batches).toBe(before.ingest_batches + 1);
  });

  it('a subject_links insert failing on the phone link of row 4 leaves nothing; then the batch succeeds', async () => {
    const before = await counts(gw);
    const body = JSON.stringify(batch('LNK'));
    // row 4's phone is already linked (by the VLT batch): SQLite writes it with an upsert (its
    // BEFORE INSERT trigger fires), PostgreSQL with an UPDATE of the known link
    const event = gw.backend === 'sqlite' ? 'BEFORE INSERT ON subject_links' : 'BEFORE INSERT OR UPDATE ON subject_links';
    const res = await withTrigger('fail_phone_link', event, "NEW.kind = 'phone'", () => client.post('/v1/ingest/eshop/customers', body));
    await expectBare500(res);
    expect(await counts(gw)).toEqual(before);
    const ok = await client.post('/v1/ingest/eshop/customers', body);
    expect(ok.status, ok.text).toBe(200);
    expect((await counts(gw)).subjects).toBe(before.subjects + 5);
  });

  it('a failure on the very last write (the batch record) rolls back every row already applied', async () => {
    const before = await counts(gw);
    const body = JSON.stringify(batch('END'));
    const res = await withTrigger('fail_batch_record', 'BEFORE INSERT ON ingest_batches', null, () => client.post('/v1/ingest/crm/customers', body));
    await expectBare500(res);
    expect(await counts(gw)).toEqual(before);
    const quality = () => gw.db.get<{ rows: number }>("SELECT rows FROM quality_source_stats WHERE source = 'crm' AND record_type = 'customers'");
    const q0 = (await quality())!;
    const ok = await client.post('/v1/ingest/crm/customers', body);
    expect(ok.status).toBe(200);
    expect(await quality()).toEqual({ rows: q0.rows + 5 });
  });

  it('a transactions batch failing on its 3rd insert leaves no transaction and no aggregate', async () => {
    const p = (await vaultByEmail(gw, 'base.2@example.test'))!.pseudonym;
    const f0 = await featureOf(gw, p);
    const before = await counts(gw);
    const tx = Array.from({ length: 5 }, (_, k) => ({
      email: 'base.2@example.test',
      date: `2026-01-0${k + 1}`,
      amount: 10 + k,
      channel: 'web',
      transaction_id: `F-${k}`,
    }));
    const body = JSON.stringify(tx);
    const res = await withTrigger('fail_third_tx', 'BEFORE INSERT ON transactions', `(SELECT count(*) FROM transactions) >= ${before.transactions + 2}`, () =>
      client.post('/v1/ingest/crm/transactions', body),
    );
    await expectBare500(res);
    expect(await counts(gw)).toEqual(before);
    expect(await featureOf(gw, p)).toEqual(f0);
    const ok = await client.post('/v1/ingest/crm/transactions', body);
    expect(ok.status).toBe(200);
    expect(ok.json).toMatchObject({ accepted: 5, duplicates: 0 });
    expect((await featureOf(gw, p)).frequency).toBe(f0.frequency + 5);
    expect((await featureOf(gw, p)).monetary).toBe(f0.monetary + 60);
  });

  it('a failure while updating an existing subject keeps its previous state', async () => {
    const v0 = (await vaultByEmail(gw, 'base.1@example.test'))!;
    const f0 = await featureOf(gw, v0.pseudonym);
    const body = JSON.stringify([{ customer_id: 'BASE-1', email: 'base.1@example.test', last_name: 'Nouveau', csp: 'retraite' }]);
    const res = await withTrigger('fail_vault_update', 'BEFORE UPDATE ON vault', null, () => client.post('/v1/ingest/crm/customers', body));
    await expectBare500(res);
    expect((await vaultByEmail(gw, 'base.1@example.test'))!.record).toEqual(v0.record);
    expect(await featureOf(gw, v0.pseudonym)).toEqual(f0);
  });
});
