// Segmentation requests and jobs: what is refused before a run is queued (forbidden features and
// purposes 403, invalid requests 422), how jobs report progress and failures (a reason the caller
// can act on, never an internal detail), whose runs a caller sees, and the export right.
import fs from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Recorder, type Answer } from './helpers/access.ts';
import { expectNoStack } from './helpers/problem.ts';
import { identifierLeaks, ingestPopulation, SEG_CLOCK, SegClient, synthPopulation, type RunView } from './helpers/segmentation.ts';
import { testGateway, type TestGateway } from './helpers/test-gateway.ts';

const PURPOSE = 'segmentation_analytics';
const PARTNER_FEATURES = ['age_band', 'area', 'gender', 'csp', 'channel_preference', 'recency_days', 'frequency', 'monetary'];
const ALL_FEATURES = [
  'age',
  'age_band',
  'area',
  'gender',
  'csp',
  'income',
  'channel_preference',
  'tenure_days',
  'recency_days',
  'frequency',
  'monetary',
  'avg_basket',
  'share_web',
  'share_store',
  'share_phone',
  'share_app',
];
/** Words that would betray internals in an error a caller reads. */
const INTERNALS =
  /select |insert |update |delete |segment_member|segmentation_runs|subject_features|subject_links|consent_state|consent_records|subjects\.|sqlite|postgres|no such table|relation "|violates|constraint|Error:|\.ts\b|node_modules|RangeError|TypeError/i;

function expectProblem(a: Answer, status: number, code: string): void {
  expect(a.status, a.text).toBe(status);
  expect(a.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(a.json.code).toBe(code);
  expect(a.json.status).toBe(status);
  expectNoStack(a.text);
}

const runCount = (gw: TestGateway): Promise<number> => gw.db.count('segmentation_runs');

describe('segmentation requests and jobs', () => {
  let gw: TestGateway;
  let rec: Recorder;
  let seg: SegClient;
  let marketing: string;
  let partner: string;
  const pop = synthPopulation('reqs');

  beforeAll(async () => {
    gw = await testGateway({
      clockStart: SEG_CLOCK,
      // this gateway's marketing role has no export right (partner keeps its own)
      prepare: ({ policiesDir }) => {
        const file = path.join(policiesDir, 'privileges.yaml');
        const doc = parse(fs.readFileSync(file, 'utf8')) as { privileges: Record<string, Record<string, unknown>> };
        doc.privileges['marketing']!['export_members'] = false;
        fs.writeFileSync(file, stringify(doc));
      },
    });
    rec = new Recorder(gw);
    seg = new SegClient(gw, rec);
    await ingestPopulation(rec, pop);
    marketing = await seg.marketing();
    partner = await seg.partner();
  });
  afterAll(() => gw?.cleanup());

  describe('refused before a run is queued', () => {
    let before: number;
    beforeAll(async () => {
      before = await runCount(gw);
    });

    const forbidden = async (token: string, body: Record<string, unknown>, feature: string) => {
      const a = await seg.submit(token, body);
      expectProblem(a, 403, 'auth.forbidden');
      expect(a.json.detail).toContain(feature);
    };

    it('marketing may not use income under segmentation_analytics, wherever it is named (403 naming it)', async () => {
      await forbidden(marketing, { purpose: PURPOSE, method: 'kmeans', features: ['age', 'income'], k: 3 }, 'income');
      await forbidden(marketing, { purpose: PURPOSE, method: 'rules', rules: [{ name: 'rich', where: { income: { gte: 50_000 } } }] }, 'income');
      await forbidden(marketing, { purpose: PURPOSE, method: 'rules', rules: [{ name: 'r', any: [{ age: { lte: 30 } }, { income: { gte: 1 } }] }] }, 'income');
      await forbidden(
        marketing,
        { purpose: PURPOSE, method: 'rules', rules: [{ name: 'all', where: { age: { gte: 0 } } }], filters: { income: { gte: 1 } } },
        'income',
      );
      await forbidden(marketing, { purpose: PURPOSE, method: 'tree', features: ['age'], target: 'income' }, 'income');
    });

    it('a partner may use only the partner list: any other feature is refused by name', async () => {
      const outside = ALL_FEATURES.filter((f) => !PARTNER_FEATURES.includes(f));
      expect(outside).toEqual(['age', 'income', 'tenure_days', 'avg_basket', 'share_web', 'share_store', 'share_phone', 'share_app']);
      for (const f of outside) {
        await forbidden(partner, { purpose: 'partner_sharing', method: 'kmeans', features: ['monetary', f], k: 3 }, f);
      }
      await forbidden(partner, { purpose: 'partner_sharing', method: 'rules', rules: [{ name: 'young', where: { age: { lte: 30 } } }] }, 'age');
    });

    it('unknown features are invalid (422), in features, rules, filters and target', async () => {
      for (const body of [
        { purpose: PURPOSE, method: 'kmeans', features: ['shoe_size'], k: 3 },
        { purpose: PURPOSE, method: 'rules', rules: [{ name: 'x', where: { shoe_size: { gte: 40 } } }] },
        { purpose: PURPOSE, method: 'rules', rules: [{ name: 'x', where: { age: { gte: 1 } } }], filters: { shoe_size: { eq: 1 } } },
        { purpose: PURPOSE, method: 'tree', features: ['age'], target: 'shoe_size' },
      ]) {
        const a = await seg.submit(marketing, body);
        expectProblem(a, 422, 'request.validation_failed');
        expect(Array.isArray(a.json.errors)).toBe(true);
      }
    });

    it('a method without what it needs is invalid (422): rules, target, k, features', async () => {
      const cases: [Record<string, unknown>, string][] = [
        [{ purpose: PURPOSE, method: 'rules', features: ['age'] }, 'rules'],
        [{ purpose: PURPOSE, method: 'rules', rules: [] }, 'rules'],
        [{ purpose: PURPOSE, method: 'rules', rules: [{ name: 'empty' }] }, 'rules'],
        [{ purpose: PURPOSE, method: 'rules', rules: [{ name: 'bad', where: { age: {} } }] }, 'rules'],
        [{ purpose: PURPOSE, method: 'tree', features: ['age'] }, 'target'],
        [{ purpose: PURPOSE, method: 'tree', features: ['age'], target: 'channel_preference' }, 'target'],
        [{ purpose: PURPOSE, method: 'kmeans', features: ['age'] }, 'k'],
        [{ purpose: PURPOSE, method: 'kmeans', features: [], k: 3 }, 'features'],
        [{ purpose: PURPOSE, method: 'kmeans', features: ['age'], k: 0 }, 'k'],
        [{ purpose: PURPOSE, method: 'kmeans', features: ['age'], k_range: [5, 3] }, 'k_range'],
        [{ purpose: PURPOSE, method: 'segments-by-magic', features: ['age'] }, 'method'],
        [{ purpose: PURPOSE, method: 'kmeans', features: ['age'], k: 3, sql: 'SELECT 1' }, 'sql'],
      ];
      for (const [body, field] of cases) {
        const a = await seg.submit(marketing, body);
        expectProblem(a, 422, 'request.validation_failed');
        expect(JSON.stringify(a.json.errors ?? []) + a.json.detail, JSON.stringify(body)).toContain(field);
      }
    });

    it('k larger than the covered population is invalid (422)', async () => {
      // only D and N (50 subjects) granted marketing_email
      const a = await seg.submit(marketing, { purpose: 'marketing_email', method: 'kmeans', features: ['age'], k: 51 });
      expectProblem(a, 422, 'request.validation_failed');
      expect(JSON.stringify(a.json.errors)).toContain('"k"');
      expect(JSON.stringify([a.json.detail, a.json.errors])).not.toMatch(/\b50\b/); // the covered count is not told
    });

    it('an unknown purpose is invalid (422); a purpose the role may not invoke is forbidden (403)', async () => {
      expectProblem(await seg.submit(marketing, { purpose: 'world_domination', method: 'rfm' }), 422, 'request.validation_failed');
      expectProblem(await seg.submit(partner, { purpose: 'no_such_purpose', method: 'rfm' }), 422, 'request.validation_failed');
      for (const [token, purpose] of [
        [marketing, 'partner_sharing'],
        [marketing, 'customer_service'],
        [partner, PURPOSE],
        [partner, 'profitability_analysis'],
      ] as const) {
        const a = await seg.submit(token, { purpose, method: 'rfm' });
        expectProblem(a, 403, 'auth.forbidden');
        expect(a.json.detail).toContain(purpose);
      }
    });

    it('roles without the operation are refused; no token is 401', async () => {
      for (const role of ['dpo', 'ingest', 'admin']) {
        expectProblem(await seg.submit(await gw.mint([role]), { purpose: PURPOSE, method: 'rfm' }), 403, 'auth.forbidden');
      }
      const a = await rec.send('/v1/segmentations', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ purpose: PURPOSE, method: 'rfm' }),
      });
      expect(a.status).toBe(401);
      expect(a.headers.get('www-authenticate')).toMatch(/^Bearer/);
    });

    it('none of the refused requests created a run', async () => {
      expect(await runCount(gw)).toBe(before);
    });

    it('allowed requests are accepted: income under profitability_analysis for marketing, the partner list for a partner', async () => {
      const a = await seg.finish(marketing, { purpose: 'profitability_analysis', method: 'kmeans', features: ['income', 'age'], k: 3, seed: 1 });
      expect(a.status).toBe('succeeded');
      expect(a.result!.receipt.features_used).toEqual(['income', 'age']);
      const b = await seg.finish(partner, { purpose: 'partner_sharing', method: 'rfm', features: ['age_band', 'area'] });
      expect(b.status).toBe('succeeded');
    });
  });

  describe('jobs', () => {
    it('a job is queued (202, Location), reports progress from 0 to 1, and the API answers while it runs', async () => {
      await gw.jobs.idle();
      // each progress the job reports, seen through the API as soon as it is stored (no polling)
      const seen: { status: string; progress: number }[] = [];
      const answered: number[] = [];
      const reported: number[] = [];
      let id = '';
      let reads = Promise.resolve();
      gw.jobs.onProgress = (runId, p) => {
        if (runId !== id) return;
        reported.push(p);
        reads = reads.then(async () => {
          const v = await seg.get(marketing, id);
          seen.push({ status: v.status, progress: v.progress });
          answered.push((await rec.get('/v1/segmentations', marketing)).status);
        });
      };
      try {
        const a = await seg.submit(marketing, {
          purpose: PURPOSE,
          method: 'kmeans',
          features: ['age', 'channel_preference', 'monetary'],
          k_range: [2, 6],
          seed: 2,
        });
        expect(a.status, a.text).toBe(202);
        expect(a.json).toEqual({ id: expect.stringMatching(/^seg_/), status: 'queued' });
        expect(a.headers.get('location')).toBe(`/v1/segmentations/${a.json.id}`);
        id = a.json.id as string;
        const first = await seg.get(marketing, id);
        seen.unshift({ status: first.status, progress: first.progress });
        await gw.jobs.idle();
        await reads;
        const last = await seg.get(marketing, id);
        seen.push({ status: last.status, progress: last.progress });
      } finally {
        gw.jobs.onProgress = undefined;
      }
      expect(seen[0]!.progress).toBe(0);
      expect(['queued', 'running']).toContain(seen[0]!.status);
      expect(seen.at(-1)).toEqual({ status: 'succeeded', progress: 1 });
      // the job reported progress while it ran (stored, then told), rising; the API answered each time
      expect(reported.length).toBeGreaterThan(0);
      for (let i = 0; i < reported.length; i++) {
        expect(reported[i]).toBeGreaterThan(i === 0 ? 0 : reported[i - 1]!);
        expect(reported[i]).toBeLessThan(1);
      }
      expect(answered).toEqual(reported.map(() => 200));
      const order = ['queued', 'running', 'succeeded'];
      for (let i = 1; i < seen.length; i++) {
        expect(seen[i]!.progress).toBeGreaterThanOrEqual(seen[i - 1]!.progress);
        expect(order.indexOf(seen[i]!.status)).toBeGreaterThanOrEqual(order.indexOf(seen[i - 1]!.status));
      }
      for (const s of seen) {
        expect(s.progress).toBeGreaterThanOrEqual(0);
        expect(s.progress).toBeLessThanOrEqual(1);
        if (s.status === 'queued') expect(s.progress).toBe(0);
      }
    });

    it('a filtered population under the minimum fails with one reason whatever k; k over a population at or over it is said so', async () => {
      for (const body of [
        { purpose: PURPOSE, method: 'kmeans', features: ['age'], k_range: [2, 4], filters: { age: { gte: 200 } } },
        {
          purpose: PURPOSE,
          method: 'kmeans',
          features: ['age', 'monetary'],
          k_range: [3, 5],
          filters: { frequency: { eq: 20 }, channel_preference: { eq: 'web' } },
        },
        { purpose: PURPOSE, method: 'kmeans', features: ['age'], k: 3, filters: { age: { gte: 200 } } },
        { purpose: PURPOSE, method: 'kmeans', features: ['age'], k: 1, filters: { age: { gte: 200 } } },
      ]) {
        const v = await seg.finish(marketing, body);
        expect(v.status, JSON.stringify(v)).toBe('failed');
        expect(v.result).toBeUndefined();
        expect(v.error!.code).toBe('population_too_small');
        expect(v.error!.message).not.toMatch(INTERNALS);
        // neither the filtered population's size nor the minimum is told
        expect(v.error!.message).not.toMatch(/\d/);
      }
      // D holds 30 subjects (>= 10): k = 40 is more than that, which the caller may learn
      const over = await seg.finish(marketing, {
        purpose: PURPOSE,
        method: 'kmeans',
        features: ['age'],
        k: 40,
        filters: { channel_preference: { eq: 'app' } },
      });
      expect(over.error!.code).toBe('k_exceeds_population');
      expect(over.error!.message.replace(/k \(\d+\)/, '')).not.toMatch(/\d/);
    });

    it('a prewarmed queue runs jobs on a worker booted ahead, keeps the next one ready, and gives the same results', async () => {
      const warm = await testGateway({ clockStart: SEG_CLOCK });
      try {
        const r = new Recorder(warm);
        const c = new SegClient(warm, r);
        await ingestPopulation(r, pop);
        const token = await c.marketing();
        const body = { purpose: PURPOSE, method: 'kmeans', features: ['age', 'monetary', 'recency_days'], k: 3, seed: 4 };
        const cold = await c.run(token, body);
        warm.jobs.prewarm();
        expect(warm.jobs.hasStandby).toBe(true);
        const first = await c.run(token, body);
        expect(warm.jobs.hasStandby).toBe(true);
        const second = await c.run(token, { ...body, method: 'rfm', features: [] });
        expect(second.status).toBe('succeeded');
        expect(first.result.segments.map((s) => [s.size, s.profile])).toEqual(cold.result.segments.map((s) => [s.size, s.profile]));
        expect(first.result.quality).toEqual(cold.result.quality);
        await warm.jobs.close();
        expect(warm.jobs.hasStandby).toBe(false);
      } finally {
        await warm.cleanup();
      }
    });

    it('a storage failure inside the worker fails the run with internal_error and a message free of SQL and table names', async () => {
      const fresh = await testGateway({ clockStart: SEG_CLOCK });
      try {
        const r = new Recorder(fresh);
        const c = new SegClient(fresh, r);
        await ingestPopulation(r, synthPopulation('fail').slice(0, 30));
        const token = await c.marketing();
        const ok = await c.run(token, { purpose: PURPOSE, method: 'rules', rules: [{ name: 'all', where: { frequency: { gte: 0 } } }] });
        expect(ok.result.population).toBe(30);
        // the job's member write must fail: its table is gone before the worker starts
        const a = await c.submit(token, { purpose: PURPOSE, method: 'rules', rules: [{ name: 'all', where: { frequency: { gte: 0 } } }] });
        expect(a.status, a.text).toBe(202);
        await fresh.db.exec('DROP TABLE segment_member_chunks');
        await fresh.jobs.idle();
        const v = await c.get(token, a.json.id);
        expect(v.status).toBe('failed');
        expect(v.result).toBeUndefined();
        expect(v.error).toEqual({ code: 'internal_error', message: expect.any(String) });
        expect(v.error!.message.length).toBeGreaterThan(10);
        expect(v.error!.message).not.toMatch(INTERNALS);
        expectNoStack(JSON.stringify(v));
        // the failed run is listed as failed; the API still answers
        const list = await r.get('/v1/segmentations', token);
        expect(list.status).toBe(200);
        expect(list.json.runs.find((x: RunView) => x.id === a.json.id)).toMatchObject({ status: 'failed', error: { code: 'internal_error' } });
        expect(list.text).not.toMatch(INTERNALS);
      } finally {
        await fresh.cleanup();
      }
    });

    it("GET /v1/segmentations lists the caller's runs only, newest first, without results", async () => {
      const alice = await gw.mint(['marketing'], { sub: 'alice' });
      const bob = await gw.mint(['marketing'], { sub: 'bob' });
      const body = { purpose: PURPOSE, method: 'rules', rules: [{ name: 'young', where: { age: { lte: 30 } } }] };
      const mine: Record<string, string[]> = { alice: [], bob: [] };
      for (const [who, token] of [
        ['alice', alice],
        ['bob', bob],
        ['alice', alice],
      ] as const) {
        gw.advance(1000);
        const a = await seg.submit(token, body);
        expect(a.status).toBe(202);
        mine[who]!.push(a.json.id);
      }
      await gw.jobs.idle();
      const aList = await rec.get('/v1/segmentations', alice);
      expect(aList.status).toBe(200);
      expect(aList.json.runs.map((r: RunView) => r.id)).toEqual([...mine['alice']!].reverse());
      for (const r of aList.json.runs as RunView[]) {
        expect(r).toMatchObject({ status: 'succeeded', progress: 1, method: 'rules', purpose: PURPOSE });
        expect(r.result).toBeUndefined();
      }
      const bList = await rec.get('/v1/segmentations', bob);
      expect(bList.json.runs.map((r: RunView) => r.id)).toEqual(mine['bob']);
      // the analyst of the earlier tests, and the partner, see none of them
      for (const token of [marketing, partner]) {
        const ids = (await rec.get('/v1/segmentations', token)).json.runs.map((r: RunView) => r.id);
        for (const id of [...mine['alice']!, ...mine['bob']!]) expect(ids).not.toContain(id);
      }
      const cross = await rec.get(`/v1/segmentations/${mine['bob']![0]}`, alice);
      expectProblem(cross, 404, 'request.not_found');
    });

    it('a role without the export right gets 403 on members (JSON and CSV); a partner keeps its own', async () => {
      const v = await seg.run(marketing, { purpose: PURPOSE, method: 'rules', rules: [{ name: 'young', where: { age: { lte: 30 } } }] });
      expect(v.result.segments[0]!.size).toBe(200);
      expectProblem(await seg.members(marketing, v.id, 'rule-1'), 403, 'auth.forbidden');
      expectProblem(await seg.members(marketing, v.id, 'rule-1', {}, true), 403, 'auth.forbidden');
      // roles without the members operation at all
      expectProblem(await seg.members(await gw.mint(['dpo']), v.id, 'rule-1'), 403, 'auth.forbidden');
      const p = await seg.run(partner, { purpose: 'partner_sharing', method: 'rules', rules: [{ name: 'web', where: { channel_preference: { eq: 'web' } } }] });
      const m = await seg.members(partner, p.id, 'rule-1');
      expect(m.status, m.text).toBe(200);
      expect(m.json.members).toHaveLength(180);
    });

    it('no raw identifier ingested appears in any answer', () => {
      expect(identifierLeaks(rec.answers, pop)).toEqual([]);
    });
  });
});
