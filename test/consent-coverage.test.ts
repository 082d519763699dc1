// Consent coverage per legal basis: consent purposes need a granted, unexpired record; legitimate
// interest covers unless the subject objected; contract and legal obligation cover everyone.
// Every change (withdrawal, objection, expiry) holds for every later read, by every role.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_ISSUER_ID } from '../src/auth/dev-issuer.ts';
import { DAY_MS } from '../src/ingest/field-value.ts';
import { partnerScopeOf, problemShape, Recorder, seedSubject, type Answer, type Seeded } from './helpers/access.ts';
import { testGateway, type TestGateway } from './helpers/test-gateway.ts';

const CLOCK = Date.UTC(2026, 0, 15, 9, 30);
const HOUR = 3_600_000;
const NO_FLAGS = {};

/** Reads a subject as the first role (of marketing, partner, dpo) that may invoke `purpose`. */
async function readAs(gw: TestGateway, rec: Recorder, role: 'marketing' | 'partner' | 'dpo', s: Seeded, purpose: string): Promise<Answer> {
  const p = role === 'partner' ? partnerScopeOf(gw).toPartner(s.pseudonym, DEV_ISSUER_ID) : s.pseudonym;
  return rec.get(`/v1/subjects/${p}?purpose=${purpose}`, await gw.mint([role]));
}

/** Every role whose privileges include `purpose`, among those that read subjects. */
const readersOf = (gw: TestGateway, purpose: string) =>
  (['marketing', 'partner', 'dpo'] as const).filter((r) => gw.policies.access.privilegeOf(r).purposes.has(purpose));

async function consentsView(gw: TestGateway, rec: Recorder, s: Seeded): Promise<any> {
  const a = await rec.get(`/v1/subjects/${s.pseudonym}/consents`, await gw.mint(['dpo']));
  expect(a.status, a.text).toBe(200);
  return a.json;
}

async function dpoRecord(gw: TestGateway, rec: Recorder, s: Seeded, body: Record<string, unknown>): Promise<Answer> {
  return rec.postJson(`/v1/subjects/${s.pseudonym}/consents`, await gw.mint(['dpo'], { sub: 'dpo-officer' }), body);
}

const historyCount = (gw: TestGateway, s: Seeded, purpose?: string): Promise<number> =>
  gw.db.count(
    'consent_records',
    `subject_id = (SELECT id FROM subjects WHERE pseudonym = ?)${purpose ? ' AND purpose = ?' : ''}`,
    ...[s.pseudonym, ...(purpose ? [purpose] : [])],
  );

describe('consent-basis purposes', () => {
  let gw: TestGateway;
  let rec: Recorder;
  let granted: Seeded;
  let never: Seeded;
  let expiring: Seeded;
  const CONSENT_PURPOSES = ['marketing_email', 'marketing_sms', 'partner_sharing'];

  beforeAll(async () => {
    gw = await testGateway({ clockStart: CLOCK });
    rec = new Recorder(gw);
    granted = await seedSubject(rec, 'consnt', 1);
    never = await seedSubject(rec, 'consnt', 2, { flags: NO_FLAGS });
    expiring = await seedSubject(rec, 'consnt', 3, { flags: NO_FLAGS });
  });
  afterAll(() => gw?.cleanup());

  it('the consent purposes of purposes.yaml are exactly the three the default policy declares', () => {
    expect([...gw.policies.purposes.values()].filter((p) => p.basis === 'consent').map((p) => p.name)).toEqual(CONSENT_PURPOSES);
  });

  it.each(CONSENT_PURPOSES)('%s: a granted consent covers, for every role that may invoke it', async (purpose) => {
    for (const role of readersOf(gw, purpose)) {
      const a = await readAs(gw, rec, role, granted, purpose);
      expect(a.status, `${role}: ${a.text}`).toBe(200);
      expect(a.json.legal_basis).toBe('consent');
    }
  });

  it.each(CONSENT_PURPOSES)('%s: never given -> 404, same body as an unknown subject', async (purpose) => {
    const unknown = { ...never, pseudonym: 'p1_AAAAAAAAAAAAAAAAAAAAAA' };
    for (const role of readersOf(gw, purpose)) {
      const a = await readAs(gw, rec, role, never, purpose);
      expect(a.status, a.text).toBe(404);
      expect(a.json.code).toBe('request.not_found');
      const b = await readAs(gw, rec, role, unknown, purpose);
      expect(b.status).toBe(404);
      expect(problemShape(a)).toEqual(problemShape(b));
    }
    const view = await consentsView(gw, rec, never);
    expect(view.current[purpose]).toEqual({ basis: 'consent', covered: false, reason: 'no_consent' });
  });

  it('a refusal flag (false) on a customer row is a refusal: not covered', async () => {
    const refused = await seedSubject(rec, 'consnt', 4, { flags: { consent_marketing_email: false, consent_marketing_sms: true } });
    expect((await readAs(gw, rec, 'marketing', refused, 'marketing_email')).status).toBe(404);
    expect((await readAs(gw, rec, 'marketing', refused, 'marketing_sms')).status).toBe(200);
    const view = await consentsView(gw, rec, refused);
    expect(view.current.marketing_email).toMatchObject({ basis: 'consent', covered: false, reason: 'consent_refused', status: 'denied' });
  });

  it.each(CONSENT_PURPOSES)('%s: a DPO-recorded withdrawal takes effect for every later read', async (purpose) => {
    gw.advance(HOUR);
    const w = await dpoRecord(gw, rec, granted, { purpose, status: 'withdrawn', notice_version: 'letter-2026' });
    expect(w.status, w.text).toBe(201);
    expect(w.json).toMatchObject({ status: 'recorded' });
    expect(typeof w.json.id).toBe('number');
    for (const role of readersOf(gw, purpose)) {
      const a = await readAs(gw, rec, role, granted, purpose);
      expect(a.status, `${role}: ${a.text}`).toBe(404);
      expect(a.text).not.toContain('features');
    }
    // still withdrawn an hour and a year later
    gw.advance(HOUR);
    expect((await readAs(gw, rec, 'dpo', granted, purpose)).status).toBe(404);
    const view = await consentsView(gw, rec, granted);
    expect(view.current[purpose]).toMatchObject({ basis: 'consent', covered: false, reason: 'consent_refused', status: 'withdrawn' });
    const last = view.history.filter((h: { purpose: string }) => h.purpose === purpose).at(-1);
    expect(last).toMatchObject({ status: 'withdrawn', source: 'dpo', notice_version: 'letter-2026', recorded_by: 'dev:dpo-officer' });
  });

  it('expires_at ends a consent at that instant (clock moved with gw.advance)', async () => {
    const collected = new Date(gw.now() - DAY_MS).toISOString();
    const expires = new Date(gw.now() + 10 * DAY_MS).toISOString();
    const r = await rec.ingest('crm', 'consents', [
      {
        email: expiring.identity.record['email'],
        purpose: 'marketing_sms',
        status: 'granted',
        collected_at: collected,
        expires_at: expires,
        notice_version: 'v3',
      },
    ]);
    expect(r).toMatchObject({ accepted: 1, rejected: 0, errors: [] });
    expect((await readAs(gw, rec, 'marketing', expiring, 'marketing_sms')).status).toBe(200);
    expect((await consentsView(gw, rec, expiring)).current.marketing_sms).toEqual({
      basis: 'consent',
      covered: true,
      reason: 'consent_granted',
      status: 'granted',
      expires_at: expires,
    });
    gw.advance(10 * DAY_MS - 1000);
    expect((await readAs(gw, rec, 'marketing', expiring, 'marketing_sms')).status).toBe(200);
    gw.advance(1000);
    expect((await readAs(gw, rec, 'marketing', expiring, 'marketing_sms')).status).toBe(404);
    expect((await readAs(gw, rec, 'dpo', expiring, 'marketing_sms')).status).toBe(404);
    expect((await consentsView(gw, rec, expiring)).current.marketing_sms).toMatchObject({ covered: false, reason: 'consent_expired', status: 'granted' });
  });

  it('no answer carries a raw identifier', () => {
    expect(rec.leaks([granted, never, expiring].map((s) => s.identity))).toEqual([]);
  });
});

describe('consent without expires_at lasts consent_validity_days of purposes.yaml', () => {
  let gw: TestGateway;
  let rec: Recorder;
  let s: Seeded;
  beforeAll(async () => {
    gw = await testGateway({ clockStart: CLOCK });
    rec = new Recorder(gw);
    s = await seedSubject(rec, 'validy', 1); // flags true: collected an hour ago, no expires_at
  });
  afterAll(() => gw?.cleanup());

  it('each consent purpose expires at collected_at + its own validity, in order', async () => {
    const consentPurposes = [...gw.policies.purposes.values()]
      .filter((p) => p.basis === 'consent')
      .sort((a, b) => a.consentValidityDays - b.consentValidityDays);
    // partner_sharing (395 days) expires long before the marketing ones (1095 days)
    expect(consentPurposes[0]!.name).toBe('partner_sharing');
    expect(consentPurposes[0]!.consentValidityDays).toBeLessThan(consentPurposes.at(-1)!.consentValidityDays);
    // the flags were sent as collected an hour before the ingest (withConsentTime)
    const start = gw.now() - HOUR;
    const view = await consentsView(gw, rec, s);
    for (const p of consentPurposes) {
      expect(view.current[p.name].expires_at).toBe(new Date(start + p.consentValidityDays * DAY_MS).toISOString());
    }
    for (const p of consentPurposes) {
      const reader = readersOf(gw, p.name)[0]!;
      gw.advance(start + p.consentValidityDays * DAY_MS - 60_000 - gw.now());
      expect((await readAs(gw, rec, reader, s, p.name)).status, `${p.name} a minute before expiry`).toBe(200);
      gw.advance(60_000);
      expect((await readAs(gw, rec, reader, s, p.name)).status, `${p.name} at expiry`).toBe(404);
      expect((await consentsView(gw, rec, s)).current[p.name]).toMatchObject({ covered: false, reason: 'consent_expired' });
    }
    // legitimate interest, contract and legal obligation do not expire
    for (const purpose of ['segmentation_analytics', 'profitability_analysis', 'customer_service', 'legal_obligation']) {
      expect((await readAs(gw, rec, 'dpo', s, purpose)).status, purpose).toBe(200);
    }
  });

  it('a fresh grant after expiry covers again', async () => {
    const r = await dpoRecord(gw, rec, s, { purpose: 'partner_sharing', status: 'granted', legal_basis: 'consent' });
    expect(r.status, r.text).toBe(201);
    expect((await readAs(gw, rec, 'partner', s, 'partner_sharing')).status).toBe(200);
  });
});

describe('legitimate interest, contract and legal obligation', () => {
  let gw: TestGateway;
  let rec: Recorder;
  let bare: Seeded;
  let objector: Seeded;
  const LI = ['segmentation_analytics', 'profitability_analysis'];

  beforeAll(async () => {
    gw = await testGateway({ clockStart: CLOCK });
    rec = new Recorder(gw);
    bare = await seedSubject(rec, 'legint', 1, { flags: NO_FLAGS });
    objector = await seedSubject(rec, 'legint', 2, { flags: NO_FLAGS });
  });
  afterAll(() => gw?.cleanup());

  it('the bases of purposes.yaml', () => {
    const basis = Object.fromEntries([...gw.policies.purposes.values()].map((p) => [p.name, p.basis]));
    expect(basis).toEqual({
      segmentation_analytics: 'legitimate_interest',
      profitability_analysis: 'legitimate_interest',
      marketing_email: 'consent',
      marketing_sms: 'consent',
      partner_sharing: 'consent',
      customer_service: 'contract',
      legal_obligation: 'legal_obligation',
    });
    for (const p of gw.policies.purposes.values()) {
      expect(p.legalBases).toContain(p.basis);
      expect(p.consentValidityDays).toBeGreaterThan(0);
    }
  });

  it('a subject with no record at all is covered by legitimate interest, contract and legal obligation', async () => {
    expect(await historyCount(gw, bare)).toBe(0);
    for (const purpose of [...LI, 'customer_service', 'legal_obligation']) {
      for (const role of readersOf(gw, purpose)) {
        const a = await readAs(gw, rec, role, bare, purpose);
        expect(a.status, `${role} ${purpose}: ${a.text}`).toBe(200);
        expect(a.json.legal_basis).toBe(gw.policies.purposes.get(purpose)!.basis);
      }
    }
    const view = await consentsView(gw, rec, bare);
    expect(view.history).toEqual([]);
    expect(view.current.segmentation_analytics).toEqual({ basis: 'legitimate_interest', covered: true, reason: 'no_objection' });
    expect(view.current.customer_service).toEqual({ basis: 'contract', covered: true, reason: 'basis_covers_all' });
    expect(view.current.legal_obligation).toEqual({ basis: 'legal_obligation', covered: true, reason: 'basis_covers_all' });
  });

  it.each(LI)('%s: an objection (denied) ends coverage; only that purpose', async (purpose) => {
    gw.advance(HOUR);
    const r = await rec.ingest('crm', 'consents', [
      {
        customer_id: objector.identity.record['customer_id'],
        purpose,
        status: 'denied',
        legal_basis: 'legitimate_interest',
        collected_at: new Date(gw.now()).toISOString(),
      },
    ]);
    expect(r).toMatchObject({ accepted: 1, rejected: 0 });
    for (const role of readersOf(gw, purpose)) expect((await readAs(gw, rec, role, objector, purpose)).status, role).toBe(404);
    const other = LI.find((p) => p !== purpose)!;
    const view = await consentsView(gw, rec, objector);
    expect(view.current[purpose]).toMatchObject({ basis: 'legitimate_interest', covered: false, reason: 'objected', status: 'denied' });
    // the other legitimate-interest purpose is untouched unless objected to as well
    expect(view.current[other].covered).toBe(view.current[other].reason !== 'objected');
  });

  it('a withdrawn record is an objection too, and a later grant lifts it', async () => {
    gw.advance(HOUR);
    expect((await dpoRecord(gw, rec, bare, { purpose: 'segmentation_analytics', status: 'withdrawn', legal_basis: 'legitimate_interest' })).status).toBe(201);
    expect((await readAs(gw, rec, 'marketing', bare, 'segmentation_analytics')).status).toBe(404);
    expect((await readAs(gw, rec, 'marketing', bare, 'profitability_analysis')).status).toBe(200);
    gw.advance(HOUR);
    expect((await dpoRecord(gw, rec, bare, { purpose: 'segmentation_analytics', status: 'granted', legal_basis: 'legitimate_interest' })).status).toBe(201);
    expect((await readAs(gw, rec, 'marketing', bare, 'segmentation_analytics')).status).toBe(200);
  });

  it('contract and legal obligation cover even a subject who refused or withdrew', async () => {
    for (const purpose of ['customer_service', 'legal_obligation']) {
      expect((await dpoRecord(gw, rec, objector, { purpose, status: 'withdrawn' })).status).toBe(201);
      const a = await readAs(gw, rec, 'dpo', objector, purpose);
      expect(a.status, a.text).toBe(200);
      expect(a.json.legal_basis).toBe(gw.policies.purposes.get(purpose)!.basis);
      expect((await consentsView(gw, rec, objector)).current[purpose]).toMatchObject({ covered: true, reason: 'basis_covers_all' });
    }
  });

  it('no answer carries a raw identifier', () => {
    expect(rec.leaks([bare.identity, objector.identity])).toEqual([]);
  });
});

describe('consent registry: append-only history, derived state, DPO records', () => {
  let gw: TestGateway;
  let rec: Recorder;
  let s: Seeded;
  beforeAll(async () => {
    gw = await testGateway({ clockStart: CLOCK });
    rec = new Recorder(gw);
    s = await seedSubject(rec, 'regist', 1);
  });
  afterAll(() => gw?.cleanup());

  it('the database refuses UPDATE and DELETE on consent_records', async () => {
    const history = () => gw.db.all('SELECT * FROM consent_records ORDER BY id');
    const before = await history();
    expect(before.length).toBe(3);
    for (const sql of [
      `UPDATE consent_records SET status = 'granted'`,
      `UPDATE consent_records SET expires_at = 0 WHERE purpose = 'marketing_email'`,
      'DELETE FROM consent_records',
      `DELETE FROM consent_records WHERE purpose = 'partner_sharing'`,
      'UPDATE consent_records SET id = id + 100',
    ])
      await expect(gw.db.exec(sql), sql).rejects.toThrow(/append-only/);
    if (gw.backend === 'sqlite') {
      // SQLite: the OR REPLACE conflict resolutions would delete the rows they replace
      expect(() => gw.sqlite.exec(`UPDATE OR REPLACE consent_records SET id = id + 100`)).toThrow(/append-only/);
      expect(() =>
        gw.sqlite.exec(
          `INSERT OR REPLACE INTO consent_records (id, subject_id, purpose, status, legal_basis, source, collected_at, recorded_at, recorded_by)
         SELECT id, subject_id, purpose, 'granted', legal_basis, source, collected_at, recorded_at, recorded_by FROM consent_records LIMIT 1`,
        ),
      ).toThrow(/append-only/);
    } else {
      // PostgreSQL: an upsert would update the row in place
      await expect(
        gw.db.exec(
          `INSERT INTO consent_records (id, subject_id, purpose, status, legal_basis, source, collected_at, recorded_at, recorded_by)
         SELECT id, subject_id, purpose, 'granted', legal_basis, source, collected_at, recorded_at, recorded_by FROM consent_records ORDER BY id LIMIT 1
         ON CONFLICT (id) DO UPDATE SET status = 'granted'`,
        ),
      ).rejects.toThrow(/append-only/);
    }
    expect(await history()).toEqual(before);
  });

  it('repeated identical consent flags on customer rows add no history row; a change adds one', async () => {
    const row = { ...s.identity.record, consent_marketing_email: true, consent_marketing_sms: true, consent_partner_sharing: true };
    expect(await historyCount(gw, s)).toBe(3);
    gw.advance(HOUR);
    await rec.ingest('crm', 'customers', [row, row]);
    await rec.ingest('eshop', 'customers', [{ email: s.identity.record['email'], consent_marketing_email: 'true', consent_partner_sharing: '1' }], 'csv');
    expect(await historyCount(gw, s)).toBe(3);
    gw.advance(HOUR);
    await rec.ingest('crm', 'customers', [{ ...row, consent_marketing_sms: false }]);
    expect(await historyCount(gw, s, 'marketing_sms')).toBe(2);
    await rec.ingest('crm', 'customers', [{ ...row, consent_marketing_sms: false }]);
    expect(await historyCount(gw, s, 'marketing_sms')).toBe(2);
    expect((await readAs(gw, rec, 'marketing', s, 'marketing_sms')).status).toBe(404);
    gw.advance(HOUR);
    await rec.ingest('crm', 'customers', [row]);
    expect(await historyCount(gw, s, 'marketing_sms')).toBe(3);
    expect((await readAs(gw, rec, 'marketing', s, 'marketing_sms')).status).toBe(200);
    expect(await historyCount(gw, s)).toBe(5);
  });

  it('the DPO view: current state per purpose of purposes.yaml and the whole history by collected_at', async () => {
    const view = await consentsView(gw, rec, s);
    expect(Object.keys(view).sort()).toEqual(['current', 'history', 'pseudonym']);
    expect(view.pseudonym).toBe(s.pseudonym);
    expect(Object.keys(view.current).sort()).toEqual([...gw.policies.purposes.keys()].sort());
    for (const [name, c] of Object.entries<Record<string, unknown>>(view.current)) {
      expect(c['basis']).toBe(gw.policies.purposes.get(name)!.basis);
      expect(typeof c['covered']).toBe('boolean');
      expect(typeof c['reason']).toBe('string');
    }
    expect(view.history).toHaveLength(5);
    const times = view.history.map((h: { collected_at: string }) => Date.parse(h.collected_at));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    for (const h of view.history) {
      expect(Object.keys(h).sort()).toEqual([
        'collected_at',
        'expires_at',
        'id',
        'legal_basis',
        'notice_version',
        'purpose',
        'recorded_at',
        'recorded_by',
        'source',
        'status',
      ]);
    }
    expect(view.history.filter((h: { purpose: string }) => h.purpose === 'marketing_sms').map((h: { status: string }) => h.status)).toEqual([
      'granted',
      'denied',
      'granted',
    ]);
  });

  it('POST /v1/subjects/{p}/consents validates its input and answers 404 for an unknown subject', async () => {
    const count = await historyCount(gw, s);
    const bad: [Record<string, unknown>, string][] = [
      [{ purpose: 'no_such_purpose', status: 'granted' }, 'purpose'],
      [{ purpose: 'Marketing_Email', status: 'granted' }, 'purpose'],
      [{ purpose: 'marketing_email', status: 'maybe' }, 'status'],
      [{ purpose: 'marketing_email', status: 'granted', legal_basis: 'vibes' }, 'legal_basis'],
      [{ purpose: 'marketing_email', status: 'granted', collected_at: new Date(gw.now() + DAY_MS).toISOString() }, 'collected_at'],
      [{ purpose: 'marketing_email', status: 'granted', collected_at: '2025-06-01T00:00:00Z', expires_at: '2025-05-01T00:00:00Z' }, 'expires_at'],
      [{ purpose: 'marketing_email', status: 'granted', collected_at: 'yesterday' }, 'collected_at'],
      [{ purpose: 'marketing_email', status: 'granted', pseudonym: 'p1_AAAAAAAAAAAAAAAAAAAAAA' }, '(root)'],
    ];
    for (const [body, field] of bad) {
      const a = await dpoRecord(gw, rec, s, body);
      expect(a.status, `${JSON.stringify(body)}: ${a.text}`).toBe(422);
      expect(a.json.code).toBe('request.validation_failed');
      expect(JSON.stringify(a.json.errors)).toContain(field === '(root)' ? 'unrecognized_keys' : field);
    }
    const unknown = await rec.postJson('/v1/subjects/p1_AAAAAAAAAAAAAAAAAAAAAA/consents', await gw.mint(['dpo']), {
      purpose: 'marketing_email',
      status: 'granted',
    });
    expect(unknown.status).toBe(404);
    expect(await historyCount(gw, s)).toBe(count);
    const ok = await dpoRecord(gw, rec, s, {
      purpose: 'marketing_email',
      status: 'granted',
      collected_at: '2025-06-01T00:00:00+02:00',
      expires_at: '2027-06-01T00:00:00Z',
      notice_version: 'v7',
    });
    expect(ok.status, ok.text).toBe(201);
    const view = await consentsView(gw, rec, s);
    // an older grant lands in the history at its collection time and does not become the current state
    expect(view.history[0]).toMatchObject({
      id: ok.json.id,
      purpose: 'marketing_email',
      collected_at: '2025-05-31T22:00:00.000Z',
      expires_at: '2027-06-01T00:00:00.000Z',
      notice_version: 'v7',
      source: 'dpo',
    });
    expect(view.current.marketing_email.expires_at).not.toBe('2027-06-01T00:00:00.000Z');
  });

  it('no answer carries a raw identifier', () => {
    expect(rec.leaks([s.identity])).toEqual([]);
  });
});
