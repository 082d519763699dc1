// Idempotency-Key retries replay the first answer and store nothing twice; a transaction_id already
// stored for the same source is a duplicate, counted and not aggregated again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem } from './helpers/problem.ts';
import { counts, featureOf, ingestClient, vaultByEmail, type IngestClient } from './helpers/ingest.ts';
import { testGateway, type TestGateway } from './helpers/test-gateway.ts';

const CLOCK = Date.UTC(2026, 0, 15);

describe('idempotency and duplicates', () => {
  let gw: TestGateway;
  let client: IngestClient;
  let pseudonym: string;
  const customers = JSON.stringify([
    { customer_id: 'I-1', email: 'idem.one@example.test', csp: 'cadre', first_name: 'Une' },
    { customer_id: 'I-2', email: 'idem.two@example.test', gender: 'f' },
    { customer_id: 'I-3', email: 'pas-un-email' },
  ]);
  const vaultBytes = () =>
    gw.db.all(
      'SELECT v.subject_id, s.pseudonym, v.ciphertext, v.wrapped_key, v.field_meta, v.updated_at FROM vault v LEFT JOIN subjects s ON s.id = v.subject_id ORDER BY v.subject_id',
    );
  const featureRows = () => gw.db.all('SELECT * FROM subjects ORDER BY pseudonym');

  beforeAll(async () => {
    gw = await testGateway({ clockStart: CLOCK });
    client = await ingestClient(gw);
  });
  afterAll(() => gw.cleanup());

  it('a retry with the same key returns the identical answer, flagged Idempotent-Replayed, and stores nothing twice', async () => {
    const first = await client.post('/v1/ingest/crm/customers', customers, { idempotencyKey: 'batch-2026-01-15-a' });
    expect(first.status, first.text).toBe(200);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(first.json).toMatchObject({ accepted: 2, rejected: 1, errors: [{ row: 3, field: 'email', code: 'format' }] });
    const c1 = await counts(gw);
    const v1 = await vaultBytes();
    const f1 = await featureRows();
    expect(v1).toHaveLength(2);
    pseudonym = (await vaultByEmail(gw, 'idem.one@example.test'))!.pseudonym;

    gw.advance(60_000);
    for (let k = 0; k < 2; k++) {
      const again = await client.post('/v1/ingest/crm/customers', customers, { idempotencyKey: 'batch-2026-01-15-a' });
      expect(again.status).toBe(200);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(again.text).toBe(first.text);
    }
    expect(await counts(gw)).toEqual(c1);
    expect(await vaultBytes()).toEqual(v1);
    expect(await featureRows()).toEqual(f1);
  });

  it('the same key with a different body is refused with 422 ingest.idempotency_key_reused, storing nothing', async () => {
    const c1 = await counts(gw);
    const other = JSON.stringify([{ customer_id: 'I-9', email: 'idem.nine@example.test' }]);
    const res = await gw.request('/v1/ingest/crm/customers', {
      method: 'POST',
      token: await gw.mint(['ingest']),
      headers: { 'content-type': 'application/json', 'idempotency-key': 'batch-2026-01-15-a' },
      body: other,
    });
    const { text } = await expectProblem(res, 422, 'ingest.idempotency_key_reused');
    expect(text).not.toContain('idem.nine');
    expect(res.headers.get('idempotent-replayed')).toBeNull();
    expect(await counts(gw)).toEqual(c1);
    expect(await vaultByEmail(gw, 'idem.nine@example.test')).toBeUndefined();
    // even a one-byte difference (trailing newline) is another body
    const ws = await client.post('/v1/ingest/crm/customers', customers + '\n', { idempotencyKey: 'batch-2026-01-15-a' });
    expect(ws.status).toBe(422);
    expect((ws.json as { code: string }).code).toBe('ingest.idempotency_key_reused');
  });

  it('without a key, the same body is a new batch (re-ingest, not a replay)', async () => {
    const c1 = await counts(gw);
    const res = await client.post('/v1/ingest/crm/customers', customers);
    expect(res.status).toBe(200);
    expect(res.headers.get('idempotent-replayed')).toBeNull();
    const c2 = await counts(gw);
    expect(c2.ingest_batches).toBe(c1.ingest_batches + 1);
    expect([c2.subjects, c2.vault, c2.subject_links]).toEqual([c1.subjects, c1.vault, c1.subject_links]);
  });

  it('transactions replayed with the same key are not aggregated twice', async () => {
    const tx = 'email,date,amount,channel,transaction_id\nidem.one@example.test,2026-01-02,40,web,W-1\nidem.one@example.test,2026-01-03,2.5,store,\n';
    const first = await client.post('/v1/ingest/eshop/transactions', tx, { contentType: 'text/csv', idempotencyKey: 'tx-1' });
    expect(first.status, first.text).toBe(200);
    const f1 = await featureOf(gw, pseudonym);
    expect([f1.frequency, f1.monetary, f1.n_web, f1.n_store]).toEqual([2, 42.5, 1, 1]);
    const c1 = await counts(gw);
    const again = await client.post('/v1/ingest/eshop/transactions', tx, { contentType: 'text/csv', idempotencyKey: 'tx-1' });
    expect(again.text).toBe(first.text);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await counts(gw)).toEqual(c1);
    expect(await featureOf(gw, pseudonym)).toEqual(f1);
  });

  it('a transaction_id already stored for the same source is a duplicate: counted, not aggregated', async () => {
    const before = await featureOf(gw, pseudonym);
    const txCount = (await counts(gw)).transactions;
    const a = await client.ingest('eshop', 'transactions', [
      { email: 'idem.one@example.test', date: '2026-01-02', amount: 40, channel: 'web', transaction_id: 'W-1' },
      { email: 'idem.one@example.test', date: '2026-01-04', amount: 7, channel: 'app', transaction_id: 'W-2' },
      { email: 'idem.one@example.test', date: '2026-01-04', amount: 7, channel: 'app', transaction_id: 'W-2' },
    ]);
    expect(a.duplicates).toBe(2);
    expect(a.rejected).toBe(0);
    expect(a.errors).toEqual([]);
    const after = await featureOf(gw, pseudonym);
    expect(after.frequency).toBe(before.frequency + 1);
    expect(after.monetary).toBeCloseTo(before.monetary + 7, 6);
    expect([after.n_web, after.n_app]).toEqual([before.n_web, before.n_app + 1]);
    expect((await counts(gw)).transactions).toBe(txCount + 1);
  });

  it('the same transaction_id from another source is not a duplicate; rows without an id never are', async () => {
    const before = await featureOf(gw, pseudonym);
    const a = await client.ingest('stores', 'transactions', [
      { email: 'idem.one@example.test', date: '2026-01-02', amount: 40, channel: 'store', transaction_id: 'W-1' },
      { email: 'idem.one@example.test', date: '2026-01-03', amount: 2.5, channel: 'store' },
      { email: 'idem.one@example.test', date: '2026-01-03', amount: 2.5, channel: 'store' },
    ]);
    expect(a.duplicates).toBe(0);
    expect((await featureOf(gw, pseudonym)).frequency).toBe(before.frequency + 3);
    const q = await gw.db.get<{ duplicates: number }>("SELECT duplicates FROM quality_source_stats WHERE source = 'eshop' AND record_type = 'transactions'");
    expect(q!.duplicates).toBe(2);
  });

  it('keys are scoped per source and record type: the same key elsewhere is a fresh batch', async () => {
    const body = JSON.stringify([{ email: 'idem.two@example.test', date: '2026-01-05', amount: 1, channel: 'web' }]);
    const a = await client.post('/v1/ingest/crm/transactions', body, { idempotencyKey: 'batch-2026-01-15-a' });
    expect(a.status, a.text).toBe(200);
    expect(a.headers.get('idempotent-replayed')).toBeNull();
    expect(a.json).toMatchObject({ accepted: 1 });
  });
});
