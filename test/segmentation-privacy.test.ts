// What a segmentation result and a member export may reveal: segments under the role's minimum
// group size are never shown (merged into the remainder, or dissolved for k-means), a hidden
// remainder leaves the population at the sum of what is shown and no count beside it gives the
// hidden size away; member lists carry pseudonyms only (partner-scoped for partners), page
// exactly, follow consent at export time and never serve a suppressed segment or another
// caller's run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCOPED_PATTERN } from '../src/pseudonymization/partner-scope.ts';
import { PSEUDONYM_PATTERN } from '../src/pseudonymization/pseudonymizer.ts';
import { partnerScopeOf, Recorder, type Answer } from './helpers/access.ts';
import {
  expectedRules,
  identifierLeaks,
  ingestPopulation,
  SEG_CLOCK,
  SegClient,
  sorted,
  synthPopulation,
  type RuleSpec,
  type RunView,
  type SegResult,
  type Synth,
} from './helpers/segmentation.ts';
import { consentStates } from './helpers/ingest.ts';
import { testGateway, type TestGateway } from './helpers/test-gateway.ts';

const PURPOSE = 'segmentation_analytics';
const PARTNER_KMEANS = { purpose: 'partner_sharing', method: 'kmeans', features: ['channel_preference', 'monetary', 'frequency'], k: 4, seed: 5 };
type Done = RunView & { result: SegResult };

const FARMERS: RuleSpec = { name: 'farmers', where: { csp: { eq: 'agriculteur' } } }; // 7 subjects
const YOUNG_WEB: RuleSpec = { name: 'young web', where: { age: { lte: 30 }, channel_preference: { eq: 'web' } } }; // A, 200

function expectNotFound(a: Answer): void {
  expect(a.status, a.text).toBe(404);
  expect(a.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(a.json.code).toBe('request.not_found');
}

describe('segmentation privacy: suppression, remainder arithmetic, member exports', () => {
  let gw: TestGateway;
  let rec: Recorder;
  let seg: SegClient;
  let marketing: string;
  let partner: string;
  const pop = synthPopulation('priv');
  const sharing = () => pop.filter((s) => s.partnerSharing);
  let internalSet: Set<string>;
  let dissolved: Done;

  beforeAll(async () => {
    gw = await testGateway({ clockStart: SEG_CLOCK });
    rec = new Recorder(gw);
    seg = new SegClient(gw, rec);
    await ingestPopulation(rec, pop);
    marketing = await seg.marketing();
    partner = await seg.partner();
    internalSet = new Set((await gw.db.all<{ pseudonym: string }>('SELECT pseudonym FROM subjects')).map((r) => r.pseudonym));
    expect(internalSet.size).toBe(pop.length);
  });
  afterAll(() => gw?.cleanup());

  /** Runs rules and checks them against the planted data; returns the run and the expectation. */
  async function rules(list: RuleSpec[], extra: Record<string, unknown> = {}, subjects: readonly Synth[] = pop) {
    const v = await seg.run(marketing, { purpose: PURPOSE, method: 'rules', features: [], rules: list, ...extra });
    const want = expectedRules(subjects, list, 10);
    expect(v.result.segments.map((s) => [s.id, s.size])).toEqual([...want.visible].map(([id, m]) => [id, m.length]));
    expect(v.result.population).toBe(want.population);
    expect(v.result.receipt.suppressed_segments).toBe(want.suppressed);
    return { v, want };
  }

  describe('suppression and remainder arithmetic (marketing: minimum 10)', () => {
    let merged: Done;
    let hidden: Done;

    it('a rule segment under 10 is merged into the remainder and counted in the receipt', async () => {
      const { v, want } = await rules([FARMERS, YOUNG_WEB]);
      merged = v;
      expect(want.byRule.get(0)).toHaveLength(7);
      expect(v.result.segments.map((s) => s.id)).toEqual(['rule-2', 'remainder']);
      const rest = v.result.segments.find((s) => s.id === 'remainder')!;
      expect(rest.size).toBe(pop.length - 200); // the 7 farmers are inside, unseen
      expect(v.result.population).toBe(pop.length);
      expect(v.result.receipt.suppressed_segments).toBe(1);
      expect(JSON.stringify(v.result)).not.toContain('farmers');
      const remainderMembers = new Set(await seg.allMembers(marketing, v.id, 'remainder'));
      for (const s of want.byRule.get(0)!) expect(remainderMembers.has(s.pseudonym)).toBe(true);
      expect(v.result.receipt.consent_snapshot['covered_subjects']).toBe(pop.length);
    });

    it('a remainder under 10 is hidden too: the population is the sum of what is shown, and nothing gives the hidden size away', async () => {
      const { v, want } = await rules([
        { name: 'up to forty', where: { age: { lte: 40 } } },
        { name: 'over forty', where: { age: { gte: 41 } } },
        { name: 'buyers without an age', where: { frequency: { gte: 1 } } },
      ]);
      hidden = v;
      expect(want.remainderSize).toBe(6); // N2: no age, no purchase
      expect(v.result.segments.map((s) => [s.id, s.size])).toEqual([
        ['rule-1', 230],
        ['rule-2', 400],
        ['rule-3', 14],
      ]);
      expect(v.result.population).toBe(644);
      expect(v.result.population).not.toBe(pop.length);
      expect(v.result.receipt.suppressed_segments).toBe(1);
      // no count in the receipt is the covered population (650 - 644 would be the hidden 6)
      const snapshot = v.result.receipt.consent_snapshot;
      for (const value of Object.values(snapshot)) expect(value).not.toBe(pop.length);
      expect(snapshot).toMatchObject({ legal_basis: 'legitimate_interest', evaluated_at: new Date(SEG_CLOCK).toISOString() });
      expect(JSON.stringify(v.result)).not.toMatch(/"remainder"|everyone else/);
      // the shares are of what is shown
      expect(v.result.segments.reduce((a, s) => a + s.share, 0)).toBeCloseTo(1, 3);
    });

    it('merged small segments whose remainder stays under 10 are hidden with it, and each is counted', async () => {
      const { v, want } = await rules([
        { name: 'any channel', where: { channel_preference: { in: ['web', 'store', 'phone', 'app'] } } },
        { name: 'buyers without a channel', where: { frequency: { gte: 1 } } },
        { name: 'never bought', where: { frequency: { eq: 0 } } },
      ]);
      expect(want.byRule.get(2)).toHaveLength(6);
      expect(v.result.segments.map((s) => [s.id, s.size])).toEqual([
        ['rule-1', 630],
        ['rule-2', 14],
      ]);
      expect(v.result.receipt.suppressed_segments).toBe(2);
      expect(v.result.population).toBe(644);
    });

    it('several small segments merged into a remainder of 10 or more are shown only inside it', async () => {
      const { v } = await rules([
        { name: 'any channel', where: { channel_preference: { in: ['web', 'store', 'phone', 'app'] } } },
        { name: 'one purchase', where: { frequency: { eq: 1 } } },
        { name: 'several purchases', where: { frequency: { gte: 2 } } },
      ]);
      expect(v.result.segments.map((s) => [s.id, s.size])).toEqual([
        ['rule-1', 630],
        ['remainder', 20],
      ]);
      expect(v.result.receipt.suppressed_segments).toBe(2);
      expect(v.result.population).toBe(pop.length);
    });

    it('a filter that leaves out fewer than 10 subjects does not say how many it left out', async () => {
      const buyers = pop.filter((s) => s.f['recency_days'] !== null);
      const { v } = await rules([YOUNG_WEB], { filters: { recency_days: { gte: 0 } } }, buyers);
      expect(v.result.population).toBe(644);
      for (const value of Object.values(v.result.receipt.consent_snapshot)) expect(value).not.toBe(pop.length);
      // a filter that leaves out 10 or more may say so
      const { v: w } = await rules(
        [YOUNG_WEB],
        { filters: { channel_preference: { in: ['web', 'store'] } } },
        pop.filter((s) => ['web', 'store'].includes(s.f['channel_preference'] as string)),
      );
      expect(w.result.population).toBe(400);
    });

    it('k-means for a partner (minimum 50): the planted group of 30 is dissolved into the nearest cluster', async () => {
      dissolved = await seg.run(partner, PARTNER_KMEANS);
      const r = dissolved.result;
      expect(r.receipt.min_group_size).toBe(50);
      expect(r.receipt.suppressed_segments).toBe(1);
      expect(r.segments).toHaveLength(3);
      expect(r.quality!.k).toBe(4);
      for (const s of r.segments) expect(s.size).toBeGreaterThanOrEqual(50);
      expect(r.population).toBe(sharing().length); // dissolved members are in a visible cluster, not dropped
      const whales = new Set(pop.filter((s) => s.group === 'D').map((s) => partnerScopeOf(gw).toPartner(s.pseudonym, 'partner-one')));
      const homes = new Set<string>();
      for (const s of r.segments) {
        const members = await seg.allMembers(partner, dissolved.id, s.id);
        const inside = members.filter((m) => whales.has(m)).length;
        if (inside > 0) homes.add(s.id);
        expect(inside, `${s.id} is not the tiny group under another name`).toBeLessThan(members.length / 2);
      }
      expect(homes.size).toBe(1);
      // the same data for marketing (minimum 10) shows the group of 30 as its own cluster
      const m = await seg.run(marketing, { ...PARTNER_KMEANS, purpose: PURPOSE });
      expect(m.result.segments).toHaveLength(4);
      expect(m.result.segments.map((s) => s.size)).toContain(30);
    });

    it('a partner run whose whole population is under 50 computes nothing and says only that', async () => {
      const app = { filters: { channel_preference: { eq: 'app' } } }; // D: 30 subjects
      const km = await seg.finish(partner, { ...PARTNER_KMEANS, k: 1, ...app });
      const rl = await seg.finish(partner, {
        purpose: 'partner_sharing',
        method: 'rules',
        rules: [{ name: 'whales', where: { monetary: { gte: 10_000 } } }],
        ...app,
      });
      for (const v of [km, rl]) {
        expect(v.status).toBe('failed');
        expect(v.result).toBeUndefined();
        expect(v.error!.code).toBe('population_too_small');
        expect(v.error!.message).not.toMatch(/\d/);
        expectNotFound(await seg.members(partner, v.id, 'cluster-1'));
        expectNotFound(await seg.members(partner, v.id, 'rule-1'));
        expectNotFound(await seg.members(partner, v.id, 'remainder'));
      }
    });

    it('suppressed, dissolved and hidden segments have no members to export', async () => {
      expectNotFound(await seg.members(marketing, merged.id, 'rule-1'));
      expectNotFound(await seg.members(marketing, merged.id, 'rule-1', {}, true));
      expectNotFound(await seg.members(marketing, hidden.id, 'remainder'));
      expectNotFound(await seg.members(partner, dissolved.id, 'cluster-4'));
      expectNotFound(await seg.members(marketing, merged.id, 'no-such-segment'));
      expectNotFound(await seg.members(marketing, 'seg_00000000-0000-0000-0000-000000000000', 'rule-1'));
      // and the 404 of a suppressed segment is the 404 of one that never existed
      const a = await seg.members(marketing, merged.id, 'rule-1');
      const b = await seg.members(marketing, merged.id, 'rule-9');
      const strip = (x: Answer) => {
        const { request_id: _r, ...rest } = x.json;
        return rest;
      };
      expect(strip(a)).toEqual(strip(b));
    });
  });

  describe('member exports', () => {
    let young: Done;
    let shared: Done;
    beforeAll(async () => {
      young = await seg.run(marketing, { purpose: PURPOSE, method: 'rules', features: [], rules: [YOUNG_WEB] });
      shared = await seg.run(partner, {
        purpose: 'partner_sharing',
        method: 'rules',
        features: [],
        rules: [{ name: 'web', where: { channel_preference: { eq: 'web' } } }],
      });
    });

    it('marketing gets the internal p1_ pseudonyms of the subjects table', async () => {
      const members = await seg.allMembers(marketing, young.id, 'rule-1');
      expect(members).toHaveLength(200);
      for (const m of members) {
        expect(m).toMatch(PSEUDONYM_PATTERN);
        expect(m.startsWith('p1_')).toBe(true);
        expect(internalSet.has(m)).toBe(true);
      }
      expect(sorted(members)).toEqual(sorted(pop.filter((s) => s.group === 'A').map((s) => s.pseudonym)));
    });

    it('a partner gets partner-scoped s1_ pseudonyms only, of subjects who consented to partner_sharing', async () => {
      const scope = partnerScopeOf(gw);
      const suffixes = new Set([...internalSet].map((p) => p.slice(3)));
      // the consent state, through the consent port
      const consented = new Set([...(await consentStates(gw))].filter(([, st]) => st.get('partner_sharing')?.status === 'granted').map(([p]) => p));
      expect(consented.size).toBeGreaterThan(0);
      for (const run of [shared, dissolved]) {
        const all: string[] = [];
        for (const s of run.result.segments) all.push(...(await seg.allMembers(partner, run.id, s.id)));
        expect(all.length).toBe(run.result.population);
        for (const m of all) {
          expect(m).toMatch(SCOPED_PATTERN);
          expect(m.startsWith('s1_')).toBe(true);
          expect(internalSet.has(m)).toBe(false);
          expect(suffixes.has(m.slice(3))).toBe(false);
          const internal = scope.fromPartner(m, 'partner-one')!;
          expect(internalSet.has(internal)).toBe(true);
          expect(consented.has(internal)).toBe(true);
        }
      }
      const web = await seg.allMembers(partner, shared.id, 'rule-1');
      expect(sorted(web)).toEqual(
        sorted(
          sharing()
            .filter((s) => s.group === 'A')
            .map((s) => scope.toPartner(s.pseudonym, 'partner-one')),
        ),
      );
      expect(web).toHaveLength(180); // every 10th of A refused partner_sharing
    });

    it('paging with a cursor returns every member exactly once', async () => {
      const whole = await seg.allMembers(marketing, young.id, 'rule-1', 10_000);
      const pages: string[][] = [];
      let cursor: string | undefined;
      for (;;) {
        const a = await seg.members(marketing, young.id, 'rule-1', { limit: 37, ...(cursor !== undefined && { cursor }) });
        expect(a.status, a.text).toBe(200);
        expect(a.headers.get('content-type')).toMatch(/^application\/json/);
        pages.push(a.json.members);
        if (a.json.next_cursor === null) break;
        expect(typeof a.json.next_cursor).toBe('string');
        cursor = a.json.next_cursor;
      }
      const flat = pages.flat();
      expect(flat).toHaveLength(200);
      expect(new Set(flat).size).toBe(200);
      expect(flat).toEqual(whole);
      for (const p of pages.slice(0, -1)) expect(p).toHaveLength(37);
      expect(pages.length).toBeGreaterThanOrEqual(Math.ceil(200 / 37));
      // a cursor the API did not issue is refused
      const bad = await seg.members(marketing, young.id, 'rule-1', { cursor: 'abc' });
      expect(bad.status, bad.text).toBe(422);
    });

    it('CSV export: a header, then one pseudonym per line, the whole segment', async () => {
      const a = await seg.members(marketing, young.id, 'rule-1', { limit: 1000 }, true);
      expect(a.status, a.text).toBe(200);
      expect(a.headers.get('content-type')).toMatch(/^text\/csv/);
      const lines = a.text.split(/\r?\n/);
      expect(lines.pop()).toBe('');
      expect(lines[0]).toBe('pseudonym');
      const rows = lines.slice(1);
      expect(rows).toHaveLength(200);
      for (const r of rows) expect(r).toMatch(PSEUDONYM_PATTERN);
      expect(rows).toEqual(await seg.allMembers(marketing, young.id, 'rule-1'));
      // the CSV is the whole segment, streamed: a limit or cursor does not page it
      const limited = await seg.members(marketing, young.id, 'rule-1', { limit: 150 }, true);
      expect(limited.headers.get('x-next-cursor')).toBeNull();
      expect(limited.text.trim().split(/\r?\n/).slice(1)).toEqual(rows);
      // partner CSV: s1_ values
      const p = await seg.members(partner, shared.id, 'rule-1', {}, true);
      expect(p.status).toBe(200);
      const prow = p.text.trim().split(/\r?\n/);
      expect(prow[0]).toBe('pseudonym');
      for (const r of prow.slice(1)) expect(r).toMatch(SCOPED_PATTERN);
    });

    it("another caller's run is not found: runs, results and members", async () => {
      const bob = await seg.marketing('bob');
      for (const token of [bob, partner]) {
        expectNotFound(await rec.get(`/v1/segmentations/${young.id}`, token));
        expectNotFound(await seg.members(token, young.id, 'rule-1'));
        const list = await rec.get('/v1/segmentations', token);
        expect(list.status).toBe(200);
        expect(list.json.runs.map((r: { id: string }) => r.id)).not.toContain(young.id);
      }
      expectNotFound(await rec.get(`/v1/segmentations/${shared.id}`, marketing));
      expectNotFound(await seg.members(marketing, shared.id, 'rule-1'));
    });

    it('a withdrawal after the run takes the subject out of later exports and of the next run', async () => {
      const scope = partnerScopeOf(gw);
      const before = await seg.allMembers(partner, shared.id, 'rule-1');
      const leaving = sharing()
        .filter((s) => s.group === 'A')
        .slice(0, 2);
      const dpo = await gw.mint(['dpo'], { sub: 'dpo-officer' });
      gw.advance(60_000);
      for (const s of leaving) {
        const a = await rec.postJson(`/v1/subjects/${s.pseudonym}/consents`, dpo, { purpose: 'partner_sharing', status: 'withdrawn' });
        expect(a.status, a.text).toBe(201);
      }
      const gone = leaving.map((s) => scope.toPartner(s.pseudonym, 'partner-one'));
      const after = await seg.allMembers(partner, shared.id, 'rule-1');
      expect(sorted(after)).toEqual(sorted(before.filter((m) => !gone.includes(m))));
      expect(after).toHaveLength(178);
      // the next partner run's population is smaller by exactly the withdrawn subjects
      gw.advance(60_000);
      const next = await seg.run(partner, {
        purpose: 'partner_sharing',
        method: 'rules',
        features: [],
        rules: [{ name: 'web', where: { channel_preference: { eq: 'web' } } }],
      });
      expect(next.result.population).toBe(shared.result.population - 2);
      expect(next.result.receipt.consent_snapshot['covered_subjects']).toBe(sharing().length - 2);
      const nextMembers = await seg.allMembers(partner, next.id, 'rule-1');
      expect(sorted(nextMembers)).toEqual(sorted(after));
      // marketing's own purpose does not rest on partner_sharing: its export is unchanged
      expect(await seg.allMembers(marketing, young.id, 'rule-1')).toHaveLength(200);
    });

    it('no raw identifier ingested appears in any answer or export', () => {
      expect(rec.answers.length).toBeGreaterThan(50);
      expect(identifierLeaks(rec.answers, pop)).toEqual([]);
    });
  });
});
