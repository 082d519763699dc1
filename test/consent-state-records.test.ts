// A customer batch writes each subject's consent state with the subject's row, under record ids
// reserved before the records are written: every state must name the record that set it (same
// subject, purpose, status and collection time), ids must never collide with records written
// later by other routes, and the state must match what the history decides.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Recorder } from './helpers/access.ts';
import { canaryIdentity } from './helpers/canaries.ts';
import { testGateway, type TestGateway } from './helpers/test-gateway.ts';

const CLOCK = Date.UTC(2026, 2, 3, 10, 0);
type Entry = [status: string, legalBasis: string, collectedAt: number, expiresAt: number | null, recordId: number];

describe('consent state written with the subject row', () => {
  let gw: TestGateway;
  let rec: Recorder;

  beforeAll(async () => {
    gw = await testGateway({ clockStart: CLOCK });
    rec = new Recorder(gw);
  });
  afterAll(() => gw?.cleanup());

  /** Every stored state entry beside the record it names (undefined when it names none of the subject's). */
  const statesAndRecords = async () => {
    const subjects = await gw.db.all<{ id: number; consent: string | Record<string, Entry> }>('SELECT id, consent FROM subjects ORDER BY id');
    const records = await gw.db.all<{ id: number; subject_id: number; purpose: string; status: string; collected_at: number }>(
      'SELECT id, subject_id, purpose, status, collected_at FROM consent_records ORDER BY id',
    );
    const byId = new Map(records.map((r) => [Number(r.id), r]));
    const pairs = subjects.flatMap((s) =>
      Object.entries((typeof s.consent === 'string' ? JSON.parse(s.consent) : s.consent) as Record<string, Entry>).map(([purpose, e]) => ({
        subject: Number(s.id),
        purpose,
        entry: e,
        record: byId.get(Number(e[4])),
      })),
    );
    return { pairs, records };
  };

  const expectStatesNameTheirRecords = async () => {
    const { pairs, records } = await statesAndRecords();
    expect(pairs.length).toBeGreaterThan(0);
    for (const p of pairs) {
      expect(p.record, `state of ${p.purpose} names record ${p.entry[4]}`).toMatchObject({ subject_id: p.subject, purpose: p.purpose, status: p.entry[0] });
      expect(Number(p.record!.collected_at)).toBe(p.entry[2]);
    }
    expect(new Set(records.map((r) => Number(r.id))).size).toBe(records.length);
    return { pairs, records };
  };

  it('new subjects, changed flags, a consents batch and a DPO withdrawal: each state names its record', async () => {
    const people = Array.from({ length: 30 }, (_, i) => canaryIdentity(`cstat${'abcd'[Math.floor(i / 8)]}`, (i % 8) + 1).record);
    const flags = (i: number, round: number) => ({
      consent_marketing_email: (i + round) % 2 === 0,
      consent_marketing_sms: i % 3 === 0,
      consent_partner_sharing: round === 1,
    });
    await rec.ingest(
      'crm',
      'customers',
      people.map((p, i) => ({ ...p, ...flags(i, 0) })),
    );
    const first = await expectStatesNameTheirRecords();
    // 30 subjects x 3 flags, every one a first statement
    expect(first.records.length).toBe(90);

    gw.advance(3_600_000 * 2);
    const second = await rec.ingest(
      'crm',
      'customers',
      people.map((p, i) => ({ ...p, ...flags(i, 1) })),
    );
    // marketing_email and partner_sharing flip for every subject; marketing_sms repeats
    expect(second.consents).toMatchObject({ recorded: 60, effective: 60, unchanged: 30 });
    await expectStatesNameTheirRecords();

    // ids handed out by the other routes come after the reserved ones
    gw.advance(60_000);
    const at = new Date(gw.now() - 1000).toISOString();
    await rec.ingest('crm', 'consents', [{ email: people[0]!['email'], purpose: 'marketing_sms', status: 'denied', legal_basis: 'consent', collected_at: at }]);
    const dpo = await gw.mint(['dpo']);
    const { pairs } = await statesAndRecords();
    const subject = pairs.find((p) => p.purpose === 'marketing_sms' && p.entry[0] === 'denied')!.subject;
    const pseudonym = (await gw.db.get<{ pseudonym: string }>('SELECT pseudonym FROM subjects WHERE id = ?', subject))!.pseudonym;
    const withdrawal = await rec.send(`/v1/subjects/${pseudonym}/consents`, {
      method: 'POST',
      token: dpo,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ purpose: 'partner_sharing', status: 'withdrawn', collected_at: new Date(gw.now() - 500).toISOString() }),
    });
    expect(withdrawal.status, withdrawal.text).toBe(201);
    const last = await expectStatesNameTheirRecords();
    expect(last.records.length).toBe(152);
    const ids = last.records.map((r) => Number(r.id));
    expect(ids.slice(-2).every((id) => id > Math.max(...ids.slice(0, -2)))).toBe(true);
  });
});
