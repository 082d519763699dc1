// Threat T6 (docs/threat-model.md): a subject's withdrawal, recorded by the DPO, is silently undone
// by the next CRM row that still carries the old grant flag (flags used to be recorded as collected
// at ingest time, so they always looked newer); and a withdrawal dated by the letter's earlier
// date answers 201 but changes nothing. Flags now carry the time the source collected them, a
// refusal is superseded only by a grant collected after it, and every write says if it took effect.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Recorder, seedSubject, type Seeded } from '../helpers/access.ts';
import { expectRowError } from '../helpers/ingest.ts';
import { testGateway, type TestGateway } from '../helpers/test-gateway.ts';

const CLOCK = Date.UTC(2026, 0, 15, 9, 30);
const DAY = 86_400_000;
const at = (t: number) => new Date(t).toISOString();

describe('T6: consent precedence cannot be turned around by a stale source', () => {
  let gw: TestGateway;
  let rec: Recorder;
  let s: Seeded;
  const dpo = () => gw.mint(['dpo'], { sub: 'dpo-officer' });
  const covered = async (purpose: string) => (await rec.get(`/v1/subjects/${s.pseudonym}?purpose=${purpose}`, await dpo())).status === 200;
  const crmRow = (flags: Record<string, unknown>) => rec.ingest('crm', 'customers', [{ ...s.identity.record, ...flags }]);

  beforeAll(async () => {
    gw = await testGateway({ clockStart: CLOCK });
    rec = new Recorder(gw);
    // the CRM collected the grant ten days ago
    s = await seedSubject(rec, 'advcpr', 1, { transactions: false, flags: { consent_partner_sharing: true, consent_collected_at: at(CLOCK - 10 * DAY) } });
  });
  afterAll(() => gw?.cleanup());

  it("the DPO's withdrawal holds against the next CRM sync that still carries the old grant", async () => {
    expect(await covered('partner_sharing')).toBe(true);
    gw.advance(DAY);
    const w = await rec.postJson(`/v1/subjects/${s.pseudonym}/consents`, await dpo(), {
      purpose: 'partner_sharing',
      status: 'withdrawn',
      notice_version: 'letter-17',
    });
    expect(w.json).toMatchObject({ status: 'recorded', effective: true, reason: 'current', coverage: { covered: false, reason: 'consent_refused' } });
    gw.advance(DAY);
    // the nightly sync: the same flag with the same collection time is the record already held
    const sync = await crmRow({ consent_partner_sharing: true, consent_collected_at: at(CLOCK - 10 * DAY) });
    expect(sync.accepted).toBe(1);
    expect(sync.consents).toMatchObject({ recorded: 0, unchanged: 1 });
    expect(await covered('partner_sharing')).toBe(false);
    // a grant the CRM collected before the withdrawal (another, older fact) is recorded and changes nothing
    const older = await crmRow({ consent_partner_sharing: true, consent_collected_at: at(CLOCK - 9 * DAY) });
    expect(older.consents).toMatchObject({
      recorded: 1,
      effective: 0,
      not_effective: [{ row: 1, purpose: 'partner_sharing', reason: 'later_record_decides' }],
    });
    expect(await covered('partner_sharing')).toBe(false);
  });

  it('a grant collected at the same instant as the refusal does not supersede it; one collected after does', async () => {
    const refusal = CLOCK + 5 * DAY;
    gw.advance(5 * DAY);
    await crmRow({ consent_marketing_email: false, consent_collected_at: at(refusal) });
    const same = await rec.ingest('eshop', 'consents', [
      { email: s.identity.record['email'], purpose: 'marketing_email', status: 'granted', collected_at: at(refusal) },
    ]);
    expect(same.consents!.not_effective).toEqual([{ row: 1, purpose: 'marketing_email', reason: 'objection_stands' }]);
    expect(await covered('marketing_email')).toBe(false);
    const later = await rec.ingest('eshop', 'consents', [
      { email: s.identity.record['email'], purpose: 'marketing_email', status: 'granted', collected_at: at(refusal + 60_000) },
    ]);
    expect(later.consents).toMatchObject({ recorded: 1, effective: 1, not_effective: [] });
    expect(await covered('marketing_email')).toBe(true);
  });

  it('a withdrawal dated by the letter, behind a later grant, is recorded and says it changed nothing', async () => {
    // the subject granted again in the shop after posting the letter: the later grant decides
    const letter = gw.now() - 3 * DAY;
    await rec.ingest('eshop', 'consents', [{ email: s.identity.record['email'], purpose: 'marketing_sms', status: 'granted', collected_at: at(letter + DAY) }]);
    const w = await rec.postJson(`/v1/subjects/${s.pseudonym}/consents`, await dpo(), {
      purpose: 'marketing_sms',
      status: 'withdrawn',
      collected_at: at(letter),
    });
    expect(w.status).toBe(201);
    expect(w.json).toMatchObject({ effective: false, reason: 'later_record_decides', coverage: { covered: true } });
    // the record is in the history all the same (the registry is append-only)
    const view = (await rec.get(`/v1/subjects/${s.pseudonym}/consents`, await dpo())).json;
    expect(
      view.history.some(
        (h: { purpose: string; status: string; source: string }) => h.purpose === 'marketing_sms' && h.status === 'withdrawn' && h.source === 'dpo',
      ),
    ).toBe(true);
  });

  it('a flag without the time its source collected it is refused; the ingest time is never used', async () => {
    const a = await rec.ingest('crm', 'customers', [{ ...s.identity.record, consent_partner_sharing: true, consent_collected_at: undefined }]);
    expectRowError(a, 1, 'consent_collected_at', 'required');
    expect(a.accepted).toBe(0);
    const future = await rec.ingest('crm', 'customers', [{ ...s.identity.record, consent_partner_sharing: true, consent_collected_at: at(gw.now() + DAY) }]);
    expectRowError(future, 1, 'consent_collected_at', 'range');
  });
});
