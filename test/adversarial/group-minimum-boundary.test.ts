// Threat T21 (docs/threat-model.md): an off-by-one in suppression shows a group one person under
// the minimum (or hides one at it). Groups of exactly min - 1 and exactly min, for rules and a
// tree under marketing's minimum (10) and a k-means cluster under the partner's (50): the first
// hidden, the second shown.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FeatureMatrix } from '../../src/segmentation/feature-matrix.ts';
import { runSegmentation } from '../../src/segmentation/run-segmentation.ts';
import { treePartition } from '../../src/segmentation/methods/tree-method.ts';
import { partnerOneToken, Recorder } from '../helpers/access.ts';
import { fillers } from '../helpers/audit.ts';
import { SegClient } from '../helpers/segmentation.ts';
import { testGateway, type TestGateway } from '../helpers/test-gateway.ts';

const CLOCK = Date.UTC(2026, 0, 15, 9, 30);

describe('T21: a group of min - 1 is hidden, a group of min is shown', () => {
  let gw: TestGateway;
  let rec: Recorder;
  let seg: SegClient;

  beforeAll(async () => {
    gw = await testGateway({ clockStart: CLOCK });
    rec = new Recorder(gw);
    seg = new SegClient(gw, rec);
  });
  afterAll(() => gw?.cleanup());

  it('rules, marketing (10): 9 hidden, 10 shown', async () => {
    const incomes = [...Array(9).fill(50_000), ...Array(10).fill(60_000), ...Array(11).fill(20_000)] as number[];
    await rec.ingest(
      'crm',
      'customers',
      fillers('advgmb', incomes.length).map((r, i) => ({ ...r, income: incomes[i] })),
    );
    const v = await seg.run(await seg.marketing(), {
      purpose: 'profitability_analysis',
      method: 'rules',
      rules: [
        { name: 'nine', where: { income: { eq: 50_000 } } },
        { name: 'ten', where: { income: { eq: 60_000 } } },
      ],
    });
    expect(v.result.segments.map((s) => [s.id, s.size])).toEqual([
      ['rule-2', 10],
      ['remainder', 20],
    ]);
    expect(v.result.receipt.suppressed_segments).toBe(1);
  });

  it('tree, marketing (10): a leaf of 9 is merged away, a leaf of 10 is shown', () => {
    // x = 1 (9 subjects), 2 (10), 3 (30); the target follows x, so the leaves are those groups
    const xs = [...Array(9).fill(1), ...Array(10).fill(2), ...Array(30).fill(3)] as number[];
    const m: FeatureMatrix = {
      n: xs.length,
      pseudonyms: xs.map((_, i) => `p1_${String(i).padStart(22, '0')}`),
      numeric: new Map([
        ['age', Float64Array.from(xs)],
        ['monetary', Float64Array.from(xs, (x, i) => x * 1000 + (i % 3))],
      ]),
      categorical: new Map(),
    };
    const spec = { purpose: 'p', method: 'tree' as const, features: ['age' as const], target: 'monetary' as const, max_depth: 3 };
    // the planted leaves are what the tree finds
    const leafSizes = (() => {
      const p = treePartition(m, spec.features, spec.target, { maxDepth: 3, minLeaf: 10, seed: 1 }, () => {});
      const sizes = new Map<number, number>();
      for (const g of p.assignment) sizes.set(g, (sizes.get(g) ?? 0) + 1);
      return [...sizes.values()].sort((a, b) => a - b);
    })();
    expect(leafSizes).toEqual([9, 10, 30]);
    const out = runSegmentation(m, spec, { minGroupSize: 10, onProgress: () => {} });
    expect(out.segments.map((s) => s.size).sort((a, b) => a - b)).toEqual([10, 30]);
    expect(out.suppressed_segments).toBe(2); // the leaf of 9, and the remainder it fell into (9 < 10)
    expect(out.population).toBe(40);
  });

  it('k-means, partner (50): a cluster of 49 is dissolved, one of 50 is shown', async () => {
    // three tight clusters of monetary value: 49 small spenders, 50 medium, 100 large
    const sizes = [49, 50, 100];
    const amounts = [10, 5_000, 500_000];
    const customers = fillers('advgmk', 199, { consent_partner_sharing: true });
    expect((await rec.ingest('crm', 'customers', customers)).accepted).toBe(199);
    const tx = customers.map((c, i) => {
      const g = i < 49 ? 0 : i < 99 ? 1 : 2;
      return { customer_id: c['customer_id'], transaction_id: `gmk-${i}`, date: '2026-01-10', amount: amounts[g]! + (i % 3), channel: 'web' };
    });
    expect((await rec.ingest('crm', 'transactions', tx)).accepted).toBe(199);
    const v = await seg.run(await partnerOneToken(gw), { purpose: 'partner_sharing', method: 'kmeans', features: ['monetary'], k: 3, seed: 1 });
    expect(v.result.receipt.min_group_size).toBe(50);
    // the 49 went to the nearest surviving cluster (the 50): shown as 99, beside the 100
    expect(v.result.segments.map((s) => s.size).sort((a, b) => a - b)).toEqual([sizes[0]! + sizes[1]!, sizes[2]!]);
    expect(v.result.receipt.suppressed_segments).toBe(1);
  });
});
