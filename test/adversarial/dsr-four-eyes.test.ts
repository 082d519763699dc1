// Threat T1 (docs/threat-model.md): a single DPO reaches what re-identification keeps behind four
// eyes (IBAN, NIR) through a data-subject access request, by email or by a guessable customer id.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Recorder, seedSubject, type Seeded } from '../helpers/access.ts';
import { auditRows, expectEntries } from '../helpers/audit.ts';
import { testGateway, type TestGateway } from '../helpers/test-gateway.ts';

const CLOCK = Date.UTC(2026, 0, 15, 9, 30);

describe('T1: a single DPO cannot take four-eyes fields through data-subject access', () => {
  let gw: TestGateway;
  let rec: Recorder;
  let victim: Seeded;
  let alice: string;
  let bob: string;
  const secrets = () => [victim.identity.normalized['iban']!, victim.identity.normalized['nir']!];
  const ask = (token: string, identifier: Record<string, unknown>) => rec.postJson('/v1/dsr/access', token, { reference: 'DSR-2026-0042', identifier });

  beforeAll(async () => {
    gw = await testGateway({ clockStart: CLOCK });
    rec = new Recorder(gw);
    victim = await seedSubject(rec, 'advfey', 1, { transactions: false });
    alice = await gw.mint(['dpo'], { sub: 'alice' });
    bob = await gw.mint(['dpo'], { sub: 'bob' });
  });
  afterAll(() => gw?.cleanup());

  it('by email or by source + customer id: 202, the package without IBAN and NIR, whatever the lookup', async () => {
    for (const identifier of [
      { type: 'email', value: victim.identity.normalized['email'] },
      { type: 'customer_id', value: victim.identity.record['customer_id'], source: 'crm' },
      { type: 'phone', value: victim.identity.record['phone'] },
    ]) {
      const a = await ask(alice, identifier);
      expect(a.status, a.text).toBe(202);
      expect(a.json.withheld_fields).toEqual(['iban', 'nir']);
      for (const s of secrets()) expect(a.text).not.toContain(s);
    }
  });

  it('a guessable customer id alone (no source) is refused before any lookup', async () => {
    const before = (await auditRows(gw)).length;
    const a = await ask(alice, { type: 'customer_id', value: victim.identity.record['customer_id'] });
    expect(a.status).toBe(422);
    expect(a.json.errors).toEqual([expect.objectContaining({ path: 'identifier.source', code: 'required' })]);
    expect((await auditRows(gw)).slice(before).filter((r) => r.outcome === 'granted' || r.outcome === 'pending')).toEqual([]);
  });

  it('the requester can neither approve their own package nor collect it unapproved; a GET or HEAD before approval reveals nothing', async () => {
    const a = await ask(alice, { type: 'email', value: victim.identity.normalized['email'] });
    const id = a.json.id as string;
    expect((await rec.postJson(`/v1/dsr/${id}/approve`, alice, {})).status).toBe(403);
    for (const method of ['GET', 'HEAD']) {
      const r = await gw.request(`/v1/dsr/${id}`, { method, token: alice });
      const text = await r.text();
      expect(r.status).toBe(200);
      for (const s of secrets()) expect(text).not.toContain(s);
    }
    expect((await rec.get(`/v1/dsr/${id}`, alice)).json.status).toBe('pending_approval');
    // a denial by the second DPO ends it: nothing to collect, ever
    expect((await rec.postJson(`/v1/dsr/${id}/deny`, bob, {})).json.status).toBe('denied');
    const after = await rec.get(`/v1/dsr/${id}`, alice);
    expect(after.json.status).toBe('denied');
    for (const s of secrets()) expect(after.text).not.toContain(s);
    expect((await rec.postJson(`/v1/dsr/${id}/approve`, bob, {})).status).toBe(409);
  });

  it("only with a second DPO's approval, and only once, to the requester alone", async () => {
    const a = await ask(alice, { type: 'email', value: victim.identity.normalized['email'] });
    const id = a.json.id as string;
    await expectEntries(gw, 'dsr.approve/ok', () => rec.postJson(`/v1/dsr/${id}/approve`, bob, {}));
    // the approver does not collect
    const byBob = await rec.get(`/v1/dsr/${id}`, bob);
    for (const s of secrets()) expect(byBob.text).not.toContain(s);
    const got = await rec.get(`/v1/dsr/${id}`, alice);
    expect(got.json.identity).toEqual({ iban: victim.identity.normalized['iban'], nir: victim.identity.normalized['nir'] });
    const again = await rec.get(`/v1/dsr/${id}`, alice);
    for (const s of secrets()) expect(again.text).not.toContain(s);
    expect(again.json.status).toBe('delivered');
  });
});
