// Threat T7 (docs/threat-model.md): a customer row objects to a purpose the default dictionary did
// not map (consent_segmentation_analytics: false), the column was ignored, and the subject stayed
// in every segmentation resting on legitimate interest. Every purpose has its consent column now,
// and a consent column naming no purpose is a row error instead of a silent no-op.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Recorder, seedSubject, type Seeded } from '../helpers/access.ts';
import { expectRowError } from '../helpers/ingest.ts';
import { testGateway, type TestGateway } from '../helpers/test-gateway.ts';

const CLOCK = Date.UTC(2026, 0, 15, 9, 30);

describe('T7: a consent column exists for every purpose, and no other', () => {
  let gw: TestGateway;
  let rec: Recorder;
  let s: Seeded;
  const read = async (purpose: string) => (await rec.get(`/v1/subjects/${s.pseudonym}?purpose=${purpose}`, await gw.mint(['dpo']))).status;

  beforeAll(async () => {
    gw = await testGateway({ clockStart: CLOCK });
    rec = new Recorder(gw);
    s = await seedSubject(rec, 'advccl', 1, { transactions: false, flags: {} });
  });
  afterAll(() => gw?.cleanup());

  it('consent_<purpose> is a field of the effective dictionary for every purpose of purposes.yaml', async () => {
    const policy = (await rec.get('/v1/policies', await gw.mint(['dpo']))).json.policy;
    for (const purpose of gw.policies.purposes.keys()) {
      expect(policy.dictionary.record_types.customers[`consent_${purpose}`], purpose).toMatchObject({ type: 'boolean', consent_purpose: purpose });
    }
  });

  it('an objection to a legitimate-interest purpose takes the subject out of it (and only of it)', async () => {
    expect(await read('segmentation_analytics')).toBe(200);
    const a = await rec.ingest('crm', 'customers', [{ ...s.identity.record, consent_segmentation_analytics: false }], 'csv');
    expect(a).toMatchObject({ accepted: 1, errors: [] });
    expect(a.consents).toMatchObject({ recorded: 1, effective: 1 });
    expect(await read('segmentation_analytics')).toBe(404);
    expect(await read('profitability_analysis')).toBe(200);
    // and the segmentation population loses them too
    const marketing = await gw.mint(['marketing']);
    const run = await rec.postJson('/v1/segmentations', marketing, {
      purpose: 'segmentation_analytics',
      method: 'rules',
      features: [],
      rules: [{ name: 'all', where: { gender: { in: ['f', 'm', 'x'] } } }],
    });
    await gw.jobs.idle();
    const members = await rec.get(`/v1/segmentations/${run.json.id}`, marketing);
    expect(JSON.stringify(members.json)).not.toContain(s.pseudonym);
  });

  it('a consent column that names no purpose is a row error, echoing the column only when it looks like one', async () => {
    const a = await rec.ingest('crm', 'customers', [
      { ...s.identity.record, consent_telepathy: true },
      { ...s.identity.record, 'consent_jean.dupont@example.test': true },
      { ...s.identity.record, consent_telepathy: '' },
    ]);
    expectRowError(a, 1, 'consent_telepathy', 'unknown_purpose');
    expectRowError(a, 2, '(consent column)', 'unknown_purpose');
    expect(JSON.stringify(a)).not.toContain('dupont');
    // an empty cell states nothing: the row is accepted
    expect(a.accepted).toBe(1);
    expect(a.ignored_fields).not.toContain('consent_telepathy');
  });
});
