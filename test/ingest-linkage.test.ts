// Linkage: one subject per person across sources and case/width/spacing variants of the email;
// transactions link by email or by the same source's customer_id, never another source's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PSEUDONYM_PATTERN } from '../src/pseudonymization/pseudonymizer.ts';
import { epochDay, expectRowError, featureOf, features, ingestClient, readVault, vaultByEmail, type IngestClient } from './helpers/ingest.ts';
import { testGateway, type TestGateway } from './helpers/test-gateway.ts';

const CLOCK = Date.UTC(2026, 0, 15);
const EMAIL = 'marie.curie@example.test';
/** The same mailbox, fullwidth (NFKC folds it back to ASCII). */
const FULLWIDTH =
  '\uff2d\uff41\uff52\uff49\uff45\uff0e\uff23\uff55\uff52\uff49\uff45\uff20\uff25\uff58\uff41\uff4d\uff50\uff4c\uff45\uff0e\uff54\uff45\uff53\uff54';

describe('linkage across sources and email variants', () => {
  let gw: TestGateway;
  let client: IngestClient;
  let pseudonym: string;
  beforeAll(async () => {
    gw = await testGateway({ clockStart: CLOCK });
    client = await ingestClient(gw);
  });
  afterAll(() => gw.cleanup());

  it('the fullwidth fixture really is the same address after NFKC', () => {
    expect(FULLWIDTH.normalize('NFKC').toLowerCase()).toBe(EMAIL);
    expect(FULLWIDTH).not.toContain('@');
  });

  it('one subject for the same email from crm and eshop in any case, spacing or width', async () => {
    const crm = await client.ingest('crm', 'customers', [{ customer_id: 'C-100', email: 'Marie.Curie@Example.TEST', gender: 'f' }]);
    expect(crm.accepted).toBe(1);
    expect(await features(gw)).toHaveLength(1);
    pseudonym = (await features(gw))[0]!.pseudonym;
    expect(pseudonym).toMatch(PSEUDONYM_PATTERN);
    expect(pseudonym).toMatch(/^p1_[A-Za-z0-9_-]{22}$/);

    const eshop = await client.ingest(
      'eshop',
      'customers',
      [
        { customer_id: 'E-77', email: '   MARIE.CURIE@EXAMPLE.TEST\t' },
        { customer_id: 'E-78', email: FULLWIDTH },
        { customer_id: 'E-79', email: '\u3000marie.curie@example.test\u00a0' },
      ],
      'ndjson',
    );
    expect(eshop.accepted).toBe(3);
    expect(eshop.errors).toEqual([]);
    const stores = await client.ingest('stores', 'customers', [{ customer_id: 'S-1', email: ` ${FULLWIDTH.toUpperCase()} ` }], 'csv');
    expect(stores.accepted).toBe(1);

    const rows = await features(gw);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.pseudonym).toBe(pseudonym);
    const vault = await readVault(gw);
    expect(vault.size).toBe(1);
    expect(vault.get(pseudonym)!.record['email']).toBe(EMAIL);
    // Nothing in the link index is the address or its plain hash: keyed hashes of the pseudonym format only.
    const links = await gw.db.all<{ key_hash: string; kind: string; pseudonym: string | null }>(
      'SELECT l.key_hash, l.kind, s.pseudonym FROM subject_links l LEFT JOIN subjects s ON s.id = l.subject_id',
    );
    expect(new Set(links.map((l) => l.pseudonym))).toEqual(new Set([pseudonym]));
    for (const l of links) expect(l.key_hash).toMatch(PSEUDONYM_PATTERN);
    expect(links.filter((l) => l.kind === 'email')).toHaveLength(1);
    // one customer_id link per (source, id)
    expect(links.filter((l) => l.kind === 'customer_id')).toHaveLength(5);
  });

  it('a different address is a different subject, and pseudonyms are not a plain hash of the email', async () => {
    await client.ingest('crm', 'customers', [{ customer_id: 'C-200', email: 'pierre.curie@example.test' }]);
    const rows = await features(gw);
    expect(rows).toHaveLength(2);
    const crypto = await import('node:crypto');
    const plain = crypto.createHash('sha256').update(EMAIL).digest().subarray(0, 16).toString('base64url');
    expect(rows.map((r) => r.pseudonym)).not.toContain(`p1_${plain}`);
  });

  it('transactions by email (any variant) and by customer_id of the same source link to the subject', async () => {
    const byEmail = await client.ingest('eshop', 'transactions', [
      { email: 'MARIE.CURIE@example.test', date: '2025-11-02', amount: 20, channel: 'web', transaction_id: 'T1' },
      { email: FULLWIDTH, date: '2025-12-24', amount: 35.5, channel: 'APP', transaction_id: 'T2' },
    ]);
    expect(byEmail).toMatchObject({ accepted: 2, rejected: 0, errors: [] });
    const byId = await client.ingest(
      'eshop',
      'transactions',
      [{ customer_id: 'E-77', date: '2025-10-15', amount: 12, channel: 'store', transaction_id: 'T3' }],
      'csv',
    );
    expect(byId).toMatchObject({ accepted: 1, errors: [] });
    const crmById = await client.ingest('crm', 'transactions', [{ customer_id: 'C-100', date: '2026-01-03', amount: 100, channel: 'phone' }], 'ndjson');
    expect(crmById).toMatchObject({ accepted: 1, errors: [] });
    const f = await featureOf(gw, pseudonym);
    expect(f.frequency).toBe(4);
    expect(f.monetary).toBeCloseTo(167.5, 6);
    expect([f.n_web, f.n_store, f.n_phone, f.n_app]).toEqual([1, 1, 1, 1]);
    expect(f.first_purchase_day).toBe(epochDay('2025-10-15'));
    expect(f.last_purchase_day).toBe(epochDay('2026-01-03'));
    const tx = await gw.db.all<{ pseudonym: string | null }>('SELECT DISTINCT s.pseudonym FROM transactions t LEFT JOIN subjects s ON s.id = t.subject_id');
    expect(tx.map((t) => t.pseudonym)).toEqual([pseudonym]);
  });

  it('a customer_id known only from another source does not link: unknown_subject', async () => {
    const a = await client.ingest('eshop', 'transactions', [
      { customer_id: 'C-100', date: '2026-01-05', amount: 9, channel: 'web' },
      { customer_id: 'S-1', date: '2026-01-05', amount: 9, channel: 'web' },
      { customer_id: 'E-77', date: '2026-01-05', amount: 9, channel: 'web' },
    ]);
    expectRowError(a, 1, 'customer_id', 'unknown_subject', 'C-100');
    expectRowError(a, 2, 'customer_id', 'unknown_subject', 'S-1');
    expect(a.errors).toHaveLength(2);
    expect(a.accepted).toBe(1);
    // and a source that never sent customers knows nobody by id
    const other = await client.ingest('partner', 'transactions', [{ customer_id: 'E-77', date: '2026-01-05', amount: 9, channel: 'web' }]);
    expectRowError(other, 1, 'customer_id', 'unknown_subject', 'E-77');
  });

  it('an unknown email or customer is a row error unknown_subject; no linkage key is linkage_missing', async () => {
    const before = (await featureOf(gw, pseudonym)).frequency;
    const a = await client.ingest('eshop', 'transactions', [
      { email: 'inconnue@example.test', date: '2026-01-05', amount: 9, channel: 'web' },
      { customer_id: 'E-999', date: '2026-01-05', amount: 9, channel: 'web' },
      { date: '2026-01-05', amount: 9, channel: 'web' },
      { email: EMAIL, date: '2026-01-06', amount: 1, channel: 'web' },
    ]);
    expectRowError(a, 1, 'email', 'unknown_subject', 'inconnue@example.test');
    expectRowError(a, 2, 'customer_id', 'unknown_subject', 'E-999');
    expectRowError(a, 3, 'email', 'linkage_missing');
    expect(a).toMatchObject({ accepted: 1, rejected: 3 });
    expect((await featureOf(gw, pseudonym)).frequency).toBe(before + 1);
    expect(await features(gw)).toHaveLength(2);
  });

  it('email wins over customer_id when a transaction carries both', async () => {
    const pierre = (await vaultByEmail(gw, 'pierre.curie@example.test'))!.pseudonym;
    const before = (await featureOf(gw, pierre)).frequency;
    // Pierre's email with Marie's crm customer id: the email (first in the linkage order) decides.
    const a = await client.ingest('crm', 'transactions', [
      { email: 'pierre.curie@example.test', customer_id: 'C-100', date: '2026-01-07', amount: 5, channel: 'store' },
    ]);
    expect(a.errors).toEqual([]);
    expect((await featureOf(gw, pierre)).frequency).toBe(before + 1);
  });

  it('a customer first known by customer_id only gains its email link on a later record of the same source', async () => {
    await client.ingest('pos', 'customers', [{ customer_id: 'P-5', gender: 'm' }]);
    const n = (await features(gw)).length;
    await client.ingest('pos', 'customers', [{ customer_id: 'P-5', email: 'late.email@example.test', csp: 'ouvrier' }]);
    expect(await features(gw)).toHaveLength(n);
    const v = (await vaultByEmail(gw, 'late.email@example.test'))!;
    expect(v.record).toEqual({ customer_id: 'P-5', email: 'late.email@example.test' });
    const f = await featureOf(gw, v.pseudonym);
    expect([f.gender, f.csp]).toEqual(['m', 'ouvrier']);
    const t = await client.ingest('web', 'transactions', [{ email: 'Late.Email@example.test', date: '2026-01-02', amount: 3, channel: 'web' }]);
    expect(t.errors).toEqual([]);
    expect((await featureOf(gw, v.pseudonym)).frequency).toBe(1);
  });

  it('a customer row whose email and customer_id name two different subjects is refused, and neither link moves', async () => {
    const marie = (await vaultByEmail(gw, EMAIL))!.pseudonym;
    const pierre = (await vaultByEmail(gw, 'pierre.curie@example.test'))!.pseudonym;
    expect(marie).not.toBe(pierre);
    const n = (await features(gw)).length;
    const linksOf = () =>
      gw.db.all<{ key_hash: string; subject_id: number; pseudonym: string | null }>(
        'SELECT l.key_hash, l.subject_id, s.pseudonym FROM subject_links l LEFT JOIN subjects s ON s.id = l.subject_id ORDER BY l.key_hash',
      );
    const linksBefore = await linksOf();
    const vaultBefore = JSON.stringify([...(await readVault(gw)).entries()]);
    // Pierre's email with Marie's crm customer id, and a row that is fine
    const a = await client.ingest('crm', 'customers', [
      { customer_id: 'C-100', email: 'Pierre.Curie@example.test', csp: 'ouvrier' },
      { customer_id: 'C-101', email: 'irene.curie@example.test' },
    ]);
    expect(a).toMatchObject({ accepted: 1, rejected: 1 });
    expectRowError(a, 1, 'customer_id', 'linkage_conflict', 'C-100');
    expect(JSON.stringify(a)).not.toMatch(/pierre|C-100/i);
    expect(await features(gw)).toHaveLength(n + 1);
    // nothing of the refused row landed: links, vault records and features as they were
    const linksAfter = await linksOf();
    const irene = (await vaultByEmail(gw, 'irene.curie@example.test'))!.pseudonym;
    expect(linksAfter.filter((l) => l.pseudonym !== irene)).toEqual(linksBefore);
    expect(JSON.stringify([...(await readVault(gw)).entries()].filter(([p]) => p === marie || p === pierre))).toBe(
      JSON.stringify((JSON.parse(vaultBefore) as [string, unknown][]).filter(([p]) => p === marie || p === pierre)),
    );
    expect((await featureOf(gw, pierre)).csp).not.toBe('ouvrier');
    // Marie's crm customer id still leads to Marie
    const before = (await featureOf(gw, marie)).frequency;
    const t = await client.ingest('crm', 'transactions', [{ customer_id: 'C-100', date: '2026-01-08', amount: 4, channel: 'web' }]);
    expect(t.errors).toEqual([]);
    expect((await featureOf(gw, marie)).frequency).toBe(before + 1);
  });

  it('the same conflict inside one batch is caught too: the first row creates the subject, the second is refused', async () => {
    const a = await client.ingest('shop2', 'customers', [
      { customer_id: 'Z-1', email: 'zoe.one@example.test' },
      { customer_id: 'Z-2', email: 'zoe.two@example.test' },
      { customer_id: 'Z-1', email: 'zoe.two@example.test' },
    ]);
    expect(a).toMatchObject({ accepted: 2, rejected: 1 });
    expectRowError(a, 3, 'customer_id', 'linkage_conflict', 'Z-1');
  });
});
