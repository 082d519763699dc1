// Re-ingest (latest value per field wins, with source and time), generalization of the
// quasi-identifiers at their boundaries, and incremental behaviour features.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { epochDay, featureOf, features, ingestClient, readVault, vaultByEmail, type IngestClient } from './helpers/ingest.ts';
import { testGateway, type TestGateway } from './helpers/test-gateway.ts';

const CLOCK = Date.UTC(2026, 0, 15);
const DAY = 86_400_000;
const provenance = async (gw: TestGateway, p: string) => JSON.parse((await featureOf(gw, p)).provenance) as Record<string, [string, number]>;

describe('re-ingest: latest value per field wins, with source and time recorded', () => {
  let gw: TestGateway;
  let client: IngestClient;
  let p: string;
  const t1 = CLOCK;
  const t2 = CLOCK + DAY;
  const t3 = CLOCK + 2 * DAY;
  beforeAll(async () => {
    gw = await testGateway({ clockStart: CLOCK });
    client = await ingestClient(gw);
  });
  afterAll(() => gw.cleanup());

  it('a first record from crm sets every feature with crm provenance', async () => {
    await client.ingest('crm', 'customers', [
      {
        customer_id: 'C-1',
        email: 'alice.martin@example.test',
        first_name: 'Alice',
        last_name: 'Martin',
        phone: '06 98 76 54 32',
        postcode: '69003',
        birth_date: '1980-06-15',
        signup_date: '2020-01-01',
        gender: 'f',
        csp: 'cadre',
        income: 45000,
        channel_preference: 'web',
      },
    ]);
    p = (await vaultByEmail(gw, 'alice.martin@example.test'))!.pseudonym;
    const f = await featureOf(gw, p);
    expect(f).toMatchObject({
      csp: 'cadre',
      gender: 'f',
      income: 45000,
      area: '69',
      age: 45,
      age_band: '45-54',
      channel_preference: 'web',
      created_at: t1,
      updated_at: t1,
    });
    const prov = await provenance(gw, p);
    expect(Object.keys(prov).sort()).toEqual(['age', 'age_band', 'area', 'channel_preference', 'csp', 'gender', 'income', 'tenure_days']);
    for (const v of Object.values(prov)) expect(v).toEqual(['crm', t1]);
  });

  it('a second record from eshop changes csp only: other fields kept, provenance new for csp alone', async () => {
    gw.advance(DAY);
    const a = await client.ingest('eshop', 'customers', [{ customer_id: 'E-1', email: ' ALICE.Martin@example.test', csp: 'employe' }], 'csv');
    expect(a).toMatchObject({ accepted: 1, rejected: 0 });
    expect(await features(gw)).toHaveLength(1);
    const f = await featureOf(gw, p);
    expect(f).toMatchObject({
      csp: 'employe',
      gender: 'f',
      income: 45000,
      area: '69',
      age: 45,
      age_band: '45-54',
      channel_preference: 'web',
      created_at: t1,
      updated_at: t2,
    });
    const prov = await provenance(gw, p);
    expect(prov['csp']).toEqual(['eshop', t2]);
    for (const k of ['age', 'age_band', 'area', 'channel_preference', 'gender', 'income', 'tenure_days']) expect(prov[k], k).toEqual(['crm', t1]);

    const v = (await readVault(gw)).get(p)!;
    expect(v.record).toMatchObject({
      first_name: 'Alice',
      last_name: 'Martin',
      phone: '+33698765432',
      postcode: '69003',
      birth_date: '1980-06-15',
      email: 'alice.martin@example.test',
    });
    // the fields eshop sent are now eshop's; the others still crm's
    expect(v.meta['email']).toEqual(['eshop', t2]);
    expect(v.meta['customer_id']).toEqual(['eshop', t2]);
    for (const k of ['first_name', 'last_name', 'phone', 'postcode', 'birth_date', 'signup_date']) expect(v.meta[k], k).toEqual(['crm', t1]);
    expect(v.record['customer_id']).toBe('E-1');
  });

  it('both sources still reach the subject by their own customer_id', async () => {
    const a = await client.ingest('crm', 'transactions', [{ customer_id: 'C-1', date: '2026-01-10', amount: 10, channel: 'store' }]);
    const b = await client.ingest('eshop', 'transactions', [{ customer_id: 'E-1', date: '2026-01-11', amount: 20, channel: 'web' }]);
    expect([a.errors, b.errors]).toEqual([[], []]);
    expect((await featureOf(gw, p)).frequency).toBe(2);
    const prov = await provenance(gw, p);
    expect(prov['behaviour']).toEqual(['eshop', t2]);
    expect(prov['csp']).toEqual(['eshop', t2]);
    expect(prov['gender']).toEqual(['crm', t1]);
  });

  it('a later crm record updates income and area (postcode) and leaves csp to eshop', async () => {
    gw.advance(DAY);
    await client.ingest('crm', 'customers', [{ customer_id: 'C-1', email: 'alice.martin@example.test', income: 47000, postcode: '13008' }], 'ndjson');
    const f = await featureOf(gw, p);
    expect(f).toMatchObject({ income: 47000, area: '13', csp: 'employe', updated_at: t3 });
    const prov = await provenance(gw, p);
    expect([prov['income'], prov['area'], prov['csp'], prov['gender']]).toEqual([
      ['crm', t3],
      ['crm', t3],
      ['eshop', t2],
      ['crm', t1],
    ]);
    const v = (await readVault(gw)).get(p)!;
    expect(v.record['postcode']).toBe('13008');
    expect(v.meta['postcode']).toEqual(['crm', t3]);
    expect(v.record['customer_id']).toBe('C-1');
  });

  it('a re-ingested row with an invalid field is rejected whole: nothing of it is applied', async () => {
    const before = await featureOf(gw, p);
    const vBefore = (await readVault(gw)).get(p)!;
    gw.advance(DAY);
    const a = await client.ingest('eshop', 'customers', [
      { customer_id: 'E-1', email: 'alice.martin@example.test', csp: 'retraite', gender: 'zz', first_name: 'Alicia' },
    ]);
    expect(a.errors.map((e) => [e.field, e.code])).toEqual([['gender', 'enum']]);
    expect(await featureOf(gw, p)).toEqual(before);
    expect((await readVault(gw)).get(p)!.record).toEqual(vBefore.record);
  });

  it('the same subject twice in one batch: the later row wins and it counts as a duplicate', async () => {
    const a = await client.ingest('crm', 'customers', [
      { customer_id: 'C-1', email: 'alice.martin@example.test', csp: 'ouvrier', first_name: 'Alix' },
      { customer_id: 'C-1', email: 'alice.martin@example.test', csp: 'artisan_commercant' },
    ]);
    expect(a).toMatchObject({ rejected: 0, duplicates: 1 });
    expect((await featureOf(gw, p)).csp).toBe('artisan_commercant');
    expect((await readVault(gw)).get(p)!.record['first_name']).toBe('Alix');
    expect(await features(gw)).toHaveLength(1);
  });
});

describe('generalization with a fixed clock (2026-01-15)', () => {
  let gw: TestGateway;
  let client: IngestClient;
  beforeAll(async () => {
    gw = await testGateway({ clockStart: CLOCK });
    client = await ingestClient(gw);
  });
  afterAll(() => gw.cleanup());

  const AGES: [string, number, string][] = [
    ['2026-01-15', 0, '<18'],
    ['2008-01-16', 17, '<18'],
    ['2008-01-15', 18, '18-24'],
    ['2001-01-16', 24, '18-24'],
    ['2001-01-15', 25, '25-34'],
    ['2000-02-29', 25, '25-34'],
    ['1991-01-16', 34, '25-34'],
    ['1991-01-15', 35, '35-44'],
    ['1990-12-31', 35, '35-44'],
    ['1981-01-16', 44, '35-44'],
    ['1981-01-15', 45, '45-54'],
    ['1971-01-16', 54, '45-54'],
    ['1971-01-15', 55, '55-64'],
    ['1961-01-16', 64, '55-64'],
    ['1961-01-15', 65, '65+'],
    ['1900-01-01', 126, '65+'],
  ];

  it('birth_date becomes age and age band, exactly at the band boundaries', async () => {
    const a = await client.ingest(
      'ages',
      'customers',
      AGES.map(([b], k) => ({ customer_id: `A-${k}`, email: `age${k}@example.test`, birth_date: b })),
    );
    expect(a.errors).toEqual([]);
    for (const [k, [birth, age, band]] of AGES.entries()) {
      const f = await featureOf(gw, (await vaultByEmail(gw, `age${k}@example.test`))!.pseudonym);
      expect([f.age, f.age_band], birth).toEqual([age, band]);
    }
  });

  const AREAS: [string, string][] = [
    ['20000', '2A'],
    ['20090', '2A'],
    ['20167', '2A'],
    ['20199', '2A'],
    ['20200', '2B'],
    ['20290', '2B'],
    ['20600', '2B'],
    ['97110', '971'],
    ['97200', '972'],
    ['97300', '973'],
    ['97400', '974'],
    ['97600', '976'],
    ['75002', '75'],
    ['01000', '01'],
    ['13008', '13'],
    ['95000', '95'],
  ];

  it('postcode becomes the departement: Corsica 2A/2B, overseas 97x keep three digits', async () => {
    const a = await client.ingest(
      'areas',
      'customers',
      AREAS.map(([pc], k) => ({ customer_id: `P-${k}`, email: `area${k}@example.test`, postcode: pc })),
      'csv',
    );
    expect(a.errors).toEqual([]);
    for (const [k, [pc, area]] of AREAS.entries()) {
      expect((await featureOf(gw, (await vaultByEmail(gw, `area${k}@example.test`))!.pseudonym)).area, pc).toBe(area);
    }
  });

  it('signup_date is stored as the first day of its month only; tenure_days counts from it', async () => {
    const TENURES: [string, string][] = [
      ['2026-01-15', '2026-01-01'],
      ['2026-01-14', '2026-01-01'],
      ['2025-01-15', '2025-01-01'],
      ['2024-01-15', '2024-01-01'],
      ['2024-02-29', '2024-02-01'],
      ['1970-01-01', '1970-01-01'],
    ];
    const a = await client.ingest(
      'tenure',
      'customers',
      TENURES.map(([d], k) => ({ customer_id: `T-${k}`, email: `tenure${k}@example.test`, signup_date: d })),
      'ndjson',
    );
    expect(a.errors).toEqual([]);
    for (const [k, [d, monthStart]] of TENURES.entries()) {
      const f = await featureOf(gw, (await vaultByEmail(gw, `tenure${k}@example.test`))!.pseudonym);
      expect(f.tenure_since, d).toBe(epochDay(monthStart));
      expect(Object.keys(f)).not.toContain('tenure_days');
    }
  });

  it('raw birth dates, postcodes and signup dates stay in the vault only', async () => {
    const dump =
      JSON.stringify(await gw.db.all('SELECT * FROM subjects')) +
      JSON.stringify(await gw.db.all('SELECT * FROM ingest_batches')) +
      JSON.stringify(await gw.db.all('SELECT * FROM quality_field_stats')) +
      JSON.stringify(await gw.db.all('SELECT * FROM subject_links'));
    for (const [b] of AGES.filter(([b]) => b !== '2026-01-15')) expect(dump).not.toContain(b);
    for (const [pc] of AREAS) expect(dump).not.toContain(`"${pc}"`);
    expect(dump).not.toContain('2024-01-15');
    const inVault = [...(await readVault(gw)).values()].map((v) => v.record['birth_date'] ?? v.record['postcode'] ?? v.record['signup_date']);
    expect(inVault).toEqual(expect.arrayContaining(['1990-12-31', '20167', '2024-01-15']));
  });
});

describe('behaviour features from transactions, kept incrementally', () => {
  let gw: TestGateway;
  let client: IngestClient;
  let p: string;
  beforeAll(async () => {
    gw = await testGateway({ clockStart: CLOCK });
    client = await ingestClient(gw);
    await client.ingest('crm', 'customers', [
      { customer_id: 'B-1', email: 'buyer@example.test' },
      { customer_id: 'B-2', email: 'other@example.test' },
    ]);
    p = (await vaultByEmail(gw, 'buyer@example.test'))!.pseudonym;
  });
  afterAll(() => gw.cleanup());

  it('a subject without purchases has zero counts and no purchase days', async () => {
    expect(await featureOf(gw, p)).toMatchObject({
      frequency: 0,
      monetary: 0,
      n_web: 0,
      n_store: 0,
      n_phone: 0,
      n_app: 0,
      first_purchase_day: null,
      last_purchase_day: null,
    });
  });

  it('frequency, monetary, first/last purchase day and per-channel counts accumulate batch after batch', async () => {
    await client.ingest('eshop', 'transactions', [
      { email: 'buyer@example.test', date: '2025-12-10', amount: 50, channel: 'web', transaction_id: 'A1' },
      { email: 'buyer@example.test', date: '2025-12-20', amount: '19,90', channel: 'app', transaction_id: 'A2' },
      { email: 'other@example.test', date: '2025-12-21', amount: 5, channel: 'web', transaction_id: 'A3' },
    ]);
    let f = await featureOf(gw, p);
    expect([f.frequency, f.n_web, f.n_app, f.n_store, f.n_phone]).toEqual([2, 1, 1, 0, 0]);
    expect(f.monetary).toBeCloseTo(69.9, 6);
    expect([f.first_purchase_day, f.last_purchase_day]).toEqual([epochDay('2025-12-10'), epochDay('2025-12-20')]);

    // A later batch with an older purchase, a newer one and a refund.
    await client.ingest(
      'stores',
      'transactions',
      [
        { email: 'buyer@example.test', date: '2025-11-30', amount: 30, channel: 'store' },
        { email: 'buyer@example.test', date: '2026-01-14T22:00:00Z', amount: 12.1, channel: 'phone' },
        { email: 'buyer@example.test', date: '2026-01-14', amount: -20, channel: 'store' },
      ],
      'csv',
    );
    f = await featureOf(gw, p);
    expect([f.frequency, f.n_web, f.n_app, f.n_store, f.n_phone]).toEqual([5, 1, 1, 2, 1]);
    expect(f.monetary).toBeCloseTo(92, 6);
    expect([f.first_purchase_day, f.last_purchase_day]).toEqual([epochDay('2025-11-30'), epochDay('2026-01-14')]);
    // the other subject's purchase went to the other subject only
    expect(await featureOf(gw, (await vaultByEmail(gw, 'other@example.test'))!.pseudonym)).toMatchObject({ frequency: 1, monetary: 5, n_web: 1 });
  });

  it('aggregates equal what the stored transactions say', async () => {
    const per = (c: string) => `sum(CASE WHEN channel = '${c}' THEN 1 ELSE 0 END) AS ${c}`;
    const agg = (await gw.db.get<Record<string, number>>(
      `SELECT count(*) AS n, sum(amount) AS total, min(day) AS first, max(day) AS last, ${['web', 'store', 'phone', 'app'].map(per).join(', ')}
       FROM transactions t JOIN subjects s ON s.id = t.subject_id WHERE s.pseudonym = ?`,
      p,
    ))!;
    expect(agg['n']).toBe(5);
    const f = await featureOf(gw, p);
    expect([f.frequency, f.first_purchase_day, f.last_purchase_day, f.n_web, f.n_store, f.n_phone, f.n_app]).toEqual([
      agg['n'],
      agg['first'],
      agg['last'],
      agg['web'],
      agg['store'],
      agg['phone'],
      agg['app'],
    ]);
    expect(f.monetary).toBeCloseTo(agg['total']!, 6);
    const cols = (await gw.db.get<Record<string, unknown>>(
      'SELECT t.* FROM transactions t JOIN subjects s ON s.id = t.subject_id WHERE s.pseudonym = ? LIMIT 1',
      p,
    ))!;
    expect(Object.keys(cols)).not.toContain('email');
    expect(JSON.stringify(await gw.db.all('SELECT * FROM transactions'))).not.toContain('buyer@');
  });
});
