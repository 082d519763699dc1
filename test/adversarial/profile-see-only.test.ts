// Threat T5 (docs/threat-model.md): a role may use a feature in segmentation without being allowed
// to see it (income for marketing, say). Segment profiles used to describe every feature the run
// read, so the means and quartiles of a feature the role may not see came out with the segments.
// Profiles, top features and labels now cover only what the role may also `see`, as subject
// reads do. The policy here allows marketing to use income, not to see it.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { Recorder, seedSubject } from '../helpers/access.ts';
import { fillers } from '../helpers/audit.ts';
import { SegClient } from '../helpers/segmentation.ts';
import { testGateway, type TestGateway } from '../helpers/test-gateway.ts';

describe('T5: profiles describe only what the role may see', () => {
  let gw: TestGateway;
  let rec: Recorder;
  let seg: SegClient;

  beforeAll(async () => {
    gw = await testGateway({
      clockStart: Date.UTC(2026, 0, 15, 9, 30),
      prepare: ({ policiesDir }) => {
        const file = path.join(policiesDir, 'access-rules.yaml');
        const doc = parse(fs.readFileSync(file, 'utf8')) as { rules: unknown[] };
        doc.rules.push({
          id: 'marketing-uses-income',
          decision: 'ALLOW',
          priority: 40,
          roles: ['marketing'],
          purposes: ['segmentation_analytics'],
          actions: ['use'],
          data_categories: ['user.financial.income'],
        });
        fs.writeFileSync(file, stringify(doc));
      },
    });
    rec = new Recorder(gw);
    seg = new SegClient(gw, rec);
    await rec.ingest(
      'crm',
      'customers',
      fillers('advpso', 40).map((r, i) => ({ ...r, income: i < 20 ? 18_000 + i : 150_000 + i, gender: i % 2 ? 'f' : 'm' })),
    );
  });
  afterAll(() => gw?.cleanup());

  it('the policy allows use and denies see', () => {
    const caller = { roles: ['marketing'], issuerId: 'dev' };
    expect(gw.policies.access.decide(caller, 'segmentation_analytics', 'use', 'user.financial.income').decision).toBe('ALLOW');
    expect(gw.policies.access.decide(caller, 'segmentation_analytics', 'see', 'user.financial.income').decision).toBe('DENY');
  });

  it('a run using income shows segments shaped by it, and not one statistic of it', async () => {
    const marketing = await seg.marketing();
    const v = await seg.run(marketing, { purpose: 'segmentation_analytics', method: 'kmeans', features: ['income', 'gender'], k: 2, seed: 2 });
    expect(v.result.segments.map((s) => s.size).sort()).toEqual([20, 20]);
    for (const s of v.result.segments) {
      expect(Object.keys(s.profile)).toEqual(['gender']);
      expect(s.top_features.map((t) => t.feature)).not.toContain('income');
      expect(s.label).not.toMatch(/income/);
    }
    // no income figure (nor a mean or quartile of one) anywhere in the segments or their quality
    expect(JSON.stringify([v.result.segments, v.result.quality])).not.toMatch(/\b(1[5-9]\d{4}|18\d{3})(\.\d+)?\b/);
    // the receipt still names what the run read
    expect(v.result.receipt.features_used).toEqual(['income', 'gender']);
  });

  it('and a subject read leaves it out too', async () => {
    const s = await seedSubject(rec, 'advpso', 1, { transactions: false });
    const a = await rec.get(`/v1/subjects/${s.pseudonym}?purpose=segmentation_analytics`, await seg.marketing());
    expect(a.status).toBe(200);
    expect(Object.keys(a.json.features)).not.toContain('income');
    expect(Object.keys(a.json.features)).toContain('gender');
  });
});
