// Threat T12 (docs/threat-model.md): the same token subject holds several roles (an issuer granting
// them all, here the development issuer). A run made with one role's token was read and exported
// through another role's token of the same subject, with that token's privilege: no partner
// scoping, a smaller group minimum, features or a purpose the run's maker could use and the
// exporter may not. A run now records the privilege it was made under; reading or exporting it
// applies the stricter of that and the caller's, or is refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PSEUDONYM_PATTERN } from '../../src/pseudonymization/pseudonymizer.ts';
import { SCOPED_PATTERN } from '../../src/pseudonymization/partner-scope.ts';
import { Recorder } from '../helpers/access.ts';
import { fillers } from '../helpers/audit.ts';
import { SegClient } from '../helpers/segmentation.ts';
import { testGateway, type TestGateway } from '../helpers/test-gateway.ts';

describe('T12: a run keeps the privilege it was made with', () => {
  let gw: TestGateway;
  let seg: SegClient;
  let rec: Recorder;
  const SUB = 'agency-user';
  const as = (roles: string[]) => gw.mint(roles, { sub: SUB });
  const members = (token: string, run: string, segment: string) => rec.get(`/v1/segmentations/${run}/segments/${segment}/members`, token);
  const APP = [{ name: 'app', where: { channel_preference: { eq: 'app' } } }];

  beforeAll(async () => {
    gw = await testGateway({ clockStart: Date.UTC(2026, 0, 15, 9, 30) });
    rec = new Recorder(gw);
    seg = new SegClient(gw, rec);
    // 80 customers consenting to partner sharing: 20 app users (a segment under the partner's 50)
    await rec.ingest(
      'crm',
      'customers',
      fillers('advrpe', 80, { consent_partner_sharing: true }).map((r, i) => ({ ...r, channel_preference: i < 20 ? 'app' : 'web', income: 1000 * i })),
    );
  });
  afterAll(() => gw?.cleanup());

  it('a marketing run is neither read nor exported through a partner token of the same subject', async () => {
    const marketing = await as(['marketing']);
    const run = await seg.run(marketing, { purpose: 'segmentation_analytics', method: 'rules', rules: APP });
    expect(run.result.segments.map((s) => [s.id, s.size])).toEqual([
      ['rule-1', 20],
      ['remainder', 60],
    ]);
    const own = await members(marketing, run.id, 'rule-1');
    expect(own.status).toBe(200);
    expect(own.json.members.every((p: string) => PSEUDONYM_PATTERN.test(p))).toBe(true);
    const partner = await as(['partner']);
    const read = await rec.get(`/v1/segmentations/${run.id}`, partner);
    expect(read.status).toBe(403);
    expect(read.json.code).toBe('auth.forbidden');
    expect(read.text).not.toContain('rule-1');
    expect((await members(partner, run.id, 'remainder')).status).toBe(403);
  });

  it('a run made partner-scoped with groups of 50 stays so when a marketing-only token of the same subject exports it', async () => {
    const both = await as(['marketing', 'partner']);
    const run = await seg.run(both, { purpose: 'segmentation_analytics', method: 'rules', rules: APP });
    expect(run.result.receipt.min_group_size).toBe(50);
    expect(run.result.segments.map((s) => [s.id, s.size])).toEqual([['remainder', 80]]);
    const marketing = await as(['marketing']);
    // the result reads the same; its export keeps the partner scoping the run was made with
    expect((await rec.get(`/v1/segmentations/${run.id}`, marketing)).status).toBe(200);
    const out = await members(marketing, run.id, 'remainder');
    expect(out.status).toBe(200);
    expect(out.json.members).toHaveLength(80);
    expect(out.json.members.every((p: string) => SCOPED_PATTERN.test(p))).toBe(true);
    expect(
      JSON.parse(
        (await gw.db.get<{ detail: string }>("SELECT detail FROM audit_log WHERE action = 'segment.members.export' ORDER BY seq DESC LIMIT 1"))!.detail,
      ),
    ).toMatchObject({ partner_scoped: true });
  });

  it('a result made with groups of 10 is refused to a token whose minimum is 50; its small segments are not exported', async () => {
    const marketing = await as(['marketing']);
    const run = await seg.run(marketing, { purpose: 'segmentation_analytics', method: 'rules', rules: APP });
    const both = await as(['marketing', 'partner']);
    expect((await rec.get(`/v1/segmentations/${run.id}`, both)).status).toBe(403);
    expect((await members(both, run.id, 'rule-1')).status).toBe(404); // 20 < 50
    const rest = await members(both, run.id, 'remainder');
    expect(rest.status).toBe(200);
    expect(rest.json.members.every((p: string) => SCOPED_PATTERN.test(p))).toBe(true);
  });

  it('a partner_sharing run that read income (a marketing + DPO token may, the partner may not) is refused to the partner token', async () => {
    const dpoRun = await seg.run(await as(['marketing', 'dpo']), {
      purpose: 'partner_sharing',
      method: 'rules',
      rules: [{ name: 'rich', where: { income: { gte: 40_000 } } }],
    });
    const partner = await as(['partner']);
    expect((await rec.get(`/v1/segmentations/${dpoRun.id}`, partner)).status).toBe(403);
    expect((await members(partner, dpoRun.id, 'rule-1')).status).toBe(403);
  });
});
