// The four segmentation methods on a planted population whose structure is known here: k-means
// recovers the planted groups, rule segments are exact (first match wins, `any` ORs, missing
// values never match), tree leaves are described by rules that reproduce them, RFM names the
// classic segments. Same seed, same result; an objection changes the next run's population by
// exactly the objecting subjects.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Recorder } from './helpers/access.ts';
import {
  expectedRules,
  groupsOf,
  identifierLeaks,
  ingestPopulation,
  quantile,
  SEG_CLOCK,
  SegClient,
  sorted,
  synthPopulation,
  treeRuleHolds,
  type Group,
  type RuleSpec,
  type SegResult,
  type Synth,
} from './helpers/segmentation.ts';
import { testGateway, type TestGateway } from './helpers/test-gateway.ts';

const MIN = 10; // marketing's min_group_size in policies/privileges.yaml
const PURPOSE = 'segmentation_analytics';
const KMEANS = { purpose: PURPOSE, method: 'kmeans', features: ['age', 'channel_preference', 'monetary', 'frequency'], k: 4, seed: 3 };

/** First match wins (B is "store", so rule 3 only gets C); rule 2 combines where AND any. */
const RULES_MAIN: RuleSpec[] = [
  { name: 'young web', where: { age: { lte: 30 }, channel_preference: { eq: 'web' } } },
  { name: 'store or whales', where: { frequency: { gte: 1 } }, any: [{ channel_preference: { eq: 'store' } }, { monetary: { gte: 10_000 } }] },
  { name: 'over forty', where: { age: { gte: 40 } } },
];

/** Missing values never match: N has no channel, no age; N2 has no purchase (no recency, no basket). */
const RULES_MISSING: RuleSpec[] = [
  { name: 'any channel', where: { channel_preference: { in: ['web', 'store', 'phone', 'app'] } } },
  { name: 'has a recency', where: { recency_days: { between: [0, 100_000] } } },
  { name: 'has an age', where: { age: { gte: 0 } } },
  { name: 'has a basket', where: { avg_basket: { lte: 1_000_000 } } },
];

/** eq on a number, in on categories, where AND any with two ORed conditions. */
const RULES_COMBO: RuleSpec[] = [
  { name: 'twenty purchases', where: { frequency: { eq: 20 } } },
  { name: 'women on web or phone', where: { gender: { eq: 'f' } }, any: [{ channel_preference: { eq: 'web' } }, { channel_preference: { eq: 'phone' } }] },
  { name: 'farmers and executives', where: { csp: { in: ['agriculteur', 'cadre'] } } },
];

const RFM_SEGMENTS = [
  'champions',
  'loyal customers',
  'potential loyalists',
  'new customers',
  'promising',
  'need attention',
  'about to sleep',
  'cannot lose them',
  'at risk',
  'hibernating',
  'lost',
];

describe('segmentation methods on planted data', () => {
  let gw: TestGateway;
  let rec: Recorder;
  let seg: SegClient;
  let token: string;
  const pop = synthPopulation('meth');
  const byGroup = (g: Group) => pop.filter((s) => s.group === g);

  beforeAll(async () => {
    gw = await testGateway({ clockStart: SEG_CLOCK });
    rec = new Recorder(gw);
    seg = new SegClient(gw, rec);
    await ingestPopulation(rec, pop);
    token = await seg.marketing();
  });
  afterAll(() => gw?.cleanup());

  /** Asserts a rules result against the planted data: every size, every member, the remainder. */
  async function expectRules(id: string, result: SegResult, rules: RuleSpec[], subjects: readonly Synth[]) {
    const want = expectedRules(subjects, rules, MIN);
    expect(result.segments.map((s) => s.id)).toEqual([...want.visible.keys()]);
    for (const [segId, members] of want.visible) {
      const s = result.segments.find((x) => x.id === segId)!;
      expect(s.size, segId).toBe(members.length);
      if (segId !== 'remainder') expect(s.label).toBe(rules[Number(segId.slice(5)) - 1]!.name);
      expect(sorted(await seg.allMembers(token, id, segId)), `members of ${segId}`).toEqual(sorted(members.map((m) => m.pseudonym)));
    }
    expect(result.population).toBe(want.population);
    expect(result.receipt.suppressed_segments).toBe(want.suppressed);
    return want;
  }

  describe('kmeans', () => {
    let run: Awaited<ReturnType<SegClient['run']>>;
    beforeAll(async () => {
      run = await seg.run(token, KMEANS);
    });

    it('each planted group lands in one cluster (>= 95% of its members), a different one per group', async () => {
      const r = run.result;
      expect(r.population).toBe(pop.length);
      expect(r.segments).toHaveLength(4);
      const clusterOf = new Map<string, string>();
      for (const s of r.segments) for (const p of await seg.allMembers(token, run.id, s.id)) clusterOf.set(p, s.id);
      expect(clusterOf.size).toBe(pop.length);
      const home = new Map<Group, string>();
      for (const g of ['A', 'B', 'C', 'D'] as Group[]) {
        const counts = new Map<string, number>();
        for (const s of byGroup(g)) counts.set(clusterOf.get(s.pseudonym)!, (counts.get(clusterOf.get(s.pseudonym)!) ?? 0) + 1);
        const [cluster, n] = [...counts].sort((a, b) => b[1] - a[1])[0]!;
        expect(n / byGroup(g).length, `group ${g}: ${JSON.stringify([...counts])}`).toBeGreaterThanOrEqual(0.95);
        home.set(g, cluster);
      }
      expect(new Set(home.values()).size).toBe(4);
    });

    it('reports quality, profiles (numeric quartiles and index, categorical shares) and distinguishing features', () => {
      const r = run.result;
      expect(r.quality).toMatchObject({ k: 4 });
      expect(r.quality!.inertia).toBeGreaterThan(0);
      expect(r.quality!.iterations).toBeGreaterThanOrEqual(1);
      expect(r.quality!.silhouette).toBeGreaterThan(0.5);
      expect(r.quality!.silhouette).toBeLessThanOrEqual(1);
      expect(r.receipt).toMatchObject({ purpose: PURPOSE, min_group_size: MIN, suppressed_segments: 0, features_used: KMEANS.features });
      expect(r.receipt.policy_version).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(r.receipt.consent_snapshot).toMatchObject({
        legal_basis: 'legitimate_interest',
        evaluated_at: new Date(SEG_CLOCK).toISOString(),
        covered_subjects: pop.length,
      });
      for (const s of r.segments) {
        for (const f of ['age', 'monetary', 'frequency']) {
          const p = s.profile[f];
          expect(Object.keys(p).sort()).toEqual(expect.arrayContaining(['mean', 'median', 'q1', 'q3', 'index']));
          expect(p.q1).toBeLessThanOrEqual(p.median);
          expect(p.median).toBeLessThanOrEqual(p.q3);
        }
        const shares = s.profile['channel_preference'].shares as Record<string, number>;
        const total = Object.values(shares).reduce((a, b) => a + b, 0) + s.profile['channel_preference'].missing_share;
        expect(total).toBeCloseTo(1, 3);
        expect(s.top_features.length).toBeGreaterThan(0);
        expect(s.top_features.length).toBeLessThanOrEqual(3);
      }
      // the senior cluster reads as older, phone
      const senior = r.segments.find((s) => s.profile['channel_preference'].shares['phone'] === 1)!;
      expect(senior.profile['age'].index).toBeGreaterThan(140);
      expect(senior.label).toMatch(/older/);
      expect(senior.label).toMatch(/phone/);
    });

    it('the same seed gives an identical result: segments, sizes, members, inertia', async () => {
      const again = await seg.run(token, KMEANS);
      expect(again.id).not.toBe(run.id);
      // `timings` is how long each phase took (wall clock): everything else must be identical.
      const { timings: _a, ...first } = run.result as typeof run.result & { timings?: unknown };
      const { timings: _b, ...second } = again.result as typeof again.result & { timings?: unknown };
      expect(second).toEqual(first);
      for (const s of run.result.segments) {
        expect(await seg.allMembers(token, again.id, s.id)).toEqual(await seg.allMembers(token, run.id, s.id));
      }
    });

    it('k_range chooses k by silhouette', async () => {
      const v = await seg.run(token, { ...KMEANS, k: undefined, k_range: [2, 6] });
      const q = v.result.quality!;
      expect(Object.keys(q.silhouette_by_k!).sort()).toEqual(['2', '3', '4', '5', '6']);
      const best = Object.entries(q.silhouette_by_k!).sort((a, b) => b[1] - a[1])[0]!;
      expect(q.k).toBe(Number(best[0]));
      expect(q.k).toBeGreaterThanOrEqual(4); // the four planted groups are better than any coarser cut
      expect(v.result.segments.length).toBe(q.k);
      expect(v.result.population).toBe(pop.length);
    });
  });

  describe('rules', () => {
    it('segments are exact: sizes and members as computed from the data, first match wins, where AND any', async () => {
      const v = await seg.run(token, { purpose: PURPOSE, method: 'rules', features: [], rules: RULES_MAIN });
      const want = await expectRules(v.id, v.result, RULES_MAIN, pop);
      // first match wins: B (store, over forty) is counted in rule 2 only, rule 3 holds C alone
      expect(want.byRule.get(1)!.length).toBe(230);
      expect(
        groupsOf(
          pop,
          want.byRule.get(2)!.map((s) => s.pseudonym),
        ),
      ).toEqual({ C: 200 });
      expect(v.result.segments.map((s) => s.size)).toEqual([200, 230, 200, 20]);
      expect(v.result.segments.map((s) => s.rule)).toEqual([
        'age <= 30 AND channel_preference = web',
        'frequency >= 1 AND ((channel_preference = store) OR (monetary >= 10000))',
        'age >= 40',
        undefined,
      ]);
      // the receipt names every feature the rules read, though `features` was empty
      expect(sorted(v.result.receipt.features_used)).toEqual(['age', 'channel_preference', 'frequency', 'monetary']);
    });

    it('any ORs its conditions; eq matches numbers, in matches categories', async () => {
      const v = await seg.run(token, { purpose: PURPOSE, method: 'rules', features: ['gender'], rules: RULES_COMBO });
      const want = await expectRules(v.id, v.result, RULES_COMBO, pop);
      expect(want.byRule.get(0)!.length).toBe(30);
      expect(
        groupsOf(
          pop,
          want.byRule.get(1)!.map((s) => s.pseudonym),
        ),
      ).toEqual({ A: 100, C: 100 });
      expect(want.byRule.get(2)!.length).toBe(200);
    });

    it('a missing value matches no condition (in, between, gte, lte)', async () => {
      const v = await seg.run(token, { purpose: PURPOSE, method: 'rules', features: [], rules: RULES_MISSING });
      const want = await expectRules(v.id, v.result, RULES_MISSING, pop);
      expect(want.byRule.get(0)!.length).toBe(630); // N has no channel preference
      expect(
        groupsOf(
          pop,
          want.byRule.get(1)!.map((s) => s.pseudonym),
        ),
      ).toEqual({ N1: 6, N3: 8 }); // N2 has no recency
      expect(want.byRule.get(2)).toBeUndefined(); // nobody left has an age
      expect(want.byRule.get(3)).toBeUndefined(); // N2 has no basket
      // what is left is N2 (6 < 10): hidden, and the population is what is shown
      expect(want.remainderSize).toBe(6);
      expect(v.result.segments.map((s) => [s.id, s.size])).toEqual([
        ['rule-1', 630],
        ['rule-2', 14],
      ]);
      expect(v.result.population).toBe(644);
      // rules 3 and 4 (empty) and the remainder (6): every group under the minimum counts
      expect(v.result.receipt.suppressed_segments).toBe(3);
    });

    it('profiles: mean, median, q1, q3 and index against the population, from the data', async () => {
      const v = await seg.run(token, { purpose: PURPOSE, method: 'rules', features: ['age', 'channel_preference'], rules: RULES_MAIN });
      const young = v.result.segments.find((s) => s.id === 'rule-1')!;
      const ages = byGroup('A')
        .map((s) => s.f['age'] as number)
        .sort((a, b) => a - b);
      const mean = ages.reduce((a, b) => a + b, 0) / ages.length;
      const all = pop.map((s) => s.f['age']).filter((a): a is number => a !== null);
      const popMean = all.reduce((a, b) => a + b, 0) / all.length;
      expect(young.profile['age'].mean).toBeCloseTo(mean, 2);
      expect(young.profile['age'].median).toBeCloseTo(quantile(ages, 0.5), 2);
      expect(young.profile['age'].q1).toBeCloseTo(quantile(ages, 0.25), 2);
      expect(young.profile['age'].q3).toBeCloseTo(quantile(ages, 0.75), 2);
      expect(young.profile['age'].index).toBe(Math.round((mean / popMean) * 100));
      expect(young.profile['channel_preference'].shares).toEqual({ web: 1 });
      const rest = v.result.segments.find((s) => s.id === 'remainder')!;
      expect(rest.profile['age'].mean).toBeNull(); // N has no age at all
      expect(rest.profile['age'].missing_share).toBe(1);
      expect(young.top_features.map((t) => t.feature)).toContain('age');
    });
  });

  describe('tree', () => {
    it('leaves carry rule paths that, applied to the data, reproduce each leaf exactly', async () => {
      const features = ['age', 'channel_preference', 'frequency'];
      const v = await seg.run(token, { purpose: PURPOSE, method: 'tree', target: 'monetary', features, max_depth: 3 });
      const r = v.result;
      const leaves = r.segments.filter((s) => s.id !== 'remainder');
      expect(leaves.length).toBeGreaterThanOrEqual(3);
      const claimed = new Map<string, string>();
      for (const leaf of leaves) {
        expect(leaf.id).toMatch(/^leaf-\d+$/);
        expect(typeof leaf.rule).toBe('string');
        const matching = pop.filter((s) => treeRuleHolds(leaf.rule!, s));
        expect(matching.length, `${leaf.id}: ${leaf.rule}`).toBe(leaf.size);
        expect(sorted(await seg.allMembers(token, v.id, leaf.id))).toEqual(sorted(matching.map((s) => s.pseudonym)));
        for (const s of matching) {
          expect(claimed.get(s.pseudonym), `${s.pseudonym} in ${leaf.id} and ${claimed.get(s.pseudonym)}`).toBeUndefined();
          claimed.set(s.pseudonym, leaf.id);
        }
      }
      // what no visible leaf claims is the remainder: shown when >= 10, else hidden and left out
      const unclaimed = pop.filter((s) => !claimed.has(s.pseudonym));
      const remainder = r.segments.find((s) => s.id === 'remainder');
      if (unclaimed.length >= MIN) {
        expect(remainder?.size).toBe(unclaimed.length);
        expect(sorted(await seg.allMembers(token, v.id, 'remainder'))).toEqual(sorted(unclaimed.map((s) => s.pseudonym)));
      } else {
        expect(remainder).toBeUndefined();
        expect(r.population).toBe(pop.length - unclaimed.length);
      }
      // the tree splits where the target differs: the app whales (D) sit in their own leaves
      const whales = leaves.filter((l) => /channel_preference = app|frequency >= /.test(l.rule!));
      expect(whales.length).toBeGreaterThan(0);
      expect(sorted(r.receipt.features_used)).toEqual(sorted([...features, 'monetary']));
    });
  });

  describe('rfm', () => {
    it('segments carry classic names, add up to the population, and champions / lost are where the data puts them', async () => {
      const v = await seg.run(token, { purpose: 'profitability_analysis', method: 'rfm', features: [] });
      const r = v.result;
      for (const s of r.segments) expect([...RFM_SEGMENTS, 'other customers'], s.label).toContain(s.label);
      expect(r.segments.filter((s) => RFM_SEGMENTS.includes(s.label)).length).toBeGreaterThanOrEqual(4);
      expect(r.segments.reduce((a, s) => a + s.size, 0)).toBe(r.population);
      expect(r.population).toBeLessThanOrEqual(pop.length);
      expect(pop.length - r.population === 0 || pop.length - r.population < MIN).toBe(true);
      const champions = r.segments.find((s) => s.label === 'champions')!;
      const lost = r.segments.find((s) => s.label === 'lost')!;
      const champ = new Set(await seg.allMembers(token, v.id, champions.id));
      for (const s of byGroup('D')) expect(champ.has(s.pseudonym)).toBe(true);
      const lostSet = new Set(await seg.allMembers(token, v.id, lost.id));
      for (const s of pop.filter((x) => x.group.startsWith('N'))) expect(lostSet.has(s.pseudonym), s.group).toBe(true);
      expect(champions.profile['monetary'].index).toBeGreaterThan(100);
      expect(champions.profile['recency_days'].index).toBeLessThan(100);
      expect(lost.profile['recency_days'].index).toBeGreaterThan(100);
      expect(champions.rule).toBe('R 4-5, F 4-5, M 4-5');
      expect(r.receipt.purpose).toBe('profitability_analysis');
      expect(sorted(r.receipt.features_used)).toEqual(['frequency', 'monetary', 'recency_days']);
    });
  });

  describe('consent at run time', () => {
    it('an objection (legitimate interest) removes exactly the objecting subjects from the next run and from later exports', async () => {
      const before = await seg.run(token, { purpose: PURPOSE, method: 'rules', features: [], rules: RULES_MAIN });
      const objecting = byGroup('A').slice(0, 3);
      const dpo = await gw.mint(['dpo'], { sub: 'dpo-officer' });
      gw.advance(60_000);
      for (const s of objecting) {
        const a = await rec.postJson(`/v1/subjects/${s.pseudonym}/consents`, dpo, { purpose: PURPOSE, status: 'denied', legal_basis: 'legitimate_interest' });
        expect(a.status, a.text).toBe(201);
      }
      gw.advance(60_000);
      const after = await seg.run(token, { purpose: PURPOSE, method: 'rules', features: [], rules: RULES_MAIN });
      expect(after.result.population).toBe(before.result.population - 3);
      expect(after.result.receipt.consent_snapshot['covered_subjects']).toBe(pop.length - 3);
      const gone = new Set(objecting.map((s) => s.pseudonym));
      await expectRules(
        after.id,
        after.result,
        RULES_MAIN,
        pop.filter((s) => !gone.has(s.pseudonym)),
      );
      expect(after.result.receipt.consent_snapshot['population_digest']).not.toBe(before.result.receipt.consent_snapshot['population_digest']);
      // the earlier run's export no longer lists them either
      const old = await seg.allMembers(token, before.id, 'rule-1');
      expect(old).toHaveLength(197);
      for (const p of gone) expect(old).not.toContain(p);
    });

    it('no raw identifier ingested appears in any answer', () => {
      expect(identifierLeaks(rec.answers, pop)).toEqual([]);
    });
  });
});
