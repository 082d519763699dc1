// Threat T4 (docs/threat-model.md): suppressed_segments counted only non-empty hidden groups, so
// a rule whose threshold moves by one unit tells whether one person is above it (0 -> 1 hidden
// group). Every rule, leaf or cluster under the minimum counts now, an empty one too.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Recorder } from '../helpers/access.ts';
import { fillers } from '../helpers/audit.ts';
import { SegClient } from '../helpers/segmentation.ts';
import { testGateway, type TestGateway } from '../helpers/test-gateway.ts';

describe('T4: the receipt does not tell a hidden group of 0 from one of 1', () => {
  let gw: TestGateway;
  let seg: SegClient;
  let marketing: string;

  beforeAll(async () => {
    gw = await testGateway({ clockStart: Date.UTC(2026, 0, 15, 9, 30) });
    const rec = new Recorder(gw);
    seg = new SegClient(gw, rec);
    // one richest customer earns 97 000; everyone else at most 30 000
    const rows = fillers('advsco', 30).map((r, i) => ({ ...r, income: i === 0 ? 97_000 : 20_000 + 300 * i }));
    await rec.ingest('crm', 'customers', rows);
    marketing = await seg.marketing();
  });
  afterAll(() => gw?.cleanup());

  it("moving a threshold across one person's income changes nothing in the answer", async () => {
    const run = (x: number) =>
      seg.run(marketing, { purpose: 'profitability_analysis', method: 'rules', rules: [{ name: 'rich', where: { income: { gte: x } } }] });
    const above = await run(97_001); // nobody
    const at = await run(97_000); // the one richest customer
    expect(above.result.receipt.suppressed_segments).toBe(1);
    expect(at.result.receipt.suppressed_segments).toBe(1);
    // everything but the wall-clock timings and the population digest (the same population, in fact)
    const shape = (r: typeof above) => ({ ...r.result, timings: undefined, receipt: { ...r.result.receipt, consent_snapshot: {} } });
    expect(shape(at)).toEqual(shape(above));
  });

  it('an RFM or k-means run counts every group under the minimum, empty ones included', async () => {
    const rfm = await seg.run(marketing, { purpose: 'profitability_analysis', method: 'rfm' });
    // eleven RFM segments and the remainder; none of the 30 filler customers bought anything
    expect(rfm.result.receipt.suppressed_segments + rfm.result.segments.filter((s) => s.id !== 'remainder').length).toBe(
      11 + (rfm.result.segments.some((s) => s.id === 'remainder') ? 0 : 1),
    );
    const km = await seg.run(marketing, { purpose: 'profitability_analysis', method: 'kmeans', features: ['income'], k: 5, seed: 3 });
    expect(km.result.segments.length + km.result.receipt.suppressed_segments).toBe(5);
  });
});
