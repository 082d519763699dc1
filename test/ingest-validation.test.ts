// Every dictionary rule rejects its row with {row, field, code} and a message that never holds the
// value; row numbering in CSV (header not counted) and NDJSON (blank lines skipped); absent cells;
// unknown columns; CSV dialects.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brokenIban, frenchIban, ibanWithBadRibKey, nir, siret } from './helpers/canaries.ts';
import { counts, expectRowError, features, ingestClient, readVault, toCsv, vaultByEmail, type IngestClient, type Row } from './helpers/ingest.ts';
import { testGateway, type TestGateway } from './helpers/test-gateway.ts';

const CLOCK = Date.UTC(2026, 0, 15);

interface Case {
  rule: string;
  field: string;
  code: string;
  /** The offending input; the row is {customer_id: 'V<n>', [field]: value} unless `row` is given. */
  value?: unknown;
  row?: Row;
}

const GOOD_IBAN = frenchIban('00012345678');
const GOOD_NIR = nir(1, '84', '12', '76', '451', '089');
const BAD_NIR = GOOD_NIR.slice(0, 13) + String((Number(GOOD_NIR.slice(13)) % 96) + 1).padStart(2, '0');
const GOOD_SIRET = siret('7328293200007');
const BAD_SIRET = GOOD_SIRET.slice(0, 13) + String((Number(GOOD_SIRET[13]) + 1) % 10);
const CUSTOMER_CASES: Case[] = [
  { rule: 'required (missing)', field: 'customer_id', code: 'required', row: { email: 'missing.id@example.test' } },
  { rule: 'required (empty string)', field: 'customer_id', code: 'required', row: { customer_id: '', email: 'empty.id@example.test' } },
  { rule: 'required (blank)', field: 'customer_id', code: 'required', row: { customer_id: '   ' } },
  { rule: 'required (null)', field: 'customer_id', code: 'required', row: { customer_id: null } },
  { rule: 'type number', field: 'income', code: 'type', value: 'beaucoup-de-sous' },
  { rule: 'type number (boolean)', field: 'income', code: 'type', value: true },
  { rule: 'type date', field: 'birth_date', code: 'type', value: 'le-quinze-mars' },
  { rule: 'type date (impossible day)', field: 'birth_date', code: 'type', value: '1985-02-30' },
  { rule: 'type date (number)', field: 'signup_date', code: 'type', value: 20200101 },
  { rule: 'type string (object)', field: 'first_name', code: 'type', value: { nested: 'objet-imbrique' } },
  { rule: 'type string (array)', field: 'last_name', code: 'type', value: ['tableau-de-noms'] },
  { rule: 'format email', field: 'email', code: 'format', value: 'jean.dupont-at-example.test' },
  { rule: 'format email (two @)', field: 'email', code: 'format', value: 'jean@@dupont.example' },
  { rule: 'format phone (too short)', field: 'phone', code: 'format', value: '06 12 3' },
  { rule: 'format phone (letters)', field: 'phone', code: 'format', value: 'numero-inconnu' },
  { rule: 'format postcode (4 digits)', field: 'postcode', code: 'format', value: '7502' },
  { rule: 'format postcode (99xxx)', field: 'postcode', code: 'format', value: '99123' },
  { rule: 'format postcode (letters)', field: 'postcode', code: 'format', value: 'SW1A 1AA' },
  { rule: 'pattern customer_id', field: 'customer_id', code: 'pattern', row: { customer_id: 'C 17 bis/quater' } },
  { rule: 'pattern country', field: 'country', code: 'pattern', value: 'FRA' },
  { rule: 'enum gender', field: 'gender', code: 'enum', value: 'q-inconnu' },
  { rule: 'enum csp', field: 'csp', code: 'enum', value: 'astronaute' },
  { rule: 'enum channel_preference', field: 'channel_preference', code: 'enum', value: 'pigeon-voyageur' },
  { rule: 'range income negative', field: 'income', code: 'range', value: -4217 },
  { rule: 'range income too high', field: 'income', code: 'range', value: 987654321012 },
  { rule: 'range birth_date in the future', field: 'birth_date', code: 'range', value: '2026-03-01' },
  { rule: 'range birth_date tomorrow', field: 'birth_date', code: 'range', value: '2026-01-16' },
  { rule: 'range birth_date before 1900', field: 'birth_date', code: 'range', value: '1899-12-31' },
  { rule: 'range signup_date in the future', field: 'signup_date', code: 'range', value: '2027-07-07' },
  { rule: 'max_length first_name', field: 'first_name', code: 'max_length', value: 'Prenom-trop-long-' + 'x'.repeat(90) },
  { rule: 'max_length customer_id', field: 'customer_id', code: 'max_length', row: { customer_id: 'K'.repeat(65) } },
  { rule: 'max_length street', field: 'street', code: 'max_length', value: '9 rue ' + 'longue-'.repeat(40) },
  { rule: 'checksum iban (mod 97)', field: 'iban', code: 'checksum', value: brokenIban(GOOD_IBAN) },
  { rule: 'checksum iban (garbage)', field: 'iban', code: 'checksum', value: 'pas-un-iban-du-tout' },
  { rule: 'checksum iban (RIB key)', field: 'iban', code: 'checksum', value: ibanWithBadRibKey(GOOD_IBAN) },
  { rule: 'checksum nir', field: 'nir', code: 'checksum', value: BAD_NIR.replace(/^(\d)(\d{2})(\d{2})(\d{2})(\d{3})(\d{3})(\d{2})$/, '$1 $2 $3 $4 $5 $6 $7') },
  { rule: 'checksum nir (short)', field: 'nir', code: 'checksum', value: '18412764510' },
  { rule: 'checksum siret', field: 'siret', code: 'checksum', value: BAD_SIRET },
  { rule: 'checksum siret (letters)', field: 'siret', code: 'checksum', value: '7328293200007A' },
  { rule: 'invalid_unicode lone surrogate', field: 'first_name', code: 'invalid_unicode', value: 'Ren\ud800e' },
  { rule: 'invalid_unicode trailing low surrogate', field: 'city', code: 'invalid_unicode', value: 'Lyon\udc00' },
  { rule: 'invalid_unicode NUL', field: 'last_name', code: 'invalid_unicode', value: 'Nom\u0000Cache' },
];

describe('validation: every rule, with no value echoed', () => {
  let gw: TestGateway;
  let client: IngestClient;
  beforeAll(async () => {
    gw = await testGateway({ clockStart: CLOCK });
    client = await ingestClient(gw);
  });
  afterAll(() => gw.cleanup());

  it('the checksum fixtures are what the cases claim', () => {
    expect(BAD_NIR).not.toBe(GOOD_NIR);
    expect(BAD_NIR).toMatch(/^\d{15}$/);
    expect(BAD_SIRET).not.toBe(GOOD_SIRET);
  });

  it.each(['json', 'ndjson'] as const)('rejects each invalid customer field (%s) with row, field, code and a clean message', async (format) => {
    const rows = CUSTOMER_CASES.map((c, k) => c.row ?? { customer_id: `V${k + 1}`, [c.field]: c.value });
    const body = format === 'json' ? JSON.stringify(rows) : rows.map((r) => JSON.stringify(r)).join('\n');
    const res = await client.post(`/v1/ingest/rules-${format}/customers`, body, {
      contentType: format === 'json' ? 'application/json' : 'application/x-ndjson',
    });
    expect(res.status, res.text).toBe(200);
    const answer = res.json as { accepted: number; rejected: number; errors: { row: number; field: string; code: string; message: string }[] };
    expect(answer.accepted).toBe(0);
    expect(answer.rejected).toBe(CUSTOMER_CASES.length);
    CUSTOMER_CASES.forEach((c, k) => {
      const mine = answer.errors.filter((e) => e.row === k + 1);
      expect(
        mine.map((e) => [e.field, e.code]),
        c.rule,
      ).toEqual([[c.field, c.code]]);
      const value = c.value ?? c.row?.[c.field];
      expectRowError(answer, k + 1, c.field, c.code, typeof value === 'object' ? JSON.stringify(value) : value);
    });
    // Whole messages are value-free: none contains any of the inputs.
    for (const c of CUSTOMER_CASES) {
      const v = c.value ?? c.row?.[c.field];
      // (short values could match a random batch_id by chance: the per-message check covers them)
      if (typeof v !== 'string' || v.trim().length < 6) continue;
      expect(res.text.includes(v), `${c.rule}: answer echoes the value`).toBe(false);
    }
    expect(res.text).not.toMatch(/\\ud800|\\udc00|\\u0000/i);
  });

  it('accepts values exactly on the bounds', async () => {
    const a = await client.ingest('bounds', 'customers', [
      { customer_id: 'B1', birth_date: '2026-01-15', income: 0, first_name: 'P'.repeat(100), customer_id_note: 'x' },
      { customer_id: 'K'.repeat(64), birth_date: '1900-01-01', income: 100000000, signup_date: '2026-01-15' },
      { customer_id: 'B3', iban: GOOD_IBAN.toLowerCase(), nir: nir(2, '69', '05', '2A', '004', '017'), siret: GOOD_SIRET, postcode: '01000' },
      { customer_id: 'B4', nir: nir(1, '88', '11', '2B', '033', '112'), phone: '+44 20 7946 0958', gender: 'X', csp: 'RETRAITE', channel_preference: ' App ' },
      { customer_id: 'B5', birth_date: '2026-01-14T23:30:00-02:00' },
    ]);
    expect(a.errors).toEqual([]);
    expect(a.accepted).toBe(5);
    expect(a.ignored_fields).toEqual(['customer_id_note']);
    const rows = await features(gw);
    expect(rows.map((r) => r.channel_preference)).toContain('app');
    expect(rows.map((r) => r.csp)).toContain('retraite');
    expect(rows.map((r) => r.gender)).toContain('x');
  });

  it('a date-time with an offset past midnight UTC is read in UTC (future birth date)', async () => {
    const a = await client.ingest('bounds', 'customers', [{ customer_id: 'B6', birth_date: '2026-01-15T23:30:00-02:00' }]);
    expectRowError(a, 1, 'birth_date', 'range', '2026-01-15T23:30:00-02:00');
  });

  it('rejects each invalid transaction field with row, field, code and a clean message', async () => {
    await client.ingest('shop', 'customers', [{ customer_id: 'S1', email: 'tx.rules@example.test' }]);
    const base = { email: 'tx.rules@example.test', date: '2026-01-10', amount: 12.5, channel: 'web' };
    const cases: { row: Row; field: string; code: string; value?: unknown }[] = [
      { row: { ...base, date: undefined }, field: 'date', code: 'required' },
      { row: { ...base, amount: undefined }, field: 'amount', code: 'required' },
      { row: { ...base, channel: '' }, field: 'channel', code: 'required' },
      { row: { ...base, amount: 'douze-euros' }, field: 'amount', code: 'type', value: 'douze-euros' },
      { row: { ...base, date: 'hier-soir' }, field: 'date', code: 'type', value: 'hier-soir' },
      { row: { ...base, date: '2026-02-01' }, field: 'date', code: 'range', value: '2026-02-01' },
      { row: { ...base, amount: 2345678.25 }, field: 'amount', code: 'range', value: 2345678.25 },
      { row: { ...base, channel: 'minitel' }, field: 'channel', code: 'enum', value: 'minitel' },
      { row: { ...base, currency: 'USD' }, field: 'currency', code: 'enum', value: 'USD' },
      { row: { ...base, transaction_id: 'T 1/2' }, field: 'transaction_id', code: 'pattern', value: 'T 1/2' },
      { row: { ...base, category: 'c'.repeat(65) }, field: 'category', code: 'max_length', value: 'c'.repeat(65) },
      { row: { ...base, email: 'pas-un-email' }, field: 'email', code: 'format', value: 'pas-un-email' },
      { row: { ...base, email: undefined, customer_id: 'id avec espace' }, field: 'customer_id', code: 'pattern', value: 'id avec espace' },
      { row: { date: '2026-01-10', amount: 1, channel: 'web' }, field: 'email', code: 'linkage_missing' },
      { row: { ...base, email: 'personne@example.test' }, field: 'email', code: 'unknown_subject', value: 'personne@example.test' },
      { row: { ...base, email: undefined, customer_id: 'S404' }, field: 'customer_id', code: 'unknown_subject', value: 'S404' },
    ];
    const before = (await features(gw)).find((f) => f.frequency > 0);
    expect(before).toBeUndefined();
    const rows = cases.map((c) => Object.fromEntries(Object.entries(c.row).filter(([, v]) => v !== undefined)));
    const a = await client.ingest('shop', 'transactions', [...rows, base]);
    expect(a.rejected).toBe(cases.length);
    expect(a.accepted).toBe(1);
    cases.forEach((c, k) => {
      expect(a.errors.filter((e) => e.row === k + 1).map((e) => [e.field, e.code])).toEqual([[c.field, c.code]]);
      expectRowError(a, k + 1, c.field, c.code, c.value);
    });
    expect((await features(gw)).filter((f) => f.frequency > 0).map((f) => [f.frequency, f.monetary])).toEqual([[1, 12.5]]);
  });

  it('a JSON array element that is not an object is a row error, not a batch error', async () => {
    const a = await client.ingest('shapes', 'customers', [{ customer_id: 'O1' }, 'chaine-seule', 42, null, [1], { customer_id: 'O6' }] as unknown as Row[]);
    expect(a.accepted).toBe(2);
    expect(a.errors.map((e) => [e.row, e.code])).toEqual([
      [2, 'type'],
      [3, 'type'],
      [4, 'type'],
      [5, 'type'],
    ]);
    expect(JSON.stringify(a)).not.toContain('chaine-seule');
  });

  it('numbers CSV rows from the first data row (the header is not a row)', async () => {
    const csv = 'customer_id,email,gender\nR1,r1@example.test,f\nR2,pas-un-email,m\nR3,r3@example.test,zz-genre\n\nR5,r5@example.test,x\n,r6@example.test,f\n';
    const res = await client.post('/v1/ingest/csvrows/customers', csv, { contentType: 'text/csv' });
    expect(res.status, res.text).toBe(200);
    const a = res.json as Parameters<typeof expectRowError>[0] & { accepted: number; rejected: number };
    expect(a.errors.map((e) => [e.row, e.field, e.code])).toEqual([
      [2, 'email', 'format'],
      [3, 'gender', 'enum'],
      [5, 'customer_id', 'required'],
    ]);
    expect(a.accepted).toBe(2);
    expect(a.rejected).toBe(3);
  });

  it('numbers NDJSON rows by record: blank lines (and CRLF) are not rows', async () => {
    const nd = '\n{"customer_id":"N1"}\r\n\r\n   \n{"customer_id":"N2","email":"pas-un-email"}\n\n{"customer_id":"N3","gender":"zz-genre"}\n';
    const res = await client.post('/v1/ingest/ndrows/customers', nd, { contentType: 'application/x-ndjson' });
    expect(res.status, res.text).toBe(200);
    expect(res.json).toMatchObject({
      accepted: 1,
      rejected: 2,
      errors: [
        { row: 2, field: 'email', code: 'format' },
        { row: 3, field: 'gender', code: 'enum' },
      ],
    });
    const alias = await client.post('/v1/ingest/ndrows/customers', '{"customer_id":"N4"}\n', { contentType: 'application/ndjson' });
    expect(alias.status).toBe(200);
  });

  it('an empty optional cell is absent, not invalid; an empty required cell is "required"', async () => {
    const cols = [
      'customer_id',
      'email',
      'first_name',
      'phone',
      'iban',
      'nir',
      'siret',
      'postcode',
      'birth_date',
      'income',
      'gender',
      'csp',
      'channel_preference',
      'signup_date',
      'country',
    ];
    const csv = toCsv(
      [
        { customer_id: 'E1', email: 'empty.cells@example.test', first_name: '' },
        { customer_id: 'E2', email: ' ', first_name: 'Zoé', phone: '  ' },
        { customer_id: '', email: 'no.id@example.test' },
      ],
      cols,
    );
    const res = await client.post('/v1/ingest/empties/customers', csv, { contentType: 'text/csv' });
    expect(res.status, res.text).toBe(200);
    expect(res.json).toMatchObject({ accepted: 2, rejected: 1, errors: [{ row: 3, field: 'customer_id', code: 'required' }], ignored_fields: [] });
    const e1 = (await vaultByEmail(gw, 'empty.cells@example.test'))!;
    expect(e1.record).toEqual({ customer_id: 'E1', email: 'empty.cells@example.test' });
    expect(Object.keys(e1.meta).sort()).toEqual(['customer_id', 'email']);
    const e2 = [...(await readVault(gw)).values()].find((v) => v.record['customer_id'] === 'E2')!;
    expect(e2.record).toEqual({ customer_id: 'E2', first_name: 'Zoé' });
    const f = (await features(gw)).find((r) => r.pseudonym === e1.pseudonym)!;
    expect([f.income, f.age, f.area, f.gender, f.csp, f.tenure_since]).toEqual([null, null, null, null, null, null]);
    // JSON null is absent too.
    const j = await client.ingest('empties', 'customers', [{ customer_id: 'E4', email: null, income: null, birth_date: '' }]);
    expect(j.errors).toEqual([]);
  });

  it('an unknown column is listed in ignored_fields and stored nowhere', async () => {
    const csv = 'Customer_ID,EMAIL,Loyalty_Tier,note_libre\nU1,unknown.cols@example.test,gold,valeur-inconnue-9c1\n';
    const res = await client.post('/v1/ingest/unknowns/customers', csv, { contentType: 'text/csv' });
    expect(res.status, res.text).toBe(200);
    expect(res.json).toMatchObject({ accepted: 1, rejected: 0, ignored_fields: ['loyalty_tier', 'note_libre'] });
    const v = (await vaultByEmail(gw, 'unknown.cols@example.test'))!;
    expect(v.record).toEqual({ customer_id: 'U1', email: 'unknown.cols@example.test' });
    expect(JSON.stringify(v.meta)).not.toContain('note_libre');
    const dump = JSON.stringify(await gw.db.all('SELECT * FROM subjects')) + JSON.stringify(await gw.db.all('SELECT * FROM quality_field_stats'));
    expect(dump).not.toContain('valeur-inconnue-9c1');
    expect(dump).not.toContain('note_libre');
  });

  it('reads a French CSV: semicolons, decimal comma, BOM, CRLF, quoted cells', async () => {
    const csv =
      '\ufeffcustomer_id;email;income;street\r\nF1;fr.csv@example.test;41500,50;"3, rue de la Paix"\r\nF2;fr.csv2@example.test;"38000,25";Bât. A, 2e étage\r\n';
    const res = await client.post('/v1/ingest/frcsv/customers', csv, { contentType: 'text/csv' });
    expect(res.status, res.text).toBe(200);
    expect(res.json).toMatchObject({ accepted: 2, rejected: 0, errors: [] });
    const f1 = (await vaultByEmail(gw, 'fr.csv@example.test'))!;
    expect(f1.record['street']).toBe('3, rue de la Paix');
    expect((await features(gw)).find((r) => r.pseudonym === f1.pseudonym)!.income).toBe(41500.5);
    expect((await vaultByEmail(gw, 'fr.csv2@example.test'))!.record['street']).toBe('Bât. A, 2e étage');
  });

  it('reads a comma CSV whose unquoted cells hold semicolons', async () => {
    const csv = 'customer_id,email,street,amount_note\nG1,comma.csv@example.test,Résidence Les Pins; bât. C,x\n';
    const res = await client.post('/v1/ingest/commacsv/customers', csv, { contentType: 'text/csv' });
    expect(res.status, res.text).toBe(200);
    expect((await vaultByEmail(gw, 'comma.csv@example.test'))!.record['street']).toBe('Résidence Les Pins; bât. C');
  });

  it('validation touches nothing of the rejected rows', async () => {
    const before = await counts(gw);
    const a = await client.ingest('nothing', 'customers', [{ customer_id: 'Z1', email: 'invalide' }, { customer_id: 'Z 2' }]);
    expect(a.accepted).toBe(0);
    const after = await counts(gw);
    expect([after.subjects, after.subject_links, after.vault]).toEqual([before.subjects, before.subject_links, before.vault]);
    expect(after.ingest_batches).toBe(before.ingest_batches + 1);
  });
});
