// The shortest ingest path end to end: a customers batch (one valid row, one invalid) and a CSV of
// transactions linked by e-mail from another source; the valid customer becomes one pseudonymous
// subject whose purchase features count both transactions, the invalid row is refused field by field.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { counts, features } from './helpers/ingest.ts';
import { testGateway, type TestGateway } from './helpers/test-gateway.ts';

describe('ingest smoke', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await testGateway();
  });
  afterAll(() => gw.cleanup());

  it('ingests customers and transactions: one subject, both purchases on it, the bad row refused', async () => {
    const token = await gw.mint(['ingest']);
    const body = [
      {
        customer_id: 'C1',
        email: ' Jean.Dupont@Example.COM ',
        first_name: 'Jean',
        last_name: 'Dupont',
        phone: '06 12 34 56 78',
        postcode: '75002',
        birth_date: '1980-05-04',
        gender: 'm',
        csp: 'cadre',
        income: 52000,
        iban: 'FR7630006000011234567890189',
        channel_preference: 'web',
        signup_date: '2020-01-01',
      },
      { customer_id: 'C2', email: 'bad', gender: 'q' },
    ];
    const res = await gw.request('/v1/ingest/crm/customers', {
      method: 'POST',
      token,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(200);
    const out = (await res.json()) as { accepted: number; rejected: number; errors: { row: number; field: string; code: string }[] };
    expect([out.accepted, out.rejected]).toEqual([1, 1]);
    expect(out.errors.map((e) => [e.row, e.field, e.code]).sort()).toEqual([
      [2, 'email', 'format'],
      [2, 'gender', 'enum'],
    ]);

    // the e-mail in another case, from another source: linked to the same person
    const tx = 'email,date,amount,channel\njean.dupont@example.com,2026-11-01,42.5,web\njean.dupont@example.com,2026-11-15,10,store\n';
    const res2 = await gw.request('/v1/ingest/eshop/transactions', { method: 'POST', token, headers: { 'content-type': 'text/csv' }, body: tx });
    expect(res2.status).toBe(200);
    expect(await res2.json()).toMatchObject({ accepted: 2, rejected: 0 });

    const n = await counts(gw);
    expect([n.subjects, n.transactions, n.vault]).toEqual([1, 2, 1]);
    const [f] = await features(gw);
    expect(f).toMatchObject({ frequency: 2, n_web: 1, n_store: 1, gender: 'm', csp: 'cadre', area: '75' });
    expect(Number(f!.monetary)).toBeCloseTo(52.5, 6);
    // pseudonymous: no identifier in the features row
    expect(JSON.stringify(f)).not.toMatch(/dupont|jean|0612345678|FR76/i);
  });
});
