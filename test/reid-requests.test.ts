// Re-identification: role, purpose, justification and field rules; results per pseudonym
// (found, not_found, erased, no_consent under a consent-based purpose); four-eyes approval by a
// second DPO (never the requester), denial, and a delivery made once to the requester only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Recorder, seedSubject, type Answer, type Seeded } from './helpers/access.ts';
import { auditRows, expectEntries, fillers, JUSTIFICATION } from './helpers/audit.ts';
import { testGateway, type TestGateway } from './helpers/test-gateway.ts';

const CLOCK = Date.UTC(2026, 0, 15, 9, 30);
const UNKNOWN = 'p1_AAAAAAAAAAAAAAAAAAAAAA';

describe('re-identification requests', () => {
  let gw: TestGateway;
  let rec: Recorder;
  let consenting: Seeded;
  let refusing: Seeded;
  let erased: Seeded;
  let alice: string;
  let bob: string;
  let carol: string;
  let dave: string;

  const reid = (token: string, body: Record<string, unknown>): Promise<Answer> => rec.postJson('/v1/reidentifications', token, body);
  /** A request body; `justification: null` leaves the member out. */
  const ask = (p: string[], fields: string[], purpose = 'customer_service', justification: string | null = JUSTIFICATION) => ({
    pseudonyms: p,
    fields,
    purpose,
    ...(justification !== null && { justification }),
  });
  const decide = (token: string, id: string, d: 'approve' | 'deny') => rec.postJson(`/v1/reidentifications/${id}/${d}`, token, {});
  const status = (token: string, id: string) => rec.get(`/v1/reidentifications/${id}`, token);

  beforeAll(async () => {
    gw = await testGateway({ clockStart: CLOCK });
    rec = new Recorder(gw);
    consenting = await seedSubject(rec, 'reidrq', 1, { transactions: false });
    refusing = await seedSubject(rec, 'reidrq', 2, { transactions: false, flags: { consent_marketing_email: false, consent_marketing_sms: true } });
    erased = await seedSubject(rec, 'reidrq', 3, { transactions: false });
    await rec.ingest('crm', 'customers', fillers('reidrq', 2));
    alice = await gw.mint(['dpo'], { sub: 'alice' });
    bob = await gw.mint(['dpo'], { sub: 'bob' });
    carol = await gw.mint(['reidentifier'], { sub: 'carol' });
    dave = await gw.mint(['reidentifier'], { sub: 'dave' });
    const e = await rec.postJson('/v1/dsr/erasure', alice, {
      reference: 'DSR-TEST-0001',
      identifier: { type: 'email', value: erased.identity.normalized['email'] },
    });
    expect(e.status, e.text).toBe(200);
  });
  afterAll(() => gw?.cleanup());

  describe('granted at once (no four-eyes field)', () => {
    it('201 with one result per pseudonym, in order: found (only the asked fields), not_found, erased', async () => {
      const typed = consenting.identity.normalized['email']!;
      const { answer: a, entry } = await expectEntries(gw, 'reidentification.request/granted', () =>
        reid(alice, ask([consenting.pseudonym, UNKNOWN, erased.pseudonym, typed], ['email', 'phone', 'last_name'])),
      );
      expect(a.status, a.text).toBe(201);
      expect(Object.keys(a.json).sort()).toEqual(['id', 'results', 'status']);
      expect(a.json.id).toMatch(/^reid_[0-9a-f-]{36}$/);
      expect(a.json.status).toBe('granted');
      const n = consenting.identity.normalized;
      expect(a.json.results).toEqual([
        { pseudonym: consenting.pseudonym, status: 'found', fields: { email: n['email'], phone: n['phone'], last_name: n['last_name'] } },
        { pseudonym: UNKNOWN, status: 'not_found' },
        { pseudonym: erased.pseudonym, status: 'erased' },
        { pseudonym: typed, status: 'not_found' },
      ]);
      // the entry names the pseudonyms only: what was typed in their place is not recorded
      expect(JSON.parse(entry!.subjects)).toEqual([consenting.pseudonym, UNKNOWN, erased.pseudonym]);
      expect(JSON.stringify(entry)).not.toContain(typed);
      expect(JSON.parse(entry!.detail)).toMatchObject({ request_id: a.json.id, fields: ['email', 'phone', 'last_name'] });
    });

    it('a field the vault does not hold for the subject is simply absent', async () => {
      const a = await reid(alice, ask([refusing.pseudonym], ['email', 'first_name']));
      expect(a.json.results[0].fields).toEqual({ email: refusing.identity.normalized['email'], first_name: refusing.identity.normalized['first_name'] });
    });

    it('the reidentifier role gets contact fields under customer_service', async () => {
      const a = await reid(carol, ask([consenting.pseudonym], ['email', 'phone', 'first_name', 'last_name']));
      expect(a.status, a.text).toBe(201);
      expect(Object.keys(a.json.results[0].fields).sort()).toEqual(['email', 'first_name', 'last_name', 'phone']);
    });
  });

  describe('justification', () => {
    it('missing, short or blank: 422 naming the justification, audited as denied, nothing revealed', async () => {
      for (const j of [null, '', 'too short', ' '.repeat(40), `${'x'.repeat(19)}   `]) {
        const { answer: a, entry } = await expectEntries(gw, 'reidentification.request/denied', () =>
          reid(alice, ask([consenting.pseudonym], ['email'], 'customer_service', j)),
        );
        expect(a.status, a.text).toBe(422);
        expect(a.json.code).toBe('request.validation_failed');
        expect(a.json.errors).toEqual([expect.objectContaining({ path: 'justification', code: 'too_short' })]);
        expect(a.text).not.toContain(consenting.identity.normalized['email']);
        expect(JSON.parse(entry!.detail)).toMatchObject({ reason: 'justification_missing' });
        expect(JSON.parse(entry!.subjects)).toEqual([consenting.pseudonym]);
      }
    });

    it('exactly the minimum (20 characters, after trimming) is enough and is stored as written', async () => {
      const j = 'Ticket 4412 callback';
      expect(j).toHaveLength(20);
      const { answer: a, entry } = await expectEntries(gw, 'reidentification.request/granted', () =>
        reid(alice, ask([consenting.pseudonym], ['email'], 'customer_service', `  ${j}  `)),
      );
      expect(a.status, a.text).toBe(201);
      expect(entry!.justification).toBe(j);
    });
  });

  describe('who may re-identify what', () => {
    it('roles without the right: 403, audited', async () => {
      for (const role of ['marketing', 'ingest', 'admin']) {
        const { answer: a } = await expectEntries(gw, 'auth.forbidden/denied', async () => reid(await gw.mint([role]), ask([consenting.pseudonym], ['email'])));
        expect(a.status, role).toBe(403);
        expect(a.text).not.toContain(consenting.identity.normalized['email']);
      }
      const partner = await gw.partner.sign({ iat: Math.floor(gw.now() / 1000), exp: Math.floor(gw.now() / 1000) + 600 });
      expect((await expectEntries(gw, 'auth.forbidden/denied', () => reid(partner, ask([consenting.pseudonym], ['email'])))).answer.status).toBe(403);
    });

    it('the reidentifier never gets bank details or government ids, alone or mixed with allowed fields: 403', async () => {
      for (const fields of [['iban'], ['nir'], ['siret'], ['email', 'iban'], ['street'], ['birth_date']]) {
        const { answer: a, entry } = await expectEntries(gw, 'reidentification.request/denied', () => reid(carol, ask([consenting.pseudonym], fields)));
        expect(a.status, `${fields}: ${a.text}`).toBe(403);
        expect(a.text).not.toContain(consenting.identity.normalized['email']);
        expect(a.text).not.toContain(consenting.identity.normalized['iban']);
        expect(JSON.parse(entry!.detail)).toMatchObject({ reason: 'field_forbidden' });
      }
    });

    it("a purpose outside the role's re-identification purposes: 403; an unknown purpose or field: 422; all audited", async () => {
      const p = await expectEntries(gw, 'reidentification.request/denied', () => reid(alice, ask([consenting.pseudonym], ['email'], 'marketing_email')));
      expect(p.answer.status).toBe(403);
      expect(JSON.parse(p.entry!.detail)).toMatchObject({ reason: 'purpose_not_allowed' });
      const seg = await expectEntries(gw, 'reidentification.request/denied', () =>
        reid(carol, ask([consenting.pseudonym], ['email'], 'segmentation_analytics')),
      );
      expect(seg.answer.status).toBe(403);
      const unknown = await expectEntries(gw, 'reidentification.request/denied', () => reid(alice, ask([consenting.pseudonym], ['email'], 'curiosity')));
      expect(unknown.answer.status).toBe(422);
      const field = await expectEntries(gw, 'reidentification.request/denied', () => reid(alice, ask([consenting.pseudonym], ['email', 'password'])));
      expect(field.answer.status).toBe(422);
      expect(field.answer.json.errors[0]).toMatchObject({ path: 'fields' });
    });

    it('malformed bodies are refused with 422', async () => {
      for (const body of [
        { ...ask([consenting.pseudonym], ['email']), extra: true },
        ask([], ['email']),
        ask([consenting.pseudonym], []),
        ask(
          Array.from({ length: 101 }, () => consenting.pseudonym),
          ['email'],
        ),
        { pseudonyms: consenting.pseudonym, fields: ['email'], purpose: 'customer_service', justification: JUSTIFICATION },
      ]) {
        const a = await reid(alice, body);
        expect(a.status, JSON.stringify(body).slice(0, 80)).toBe(422);
      }
    });
  });

  describe('a consent-based purpose (marketing_email) reveals only subjects whose consent covers it', () => {
    it('granted consent: found; refused consent: no_consent without fields; unknown: not_found', async () => {
      const { answer: a } = await expectEntries(gw, 'reidentification.request/granted', () =>
        reid(carol, ask([consenting.pseudonym, refusing.pseudonym, UNKNOWN], ['email'], 'marketing_email')),
      );
      expect(a.status, a.text).toBe(201);
      expect(a.json.results).toEqual([
        { pseudonym: consenting.pseudonym, status: 'found', fields: { email: consenting.identity.normalized['email'] } },
        { pseudonym: refusing.pseudonym, status: 'no_consent' },
        { pseudonym: UNKNOWN, status: 'not_found' },
      ]);
      expect(a.text).not.toContain(refusing.identity.normalized['email']);
      // marketing_sms was granted by the second subject
      const sms = await reid(carol, ask([refusing.pseudonym], ['phone'], 'marketing_sms'));
      expect(sms.json.results).toEqual([{ pseudonym: refusing.pseudonym, status: 'found', fields: { phone: refusing.identity.normalized['phone'] } }]);
      // under a contract purpose consent does not matter
      const cs = await reid(carol, ask([refusing.pseudonym], ['email']));
      expect(cs.json.results[0].status).toBe('found');
    });

    it('a withdrawal takes effect for the next request', async () => {
      const w = await rec.postJson(`/v1/subjects/${consenting.pseudonym}/consents`, alice, { purpose: 'marketing_email', status: 'withdrawn' });
      expect(w.status, w.text).toBe(201);
      const a = await reid(dave, ask([consenting.pseudonym], ['email'], 'marketing_email'));
      expect(a.json.results).toEqual([{ pseudonym: consenting.pseudonym, status: 'no_consent' }]);
      // a grant collected at the same instant does not supersede the subject's withdrawal
      const same = await rec.postJson(`/v1/subjects/${consenting.pseudonym}/consents`, alice, { purpose: 'marketing_email', status: 'granted' });
      expect(same.json).toMatchObject({ status: 'recorded', effective: false, reason: 'objection_stands', coverage: { covered: false } });
      expect((await reid(dave, ask([consenting.pseudonym], ['email'], 'marketing_email'))).json.results[0].status).toBe('no_consent');
      gw.advance(60_000);
      const again = await rec.postJson(`/v1/subjects/${consenting.pseudonym}/consents`, alice, { purpose: 'marketing_email', status: 'granted' });
      expect(again.status).toBe(201);
      expect(again.json).toMatchObject({ effective: true, reason: 'current', coverage: { covered: true } });
      expect((await reid(dave, ask([consenting.pseudonym], ['email'], 'marketing_email'))).json.results[0].status).toBe('found');
    });
  });

  describe('four eyes for iban and nir', () => {
    it('202 pending_approval with nothing revealed; iban mixed with other fields is held as a whole', async () => {
      for (const fields of [['iban'], ['nir'], ['email', 'iban']]) {
        const { answer: a, entry } = await expectEntries(gw, 'reidentification.request/pending', () => reid(alice, ask([consenting.pseudonym], fields)));
        expect(a.status, a.text).toBe(202);
        expect(a.json).toEqual({ id: expect.stringMatching(/^reid_/), status: 'pending_approval' });
        expect(JSON.parse(entry!.detail)).toMatchObject({ request_id: a.json.id, four_eyes: true });
      }
    });

    it('approval: never by the requester (403, audited); by another DPO; then delivered once, to the requester only', async () => {
      const a = await reid(alice, ask([consenting.pseudonym, erased.pseudonym], ['iban', 'email']));
      const id = a.json.id as string;
      for (const d of ['approve', 'deny'] as const) {
        const own = await expectEntries(gw, `reidentification.${d}/denied`, () => decide(alice, id, d));
        expect(own.answer.status).toBe(403);
        expect(JSON.parse(own.entry!.detail)).toMatchObject({ request_id: id, reason: 'own_request' });
      }
      // a reidentifier may not decide at all
      expect((await expectEntries(gw, 'auth.forbidden/denied', () => decide(carol, id, 'approve'))).answer.status).toBe(403);
      // before the decision, anyone sees the status only
      for (const t of [alice, bob, carol]) {
        const s = await expectEntries(gw, null, () => status(t, id));
        expect(s.answer.json).toEqual({
          id,
          status: 'pending_approval',
          purpose: 'customer_service',
          fields: ['iban', 'email'],
          created_at: new Date(gw.now()).toISOString(),
        });
      }
      const ok = await expectEntries(gw, 'reidentification.approve/ok', () => decide(bob, id, 'approve'));
      expect(ok.answer.json).toEqual({ id, status: 'approved' });
      expect(ok.entry!.actor_subject).toBe('bob');
      // a third party (the approver included) sees the status only, and collects nothing
      for (const t of [bob, carol]) {
        const s = await expectEntries(gw, null, () => status(t, id));
        expect(s.answer.json.status).toBe('approved');
        expect(s.answer.json.results).toBeUndefined();
        expect(s.answer.text).not.toContain(consenting.identity.normalized['iban']);
      }
      const first = await expectEntries(gw, 'reidentification.deliver/granted', () => status(alice, id));
      expect(first.answer.status).toBe(200);
      expect(first.answer.json.status).toBe('delivered');
      expect(first.answer.json.results).toEqual([
        {
          pseudonym: consenting.pseudonym,
          status: 'found',
          fields: { iban: consenting.identity.normalized['iban'], email: consenting.identity.normalized['email'] },
        },
        { pseudonym: erased.pseudonym, status: 'erased' },
      ]);
      expect(first.entry).toMatchObject({ actor_subject: 'alice', justification: JUSTIFICATION });
      for (const t of [alice, alice, bob]) {
        const s = await expectEntries(gw, null, () => status(t, id));
        expect(s.answer.json.status).toBe('delivered');
        expect(s.answer.json.results).toBeUndefined();
        expect(s.answer.text).not.toContain(consenting.identity.normalized['iban']);
      }
      // one delivery entry, one approval, one request for this id
      const forId = (await auditRows(gw)).filter((r) => (JSON.parse(r.detail) as { request_id?: string }).request_id === id);
      expect(forId.map((r) => `${r.action}/${r.outcome}`)).toEqual([
        'reidentification.request/pending',
        'reidentification.approve/denied',
        'reidentification.deny/denied',
        'reidentification.approve/ok',
        'reidentification.deliver/granted',
      ]);
      const row = await gw.db.get('SELECT status, decided_by, decided_at, delivered_at FROM reidentification_requests WHERE id = ?', id);
      expect(row).toEqual({ status: 'delivered', decided_by: 'dev:bob', decided_at: gw.now(), delivered_at: gw.now() });
      // decided once: a second decision is a conflict
      expect((await decide(bob, id, 'approve')).status).toBe(409);
      expect((await decide(bob, id, 'deny')).status).toBe(409);
    });

    it('denial: the requester sees "denied" and never the fields; the decision is final', async () => {
      const a = await reid(alice, ask([consenting.pseudonym], ['nir']));
      const id = a.json.id as string;
      const d = await expectEntries(gw, 'reidentification.deny/ok', () => decide(bob, id, 'deny'));
      expect(d.answer.json).toEqual({ id, status: 'denied' });
      for (let i = 0; i < 2; i++) {
        const s = await expectEntries(gw, null, () => status(alice, id));
        expect(s.answer.json.status).toBe('denied');
        expect(s.answer.json.results).toBeUndefined();
        expect(s.answer.text).not.toContain(consenting.identity.normalized['nir']);
      }
      expect((await decide(bob, id, 'approve')).status).toBe(409);
      expect((await decide(await gw.mint(['dpo'], { sub: 'erin' }), id, 'approve')).status).toBe(409);
    });

    it("a reidentifier's own request cannot be collected by someone else, and unknown ids are 404", async () => {
      const a = await reid(carol, ask([consenting.pseudonym], ['email']));
      const s = await status(dave, a.json.id as string);
      expect(s.json).toMatchObject({ id: a.json.id, status: 'delivered' });
      expect(s.json.results).toBeUndefined();
      expect((await status(alice, 'reid_00000000-0000-0000-0000-000000000000')).status).toBe(404);
      expect((await decide(bob, 'reid_00000000-0000-0000-0000-000000000000', 'approve')).status).toBe(404);
    });
  });
});
