import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testGateway, type TestGateway } from './helpers/test-gateway.ts';

describe('ingest smoke', () => {
  let gw: TestGateway;
  beforeAll(async () => { gw = await testGateway(); });
  afterAll(() => gw.cleanup());

  it('ingests customers and transactions', async () => {
    const token = await gw.mint(['ingest']);
    const body = [
      { customer_id: 'C1', email: ' Jean.Dupont@Example.COM ', first_name: 'Jean', last_name: 'Dupont', phone: '06 12 34 56 78', postcode: '75002', birth_date: '1980-05-04', gender: 'm', csp: 'cadre', income: 52000, iban: 'FR7630006000011234567890189', channel_preference: 'web', signup_date: '2020-01-01' },
      { customer_id: 'C2', email: 'bad', gender: 'q' },
    ];
    const res = await gw.request('/v1/ingest/crm/customers', { method: 'POST', token, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const out = await res.json();

    const tx = 'email,date,amount,channel\njean.dupont@example.com,2026-11-01,42.5,web\njean.dupont@example.com,2026-11-15,10,store\n';
    const res2 = await gw.request('/v1/ingest/eshop/transactions', { method: 'POST', token, headers: { 'content-type': 'text/csv' }, body: tx });



    expect(res.status).toBe(200);
  });
});
