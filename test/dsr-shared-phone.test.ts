// A phone number two customers share (a household landline) identifies neither of them:
// access and erasure by that phone are refused (409, audited as denied), never answered for
// whichever of them was ingested last. Email and customer_id still lead to each person.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Recorder, seedSubject, type Seeded } from './helpers/access.ts';
import { expectEntries } from './helpers/audit.ts';
import { readVault } from './helpers/ingest.ts';
import { testGateway, type TestGateway } from './helpers/test-gateway.ts';

describe('a phone number shared by two subjects', () => {
  let gw: TestGateway;
  let rec: Recorder;
  let first: Seeded;
  let second: string;
  let alone: Seeded;
  let dpo: string;
  const byPhone = (kind: 'access' | 'erasure', phone: unknown) =>
    rec.postJson(`/v1/dsr/${kind}`, dpo, { reference: 'DSR-TEST-0001', identifier: { type: 'phone', value: phone } });
  const phoneOf = (s: Seeded) => String(s.identity.record['phone']);

  beforeAll(async () => {
    gw = await testGateway({ clockStart: Date.UTC(2026, 0, 15, 9, 30) });
    rec = new Recorder(gw);
    first = await seedSubject(rec, 'dsrshp', 1, { transactions: false });
    alone = await seedSubject(rec, 'dsrshp', 2, { transactions: false });
    // another person of the household: own email and customer id, the same landline
    const a = await rec.ingest('crm', 'customers', [{ customer_id: 'CID-household-2', email: 'household.two@example.test', phone: phoneOf(first) }]);
    expect(a.accepted).toBe(1);
    second = [...(await readVault(gw)).entries()].find(([, v]) => v.record['email'] === 'household.two@example.test')![0];
    expect(second).not.toBe(first.pseudonym);
    dpo = await gw.mint(['dpo'], { sub: 'alice' });
  });
  afterAll(() => gw?.cleanup());

  it('access by the shared phone is refused with 409, audited as denied, naming no one', async () => {
    const r = await expectEntries(gw, 'dsr.access/denied', () => byPhone('access', phoneOf(first)));
    expect(r.answer.status, r.answer.text).toBe(409);
    expect(r.answer.headers.get('content-type')).toContain('application/problem+json');
    expect(r.answer.text).not.toContain(first.pseudonym);
    expect(r.answer.text).not.toContain(second);
    expect(JSON.parse(r.entry!.subjects)).toEqual([]);
    expect(JSON.parse(r.entry!.detail)).toMatchObject({ reason: 'ambiguous', identifier_type: 'phone' });
  });

  it('erasure by the shared phone is refused and erases nobody', async () => {
    const before = await readVault(gw);
    const r = await expectEntries(gw, 'dsr.erasure/denied', () => byPhone('erasure', phoneOf(first)));
    expect(r.answer.status, r.answer.text).toBe(409);
    const after = await readVault(gw);
    expect(after.get(first.pseudonym)).toEqual(before.get(first.pseudonym));
    expect(after.get(second)).toEqual(before.get(second));
  });

  it('a phone only one subject has sent still works', async () => {
    const r = await byPhone('access', phoneOf(alone));
    expect(r.status, r.text).toBe(202); // its IBAN and NIR wait for a second DPO
    expect(r.json.pseudonym).toBe(alone.pseudonym);
  });

  it('each person is still reached by email; erasing one leaves the other, and the phone stays refused', async () => {
    const erased = await rec.postJson('/v1/dsr/erasure', dpo, {
      reference: 'DSR-TEST-0001',
      identifier: { type: 'email', value: first.identity.normalized['email'] },
    });
    expect(erased.status, erased.text).toBe(200);
    expect(erased.json.pseudonym).toBe(first.pseudonym);
    const other = await rec.postJson('/v1/dsr/access', dpo, { reference: 'DSR-TEST-0001', identifier: { type: 'email', value: 'household.two@example.test' } });
    expect(other.status, other.text).toBe(200);
    expect(JSON.stringify(other.json)).toContain(second);
    expect((await byPhone('access', phoneOf(first))).status).toBe(409);
    // the shared phone was not the erased person's alone: the other may still send it
    const again = await rec.ingest('crm', 'customers', [{ customer_id: 'CID-household-2', email: 'household.two@example.test', phone: phoneOf(first) }]);
    expect(again).toMatchObject({ accepted: 1, rejected: 0 });
  });
});
