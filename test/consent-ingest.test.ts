// Consent records pushed by sources: POST /v1/ingest/{source}/consents in JSON, NDJSON and CSV,
// linked like transactions (email, or the same source's customer_id), with the customers'
// per-row error shape; the current state is the latest record by collected_at, never by arrival.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeRows, CONTENT_TYPE, Recorder, seedSubject, type Format, type IngestAnswer, type Seeded } from './helpers/access.ts';
import { testGateway, type TestGateway } from './helpers/test-gateway.ts';

const CLOCK = Date.UTC(2026, 0, 15, 9, 30);

describe('consent ingest', () => {
  let gw: TestGateway;
  let rec: Recorder;
  let a: Seeded;
  let b: Seeded;
  let c: Seeded;

  const history = (s: Seeded, purpose: string) =>
    gw.db.all<{ status: string; source: string; legalBasis: string; collectedAt: number; expiresAt: number | null; noticeVersion: string | null }>(
      `SELECT c.status, c.source, c.legal_basis AS "legalBasis", c.collected_at AS "collectedAt", c.expires_at AS "expiresAt", c.notice_version AS "noticeVersion"
       FROM consent_records c JOIN subjects s ON s.id = c.subject_id WHERE s.pseudonym = ? AND c.purpose = ? ORDER BY c.id`,
      s.pseudonym,
      purpose,
    );

  const read = async (s: Seeded, purpose: string) => (await rec.get(`/v1/subjects/${s.pseudonym}?purpose=${purpose}`, await gw.mint(['dpo']))).status;

  beforeAll(async () => {
    gw = await testGateway({ clockStart: CLOCK });
    rec = new Recorder(gw);
    a = await seedSubject(rec, 'cingst', 1, { flags: {}, transactions: false });
    b = await seedSubject(rec, 'cingst', 2, { flags: {}, transactions: false });
    c = await seedSubject(rec, 'cingst', 3, { flags: {}, transactions: false, source: 'shop' });
  });
  afterAll(() => gw?.cleanup());

  it.each<[Format, string]>([
    ['json', 'marketing_email'],
    ['ndjson', 'marketing_sms'],
    ['csv', 'partner_sharing'],
  ])('%s: grants by email and by customer_id are recorded and cover', async (format, purpose) => {
    expect(await read(a, purpose)).toBe(404);
    const answer = await rec.ingest(
      'crm',
      'consents',
      [
        {
          email: a.identity.record['email'],
          purpose,
          status: 'granted',
          legal_basis: 'consent',
          collected_at: '2025-11-02T10:15:00+01:00',
          notice_version: 'v2.1',
        },
        {
          customer_id: b.identity.record['customer_id'],
          purpose: purpose.toUpperCase(),
          status: 'Granted',
          collected_at: '2025-12-01',
          expires_at: '2026-12-01T00:00:00Z',
        },
      ],
      format,
    );
    expect(Object.keys(answer).sort()).toEqual(['accepted', 'batch_id', 'consents', 'duplicates', 'errors', 'ignored_fields', 'ignored_unlisted', 'rejected']);
    expect(answer.consents).toEqual({ recorded: 2, effective: 2, unchanged: 0, expires_capped: 0, not_effective: [] });
    expect(answer).toMatchObject({ accepted: 2, rejected: 0, duplicates: 0, errors: [] });
    expect(answer.batch_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(await history(a, purpose)).toEqual([
      { status: 'granted', source: 'crm', legalBasis: 'consent', collectedAt: Date.parse('2025-11-02T09:15:00Z'), expiresAt: null, noticeVersion: 'v2.1' },
    ]);
    expect(await history(b, purpose)).toEqual([
      {
        status: 'granted',
        source: 'crm',
        legalBasis: 'consent',
        collectedAt: Date.parse('2025-12-01T00:00:00Z'),
        expiresAt: Date.parse('2026-12-01T00:00:00Z'),
        noticeVersion: null,
      },
    ]);
    expect(await read(a, purpose)).toBe(200);
    expect(await read(b, purpose)).toBe(200);
  });

  it.each<Format>(['json', 'ndjson', 'csv'])('%s: row errors carry row, field and code, never the value; valid rows still land', async (format) => {
    const before = await gw.db.count('consent_records');
    const email = a.identity.record['email'];
    const answer = await rec.ingest(
      'crm',
      'consents',
      [
        { email, purpose: 'telepathic_marketing', status: 'granted', collected_at: '2025-06-01' },
        { email, purpose: 'customer_service', status: 'granted', collected_at: '2025-06-01T00:00:00Z', expires_at: '2025-05-01T00:00:00Z' },
        { email, purpose: 'customer_service', status: 'granted', collected_at: '2025-06-01T00:00:00Z', expires_at: '2025-06-01T00:00:00Z' },
        { email, purpose: 'customer_service', status: 'perhaps', collected_at: '2025-06-01' },
        { email, purpose: 'customer_service', status: 'granted', collected_at: '2027-01-01' },
        { email, purpose: 'customer_service', status: 'granted' },
        { email, purpose: 'customer_service', status: 'granted', collected_at: 'last tuesday' },
        { email, purpose: 'customer_service', status: 'granted', legal_basis: 'whim', collected_at: '2025-06-01' },
        { purpose: 'customer_service', status: 'granted', collected_at: '2025-06-01' },
        { email: 'stranger-cingst@example.test', purpose: 'customer_service', status: 'granted', collected_at: '2025-06-01' },
        // a new record per format: the same record sent again is recorded once
        {
          email,
          purpose: 'customer_service',
          status: 'granted',
          collected_at: { json: '2025-06-01', ndjson: '2025-06-02', csv: '2025-06-03' }[format],
          notice_version: 'v1',
        },
      ],
      format,
    );
    const codes = answer.errors.map((e) => [e.row, e.field, e.code]);
    expect(codes).toEqual([
      [1, 'purpose', 'enum'],
      [2, 'expires_at', 'range'],
      [3, 'expires_at', 'range'],
      [4, 'status', 'enum'],
      [5, 'collected_at', 'range'],
      [6, 'collected_at', 'required'],
      [7, 'collected_at', 'type'],
      [8, 'legal_basis', 'enum'],
      [9, 'email', 'linkage_missing'],
      [10, 'email', 'unknown_subject'],
    ]);
    expect(answer).toMatchObject({ accepted: 1, rejected: 10, duplicates: 0 });
    for (const e of answer.errors) {
      expect(e.message.length).toBeGreaterThan(0);
      for (const v of ['telepathic_marketing', 'perhaps', 'last tuesday', 'whim', 'stranger-cingst', String(email).trim()]) expect(e.message).not.toContain(v);
    }
    expect(await gw.db.count('consent_records')).toBe(before + 1);
  });

  it('customer_id links only within its own source', async () => {
    const cid = c.identity.record['customer_id'];
    const elsewhere = await rec.ingest('crm', 'consents', [{ customer_id: cid, purpose: 'marketing_email', status: 'granted', collected_at: '2025-12-01' }]);
    expect(elsewhere.errors).toEqual([expect.objectContaining({ row: 1, field: 'customer_id', code: 'unknown_subject' })]);
    expect(await history(c, 'marketing_email')).toEqual([]);
    const own = await rec.ingest('shop', 'consents', [{ customer_id: cid, purpose: 'marketing_email', status: 'granted', collected_at: '2025-12-01' }], 'csv');
    expect(own).toMatchObject({ accepted: 1, errors: [] });
    expect(await history(c, 'marketing_email')).toHaveLength(1);
    expect(await read(c, 'marketing_email')).toBe(200);
  });

  it('an older grant sent after a newer withdrawal does not resurrect coverage', async () => {
    const email = b.identity.record['email'];
    // b holds a marketing_email grant collected 2025-12-01 (first test)
    await rec.ingest('crm', 'consents', [{ email, purpose: 'marketing_email', status: 'withdrawn', collected_at: '2026-01-10T08:00:00Z' }], 'ndjson');
    expect(await read(b, 'marketing_email')).toBe(404);
    // late delivery from another source: a grant collected before the withdrawal
    const late = await rec.ingest('shop', 'consents', [
      { email, purpose: 'marketing_email', status: 'granted', collected_at: '2026-01-05T08:00:00Z', expires_at: '2030-01-01' },
    ]);
    expect(late).toMatchObject({ accepted: 1, errors: [] });
    expect(await read(b, 'marketing_email')).toBe(404);
    // same batch, newest first
    await rec.ingest(
      'crm',
      'consents',
      [
        { email, purpose: 'marketing_sms', status: 'denied', collected_at: '2026-01-12T00:00:00Z' },
        { email, purpose: 'marketing_sms', status: 'granted', collected_at: '2026-01-11T00:00:00Z' },
      ],
      'csv',
    );
    expect(await read(b, 'marketing_sms')).toBe(404);

    const view = (await rec.get(`/v1/subjects/${b.pseudonym}/consents`, await gw.mint(['dpo']))).json;
    const email_ = view.history.filter((h: { purpose: string }) => h.purpose === 'marketing_email');
    expect(email_.map((h: { status: string; collected_at: string }) => [h.status, h.collected_at])).toEqual([
      ['granted', '2025-12-01T00:00:00.000Z'],
      ['granted', '2026-01-05T08:00:00.000Z'],
      ['withdrawn', '2026-01-10T08:00:00.000Z'],
    ]);
    expect(view.current.marketing_email).toMatchObject({ covered: false, reason: 'consent_refused', status: 'withdrawn' });
    expect(view.current.marketing_sms).toMatchObject({ covered: false, reason: 'consent_refused', status: 'denied' });
    // a grant collected after the withdrawal does cover again
    gw.advance(60_000);
    await rec.ingest('crm', 'consents', [{ email, purpose: 'marketing_email', status: 'granted', collected_at: new Date(gw.now()).toISOString() }]);
    expect(await read(b, 'marketing_email')).toBe(200);
  });

  it('a consent flag that is not a boolean is a row error; the consents route needs ingest.consents', async () => {
    const asMarketing = await rec.send('/v1/ingest/crm/consents', {
      method: 'POST',
      token: await gw.mint(['marketing']),
      headers: { 'content-type': CONTENT_TYPE.json },
      body: encodeRows([{ email: a.identity.record['email'], purpose: 'marketing_email', status: 'withdrawn', collected_at: '2026-01-15' }], 'json'),
    });
    expect(asMarketing.status).toBe(403);
    const answer: IngestAnswer = await rec.ingest('crm', 'customers', [
      { customer_id: a.identity.record['customer_id'], email: a.identity.record['email'], consent_marketing_email: 'maybe' },
    ]);
    expect(answer.errors).toEqual([expect.objectContaining({ row: 1, field: 'consent_marketing_email', code: 'type' })]);
    expect(answer.errors[0]!.message).not.toContain('maybe');
  });

  it('a grant flag repeated on a customer row after the stored grant expired renews it; repeated before, it adds nothing', async () => {
    const fresh = await testGateway({ clockStart: CLOCK });
    try {
      const r = new Recorder(fresh);
      const s = await seedSubject(r, 'renews', 1, { flags: { consent_marketing_email: true }, transactions: false });
      const records = async () =>
        (
          await fresh.db.all<{ at: number }>(
            "SELECT c.collected_at AS at FROM consent_records c JOIN subjects s ON s.id = c.subject_id WHERE s.pseudonym = ? AND c.purpose = 'marketing_email' ORDER BY c.id",
            s.pseudonym,
          )
        ).map((x) => x.at);
      const status = async () => (await r.get(`/v1/subjects/${s.pseudonym}?purpose=marketing_email`, await fresh.mint(['dpo']))).status;
      const resend = () => r.ingest('crm', 'customers', [{ ...s.identity.record, consent_marketing_email: true }]);
      await resend();
      // flags are recorded as collected when the row says (the helper: an hour before sending)
      const HOUR = 3_600_000;
      expect(await records()).toEqual([CLOCK - HOUR]);
      // marketing_email consents count for 1095 days
      fresh.advance(1096 * 86_400_000);
      expect(await status()).toBe(404);
      await resend();
      expect(await records()).toEqual([CLOCK - HOUR, CLOCK + 1096 * 86_400_000 - HOUR]);
      expect(await status()).toBe(200);
    } finally {
      await fresh.cleanup();
    }
  });

  it('no answer carries a raw identifier', () => {
    expect(rec.leaks([a.identity, b.identity, c.identity])).toEqual([]);
  });
});
