// Data-subject access: everything held on a person, found by email (any case or spacing), phone
// (any format) or source + customer id: identity from the vault, features, transactions, consent
// history, segment memberships, exports to partners, and the re-identifications about them (who,
// when, why). Fields that need four eyes in re-identification (IBAN, NIR) are withheld until a
// second DPO approves (202), then collected once. 404 when nothing is held; DPO only; audited
// without the identity.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_CONSENT_FLAGS, partnerOneToken, Recorder, seedSubject, type Answer, type Seeded } from './helpers/access.ts';
import { auditLeaks, expectEntries, fillers, JUSTIFICATION } from './helpers/audit.ts';
import { scan } from './helpers/canaries.ts';
import { testGateway, type TestGateway } from './helpers/test-gateway.ts';

const CLOCK = Date.UTC(2026, 0, 15, 9, 30);
const HOUR = 3_600_000;
const iso = (t: number) => new Date(t).toISOString();
const WEB = [{ name: 'web', where: { channel_preference: { eq: 'web' } } }];
/** Fields the DPO's privilege names under four_eyes_fields: withheld from a package until approved. */
const WITHHELD = ['iban', 'nir'];
const shown = (normalized: Record<string, string>) => Object.fromEntries(Object.entries(normalized).filter(([f]) => !WITHHELD.includes(f)));

describe('data-subject access', () => {
  let gw: TestGateway;
  let rec: Recorder;
  let me: Seeded;
  let other: Seeded;
  let dpo: string;
  let marketingRun: string;
  let partnerRun: string;
  let pendingId: string;
  let access: Answer;

  const dsr = (identifier: Record<string, unknown>, token = dpo) => rec.postJson('/v1/dsr/access', token, { reference: 'DSR-TEST-0001', identifier });

  async function run(token: string, purpose: string): Promise<string> {
    const a = await rec.postJson('/v1/segmentations', token, { purpose, method: 'rules', features: [], rules: WEB });
    expect(a.status, a.text).toBe(202);
    await gw.jobs.idle();
    const v = await rec.get(`/v1/segmentations/${a.json.id}`, token);
    expect(v.json.status, v.text).toBe('succeeded');
    expect(v.json.result.segments.map((s: { id: string }) => s.id)).toContain('rule-1');
    return a.json.id as string;
  }

  beforeAll(async () => {
    gw = await testGateway({ clockStart: CLOCK });
    rec = new Recorder(gw);
    me = await seedSubject(rec, 'dsracc', 1);
    other = await seedSubject(rec, 'dsracc', 2, { transactions: false });
    // enough partner-consenting subjects for the partner's minimum group size (50)
    const f = await rec.ingest('crm', 'customers', fillers('dsracc', 55, { consent_partner_sharing: true }));
    expect(f.accepted).toBe(55);
    dpo = await gw.mint(['dpo'], { sub: 'alice' });

    gw.advance(HOUR); // 10:30: segmentations and exports
    const marketing = await gw.mint(['marketing'], { sub: 'analyst' });
    marketingRun = await run(marketing, 'segmentation_analytics');
    expect((await rec.get(`/v1/segmentations/${marketingRun}/segments/rule-1/members`, marketing)).status).toBe(200);
    const partner = await partnerOneToken(gw);
    partnerRun = await run(partner, 'partner_sharing');
    const exp = await rec.get(`/v1/segmentations/${partnerRun}/segments/rule-1/members`, partner);
    expect(exp.status, exp.text).toBe(200);
    expect(exp.json.members).toHaveLength(57);
    expect(exp.text).not.toContain(me.pseudonym);

    gw.advance(HOUR); // 11:30: re-identifications and a consent change
    dpo = await gw.mint(['dpo'], { sub: 'alice' });
    const bob = await gw.mint(['dpo'], { sub: 'bob' });
    const carol = await gw.mint(['reidentifier'], { sub: 'carol' });
    const ask = (token: string, p: string[], fields: string[], justification: string) =>
      rec.postJson('/v1/reidentifications', token, { pseudonyms: p, fields, purpose: 'customer_service', justification });
    expect((await ask(dpo, [me.pseudonym], ['email'], JUSTIFICATION)).status).toBe(201);
    expect((await ask(carol, [me.pseudonym, other.pseudonym], ['phone'], 'Callback requested by the customer on the hotline')).status).toBe(201);
    expect((await ask(carol, [other.pseudonym], ['email'], 'Only about the other customer, ticket 5531')).status).toBe(201);
    const pending = await ask(dpo, [me.pseudonym], ['iban'], 'Refund of a double debit, accounting ticket 771');
    expect(pending.status).toBe(202);
    pendingId = pending.json.id as string;
    expect((await rec.postJson(`/v1/reidentifications/${pendingId}/approve`, bob, {})).status).toBe(200);
    expect((await rec.get(`/v1/reidentifications/${pendingId}`, dpo)).json.status).toBe('delivered');
    expect((await rec.postJson(`/v1/subjects/${me.pseudonym}/consents`, dpo, { purpose: 'marketing_sms', status: 'withdrawn' })).status).toBe(201);

    gw.advance(HOUR); // 12:30: the access request
    dpo = await gw.mint(['dpo'], { sub: 'alice' });
    const email = `  ${String(me.identity.normalized['email']).toUpperCase()}\t`;
    const r = await expectEntries(gw, 'dsr.access/pending', () => dsr({ type: 'email', value: email }));
    access = r.answer;
    expect(access.status, access.text).toBe(202);
    expect(JSON.parse(r.entry!.subjects)).toEqual([me.pseudonym]);
    expect(JSON.parse(r.entry!.detail)).toEqual({
      request_id: access.json.id,
      reference: 'DSR-TEST-0001',
      identifier_type: 'email',
      withheld_fields: WITHHELD,
    });
  });
  afterAll(() => gw?.cleanup());

  it('found by email in another case and spacing: the identity held in the vault, and where each field came from', () => {
    const b = access.json;
    expect(b.pseudonym).toBe(me.pseudonym);
    expect(b).toMatchObject({ reference: 'DSR-TEST-0001', status: 'pending_approval', withheld_fields: WITHHELD });
    expect(b.identity).toEqual(shown(me.identity.normalized));
    // the sources list every field held, the withheld ones too (their values are not in the answer)
    expect(Object.keys(b.identity_sources).sort()).toEqual(Object.keys(me.identity.normalized).sort());
    for (const f of WITHHELD) expect(access.text).not.toContain(me.identity.normalized[f]!);
    for (const v of Object.values(b.identity_sources)) expect(v).toEqual({ source: 'crm', updated_at: iso(CLOCK) });
  });

  it('features and transactions', () => {
    const b = access.json;
    expect(b.features).toMatchObject({ gender: 'm', csp: 'cadre', income: 31000, channel_preference: 'web', frequency: 4, monetary: 237.75 });
    expect(b.features.age_band).toBeTypeOf('string');
    expect(b.transactions.map((t: { date: string; amount: number; channel: string }) => [t.date, t.amount, t.channel])).toEqual([
      ['2025-10-02', 120.5, 'web'],
      ['2025-11-13', 35, 'store'],
      ['2025-12-20', 64.25, 'app'],
      ['2026-01-03', 18, 'phone'],
    ]);
  });

  it("the whole consent history, including the DPO's later withdrawal", () => {
    const h = access.json.consent_history as { purpose: string; status: string; source: string; legal_basis: string; collected_at: string }[];
    expect(h.map((c) => [c.purpose, c.status, c.source])).toEqual(
      expect.arrayContaining([
        ['marketing_email', 'granted', 'crm'],
        ['marketing_sms', 'granted', 'crm'],
        ['partner_sharing', 'granted', 'crm'],
        ['marketing_sms', 'withdrawn', 'dpo'],
      ]),
    );
    expect(h).toHaveLength(4);
    expect(h.find((c) => c.source === 'dpo')!.collected_at).toBe(iso(CLOCK + 2 * HOUR));
  });

  it('segment memberships of every run, marketing and partner', () => {
    expect(access.json.segment_memberships).toHaveLength(2);
    expect(access.json.segment_memberships).toEqual(
      expect.arrayContaining([
        { run_id: marketingRun, segment_id: 'rule-1', purpose: 'segmentation_analytics', method: 'rules', at: iso(CLOCK + HOUR) },
        { run_id: partnerRun, segment_id: 'rule-1', purpose: 'partner_sharing', method: 'rules', at: iso(CLOCK + HOUR) },
      ]),
    );
  });

  it('exports to partners (and only those): which partner, when, under which purpose', () => {
    const ex = access.json.partner_exports as { at: string; partner: string; purpose: string; detail: Record<string, unknown> }[];
    expect(ex).toHaveLength(1);
    expect(ex[0]).toMatchObject({ at: iso(CLOCK + HOUR), partner: gw.partner.id, purpose: 'partner_sharing' });
    expect(ex[0]!.detail).toMatchObject({ run_id: partnerRun, segment_id: 'rule-1', count: 57, partner_scoped: true });
  });

  it('the re-identifications about them: who, when, why; not those about someone else', () => {
    const rs = access.json.reidentifications as { at: string; who: string; action: string; outcome: string; purpose: string; why: string | null }[];
    const at = iso(CLOCK + 2 * HOUR);
    expect(rs).toEqual([
      { at, who: 'dev:alice', action: 'reidentification.request', outcome: 'granted', purpose: 'customer_service', why: JUSTIFICATION },
      {
        at,
        who: 'dev:carol',
        action: 'reidentification.request',
        outcome: 'granted',
        purpose: 'customer_service',
        why: 'Callback requested by the customer on the hotline',
      },
      {
        at,
        who: 'dev:alice',
        action: 'reidentification.request',
        outcome: 'pending',
        purpose: 'customer_service',
        why: 'Refund of a double debit, accounting ticket 771',
      },
      { at, who: 'dev:bob', action: 'reidentification.approve', outcome: 'ok', purpose: 'customer_service', why: null },
      {
        at,
        who: 'dev:alice',
        action: 'reidentification.deliver',
        outcome: 'granted',
        purpose: 'customer_service',
        why: 'Refund of a double debit, accounting ticket 771',
      },
    ]);
    expect(access.text).not.toContain('Only about the other customer');
  });

  it('nothing about another person leaks into the answer', () => {
    expect(scan(access.text, other.identity.needles).map((h) => h.label)).toEqual([]);
    expect(access.text).not.toContain(other.pseudonym);
  });

  it('found by phone in any format, and by source + customer id: the same person', async () => {
    const mobile = me.identity.needles.find((n) => n.label === 'phone#1 national')!.value; // 06xxxxxxxx
    const e164 = me.identity.normalized['phone']!;
    for (const value of [
      mobile,
      me.identity.record['phone'],
      e164,
      `${e164.slice(0, 3)} ${e164.slice(3, 4)} ${e164
        .slice(4)
        .replace(/(\d{2})/g, '$1 ')
        .trim()}`,
      `00${e164.slice(1)}`,
      mobile.replace(/(\d{2})(?=\d)/g, '$1.'),
    ]) {
      const a = await dsr({ type: 'phone', value: String(value) });
      expect(a.status, `${value}: ${a.text}`).toBe(202);
      expect(a.json.pseudonym).toBe(me.pseudonym);
      expect(a.json.identity).toEqual(shown(me.identity.normalized));
    }
    const cid = await expectEntries(gw, 'dsr.access/pending', () =>
      dsr({ type: 'customer_id', value: String(me.identity.record['customer_id']), source: 'crm' }),
    );
    expect(cid.answer.json.pseudonym).toBe(me.pseudonym);
    expect(JSON.parse(cid.entry!.detail)).toMatchObject({ identifier_type: 'customer_id', withheld_fields: WITHHELD });
    const o = await dsr({ type: 'customer_id', value: String(other.identity.record['customer_id']), source: 'crm' });
    expect(o.json.pseudonym).toBe(other.pseudonym);
    expect(o.json.reidentifications.map((r: { why: string }) => r.why)).toEqual([
      'Callback requested by the customer on the hotline',
      'Only about the other customer, ticket 5531',
    ]);
  });

  it('nothing held: 404 problem, audited as a denied access naming no subject', async () => {
    for (const identifier of [
      { type: 'email', value: 'nobody@example-mail.test' },
      { type: 'phone', value: '06 99 99 99 98' },
      { type: 'customer_id', value: String(me.identity.record['customer_id']), source: 'shop' },
    ]) {
      const { answer, entry } = await expectEntries(gw, 'dsr.access/denied', () => dsr(identifier));
      expect(answer.status, answer.text).toBe(404);
      expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(JSON.parse(entry!.subjects)).toEqual([]);
      expect(JSON.parse(entry!.detail)).toMatchObject({ reason: 'not_found', identifier_type: identifier.type, reference: 'DSR-TEST-0001' });
      expect(entry!.detail).not.toContain(identifier.value);
    }
  });

  it('invalid identifiers: 422 (customer id without its source, a phone that is not one, unknown type or member)', async () => {
    for (const identifier of [
      { type: 'customer_id', value: String(me.identity.record['customer_id']) },
      { type: 'phone', value: 'not a phone' },
      { type: 'iban', value: me.identity.normalized['iban'] },
      { type: 'email', value: '' },
      { type: 'email', value: me.identity.normalized['email'], extra: 1 },
    ]) {
      const a = await dsr(identifier);
      expect(a.status, JSON.stringify(identifier)).toBe(422);
      expect(a.text).not.toContain(String(identifier.value || '\u0000'));
    }
  });

  it('a second DPO approves the withheld fields; the requester collects them once, and a HEAD collects nothing', async () => {
    const bob = await gw.mint(['dpo'], { sub: 'bob' });
    const id = access.json.id as string;
    // the requester cannot approve their own package
    const own = await expectEntries(gw, 'dsr.approve/denied', () => rec.postJson(`/v1/dsr/${id}/approve`, dpo, {}));
    expect(own.answer.status).toBe(403);
    expect((await rec.get(`/v1/dsr/${id}`, dpo)).json).toMatchObject({ status: 'pending_approval' });
    const ok = await expectEntries(gw, 'dsr.approve/ok', () => rec.postJson(`/v1/dsr/${id}/approve`, bob, {}));
    expect(ok.answer.status, ok.answer.text).toBe(200);
    expect(ok.answer.json).toMatchObject({ status: 'approved', decided_by: 'dev:bob' });
    expect(ok.answer.text).not.toContain(me.identity.normalized['iban']!);
    // another DPO reads the state, never the fields
    const seen = await rec.get(`/v1/dsr/${id}`, bob);
    expect(seen.json).toMatchObject({ status: 'approved' });
    expect(seen.json.identity).toBeUndefined();
    const head = await gw.request(`/v1/dsr/${id}`, { method: 'HEAD', token: dpo });
    expect(head.status).toBe(200);
    expect((await rec.get(`/v1/dsr/${id}`, bob)).json.status).toBe('approved');
    const got = await expectEntries(gw, 'dsr.deliver/granted', () => rec.get(`/v1/dsr/${id}`, dpo));
    expect(got.answer.json).toMatchObject({ status: 'delivered', identity: { iban: me.identity.normalized['iban'], nir: me.identity.normalized['nir'] } });
    expect(Object.keys(got.answer.json.identity).sort()).toEqual(WITHHELD);
    const again = await expectEntries(gw, null, () => rec.get(`/v1/dsr/${id}`, dpo));
    expect(again.answer.json.status).toBe('delivered');
    expect(again.answer.json.identity).toBeUndefined();
    expect((await rec.postJson(`/v1/dsr/${id}/deny`, bob, {})).status).toBe(409);
  });

  it('only the DPO may ask', async () => {
    for (const role of ['marketing', 'reidentifier', 'ingest', 'admin']) {
      const { answer } = await expectEntries(gw, 'auth.forbidden/denied', async () =>
        dsr({ type: 'email', value: me.identity.normalized['email'] }, await gw.mint([role])),
      );
      expect(answer.status, role).toBe(403);
      expect(scan(answer.text, me.identity.needles)).toEqual([]);
    }
    const partner = await partnerOneToken(gw);
    expect((await dsr({ type: 'email', value: me.identity.normalized['email'] }, partner)).status).toBe(403);
  });

  it('the audit log itself never holds the identity', async () => {
    expect(await auditLeaks(gw, [me.identity, other.identity])).toEqual([]);
  });
});

describe('data-subject access across sources', () => {
  let gw: TestGateway;
  let rec: Recorder;

  beforeAll(async () => {
    gw = await testGateway({ clockStart: CLOCK });
    rec = new Recorder(gw);
  });
  afterAll(() => gw?.cleanup());

  it("one person sent by two sources is one subject: found by either customer id, with both sources' data", async () => {
    const s = await seedSubject(rec, 'dsrsrc', 3, { transactions: false, flags: ALL_CONSENT_FLAGS });
    const shop = await rec.ingest('shop', 'customers', [{ customer_id: 'SHOP-991', email: s.identity.record['email'], phone: s.identity.record['phone'] }]);
    expect(shop.accepted).toBe(1);
    expect(
      (await rec.ingest('shop', 'transactions', [{ customer_id: 'SHOP-991', transaction_id: 'shop-t1', date: '2026-01-02', amount: 42, channel: 'store' }]))
        .accepted,
    ).toBe(1);
    const dpo = await gw.mint(['dpo'], { sub: 'alice' });
    const a = await rec.postJson('/v1/dsr/access', dpo, { reference: 'DSR-TEST-0001', identifier: { type: 'customer_id', value: 'SHOP-991', source: 'shop' } });
    expect(a.status, a.text).toBe(202);
    expect(a.json.pseudonym).toBe(s.pseudonym);
    expect(a.json.identity.customer_id).toBe('SHOP-991');
    expect(a.json.identity_sources.customer_id.source).toBe('shop');
    expect(a.json.identity_sources.iban.source).toBe('crm');
    expect(a.json.identity.iban).toBeUndefined();
    expect(a.json.transactions).toEqual([expect.objectContaining({ date: '2026-01-02', amount: 42, source: 'shop' })]);
    const b = await rec.postJson('/v1/dsr/access', dpo, {
      reference: 'DSR-TEST-0001',
      identifier: { type: 'customer_id', value: String(s.identity.record['customer_id']), source: 'crm' },
    });
    expect(b.json.pseudonym).toBe(s.pseudonym);
  });
});
