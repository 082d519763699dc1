// Batches prepared on worker threads store exactly what inline preparation stores: the same
// answers, the same vault records (each decrypting under its own subject), the same features and
// consent states; a row merged into a new subject's speculative vault row drops it; a body that
// cannot be parsed is refused with the same problem.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCustomers } from '../src/demo-data/generate.ts';
import { consentStates, features, ingestClient, readVault, type IngestClient, type Row } from './helpers/ingest.ts';
import { testGateway, type TestGateway } from './helpers/test-gateway.ts';

const customers: Row[] = [...generateCustomers({ count: 700, seed: 20_261_207 })].map((c) => ({ ...c.record }));
// first batch: 500 customers (some invalid on purpose) and one of them again with a new address,
// so a new subject's prepared vault row is merged with a second row
const first: Row[] = [...customers.slice(0, 500), { ...customers[3]!, street: '9 rue du Pool' }];
// second batch: 100 known customers changed, 200 new
const second: Row[] = [...customers.slice(100, 200).map((c) => ({ ...c, city: 'Lyon' })), ...customers.slice(500, 700)];

describe('ingest preparation on worker threads', () => {
  let inline: TestGateway;
  let pooled: TestGateway;
  let a: IngestClient;
  let b: IngestClient;

  beforeAll(async () => {
    inline = await testGateway({ env: { VEILGATE_INGEST_THREADS: '0' } });
    pooled = await testGateway({ env: { VEILGATE_INGEST_THREADS: '1' } });
    expect(await pooled.preparePool.whenReady()).toBe(true);
    a = await ingestClient(inline);
    b = await ingestClient(pooled);
  }, 60_000);
  afterAll(async () => {
    await inline?.cleanup();
    await pooled?.cleanup();
  });

  const withoutId = ({ batch_id: _, ...rest }: Record<string, unknown>) => rest;

  it('answers and stores the same as inline preparation, batch after batch', async () => {
    for (const batch of [first, second]) {
      // large enough for the pool (smaller bodies are prepared inline)
      expect(batch.map((r) => JSON.stringify(r)).join('\n').length).toBeGreaterThan(128 * 1024);
      const x = await a.ingest('crm', 'customers', batch, 'ndjson');
      const y = await b.ingest('crm', 'customers', batch, 'ndjson');
      expect(x.rejected, 'the synthetic data holds invalid rows').toBeGreaterThan(0);
      expect(withoutId(y as unknown as Record<string, unknown>)).toEqual(withoutId(x as unknown as Record<string, unknown>));
    }
    expect(pooled.preparePool.preparedOnThreads).toBe(2);
    expect(inline.preparePool.preparedOnThreads).toBe(0);

    // each data directory has its own keys: compare what the rows hold, not the pseudonyms
    const records = async (gw: TestGateway) => [...(await readVault(gw)).values()].map((v) => JSON.stringify(v.record)).sort();
    const stored = await records(pooled);
    expect(stored).toEqual(await records(inline));
    const merged = stored.map((r) => JSON.parse(r) as Record<string, string>).find((r) => r['customer_id'] === String(customers[3]!['customer_id']));
    expect(merged?.['street']).toBe('9 rue du Pool');
    expect(stored.filter((r) => r.includes('"city":"Lyon"')).length).toBeGreaterThanOrEqual(90);

    // the two gateways' clocks differ: times are left out
    const featureRows = async (gw: TestGateway) =>
      (await features(gw))
        .map(({ pseudonym: _p, created_at: _c, updated_at: _u, provenance, ...f }) =>
          JSON.stringify({ ...f, provenance: Object.keys(JSON.parse(provenance) as object).sort() }),
        )
        .sort();
    expect(await featureRows(pooled)).toEqual(await featureRows(inline));
    const states = async (gw: TestGateway) => [...(await consentStates(gw)).values()].map((m) => JSON.stringify([...m].sort())).sort();
    expect(await states(pooled)).toEqual(await states(inline));
  });

  it('a body that cannot be parsed is refused with the same problem', async () => {
    const body =
      customers
        .slice(0, 450)
        .map((r) => JSON.stringify(r))
        .join('\n') + '\n{"email": broken';
    const x = await a.post('/v1/ingest/crm/customers', body, { contentType: 'application/x-ndjson' });
    const y = await b.post('/v1/ingest/crm/customers', body, { contentType: 'application/x-ndjson' });
    expect(y.status).toBe(400);
    const { request_id: _x, ...problem } = x.json as Record<string, unknown>;
    expect(y.json).toEqual({ ...problem, request_id: expect.any(String) });
    expect(y.text).not.toContain('broken');
  });
});
