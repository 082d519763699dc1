// Threat T3 (docs/threat-model.md): an analyst counts any filtered group by binary search on k
// (k-means on a filter selecting one subject succeeded at k=1 and failed "k exceeds population" at
// k=2), or by filters with no minimum on what they select. A population under the role's minimum
// is now refused with one generic error, at submission and in the job, whatever k, method or size.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Recorder } from '../helpers/access.ts';
import { fillers } from '../helpers/audit.ts';
import { SegClient } from '../helpers/segmentation.ts';
import { testGateway, type TestGateway } from '../helpers/test-gateway.ts';

const CLOCK = Date.UTC(2026, 0, 15, 9, 30);
const strip = (e: unknown) => JSON.stringify(e);

describe('T3: no oracle on the size of a small population', () => {
  let gw: TestGateway;
  let seg: SegClient;
  let rec: Recorder;
  let marketing: string;

  beforeAll(async () => {
    gw = await testGateway({ clockStart: CLOCK });
    rec = new Recorder(gw);
    seg = new SegClient(gw, rec);
    // 40 customers; incomes 1000 * i, so `income >= X` selects any count we like; 3 consent to e-mail
    const rows = fillers('advsgp', 40).map((r, i) => ({ ...r, income: 1000 * (i + 1), ...(i < 3 && { consent_marketing_email: true }) }));
    expect((await rec.ingest('crm', 'customers', rows)).accepted).toBe(40);
    marketing = await seg.marketing();
  });
  afterAll(() => gw?.cleanup());

  it('k-means over filters selecting 0, 1 or 9 subjects fails the same way at every k: no binary search', async () => {
    const errors = new Set<string>();
    for (const selected of [0, 1, 9]) {
      for (const k of [1, 2]) {
        const v = await seg.finish(marketing, {
          purpose: 'profitability_analysis',
          method: 'kmeans',
          features: ['income'],
          k,
          filters: { income: { gte: 1000 * (41 - selected) } },
        });
        expect(v.status).toBe('failed');
        expect(v.result).toBeUndefined();
        errors.add(strip(v.error));
      }
    }
    expect([...errors]).toEqual([
      strip({
        code: 'population_too_small',
        message: 'The population this request selects is under the minimum group size of the role; nothing was computed.',
      }),
    ]);
  });

  it('the same for rules, tree and RFM over a small filtered population', async () => {
    const filters = { income: { gte: 40_000 } }; // one subject
    for (const body of [
      { method: 'rules', rules: [{ name: 'all', where: { gender: { in: ['f', 'm'] } } }] },
      { method: 'tree', target: 'income', features: ['gender'] },
      { method: 'rfm' },
    ]) {
      const v = await seg.finish(marketing, { purpose: 'profitability_analysis', ...body, filters });
      expect(v.error?.code, JSON.stringify(v)).toBe('population_too_small');
    }
    // at the minimum the same request runs
    const ok = await seg.run(marketing, {
      purpose: 'profitability_analysis',
      method: 'kmeans',
      features: ['income'],
      k: 1,
      filters: { income: { gte: 31_000 } },
    });
    expect(ok.result.population).toBe(10);
  });

  it('at submission too: a purpose covering fewer subjects than the minimum gets one 422, whatever k', async () => {
    const answers = [];
    for (const k of [1, 2, 3, 4]) {
      const a = await seg.submit(marketing, { purpose: 'marketing_email', method: 'kmeans', features: ['age'], k });
      expect(a.status).toBe(422);
      const { request_id: _r, ...rest } = a.json;
      answers.push(JSON.stringify(rest));
    }
    expect(new Set(answers).size).toBe(1);
    expect(answers[0]).not.toMatch(/\b3\b/);
  });
});
