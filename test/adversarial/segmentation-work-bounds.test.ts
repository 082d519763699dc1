// Threat T10 (docs/threat-model.md): one caller ties up the segmentation engine: a 3.5 MB rules
// request cost about a millisecond per subject, the single queue had no bound per caller and no
// time limit, and everyone else waited behind one caller's backlog. Requests are bounded in
// conditions and values, a caller in queued and running jobs, a job in time, and callers take turns.
import { afterAll, describe, expect, it } from 'vitest';
import { Recorder } from '../helpers/access.ts';
import { fillers } from '../helpers/audit.ts';
import { expectProblem } from '../helpers/problem.ts';
import { SegClient } from '../helpers/segmentation.ts';
import { testGateway, type TestGateway } from '../helpers/test-gateway.ts';

const CLOCK = Date.UTC(2026, 0, 15, 9, 30);
const WEB = { purpose: 'segmentation_analytics', method: 'rules', rules: [{ name: 'web', where: { channel_preference: { eq: 'web' } } }] };

async function populated(env: Record<string, string> = {}): Promise<{ gw: TestGateway; seg: SegClient; rec: Recorder }> {
  const gw = await testGateway({ clockStart: CLOCK, env });
  const rec = new Recorder(gw);
  await rec.ingest('crm', 'customers', fillers('advswb', 30));
  return { gw, rec, seg: new SegClient(gw, rec) };
}

describe('T10: segmentation work is bounded per request, per caller and in time', () => {
  const gws: TestGateway[] = [];
  afterAll(async () => {
    for (const g of gws) await g.cleanup();
  });

  it('a request over the rule-term limit is refused before it is queued; one at the limit runs', async () => {
    const { gw, seg } = await populated({ VEILGATE_MAX_RULE_TERMS: '2000' });
    gws.push(gw);
    const marketing = await seg.marketing();
    const values = Array.from({ length: 100 }, (_, i) => `value-${String(i).padStart(6, '0')}`);
    const where = Object.fromEntries(['age_band', 'area', 'gender', 'csp', 'channel_preference'].map((f) => [f, { in: values }]));
    const huge = {
      purpose: 'segmentation_analytics',
      method: 'rules',
      rules: Array.from({ length: 50 }, (_, i) => ({ name: `r${i}`, any: Array.from({ length: 10 }, () => where) })),
    };
    expect(JSON.stringify(huge).length).toBeGreaterThan(3_000_000);
    const a = await seg.submit(marketing, huge);
    const { body } = await expectProblem(new Response(a.text, { status: a.status, headers: a.headers }), 422, 'request.validation_failed');
    expect(body.errors).toEqual([expect.objectContaining({ path: 'rules', code: 'too_complex' })]);
    expect(await gw.db.count('segmentation_runs')).toBe(0);
    // 20 conditions of 99 values each: 20 * (1 + 99) = 2000 terms exactly
    const atLimit = {
      purpose: 'segmentation_analytics',
      method: 'rules',
      rules: Array.from({ length: 20 }, (_, i) => ({ name: `r${i}`, where: { csp: { in: values.slice(0, 99) } } })),
    };
    expect((await seg.finish(marketing, atLimit)).status).toBe('succeeded');
  });

  it('a caller over its queued-and-running limit gets 429 with Retry-After; another caller does not', async () => {
    const { gw, seg } = await populated({ VEILGATE_MAX_JOBS_PER_CALLER: '2' });
    gws.push(gw);
    const a = await seg.marketing('alice');
    const b = await seg.marketing('bob');
    expect((await seg.submit(a, WEB)).status).toBe(202);
    expect((await seg.submit(a, WEB)).status).toBe(202);
    const third = await seg.submit(a, WEB);
    expect(third.status).toBe(429);
    expect(third.json.code).toBe('request.rate_limited');
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await seg.submit(b, WEB)).status).toBe(202);
    await gw.jobs.idle();
    expect((await seg.submit(a, WEB)).status).toBe(202);
    await gw.jobs.idle();
  });

  it("callers take turns: one caller's backlog does not hold another's job back", async () => {
    const { gw, seg } = await populated({ VEILGATE_MAX_JOBS_PER_CALLER: '5' });
    gws.push(gw);
    const a = await seg.marketing('alice');
    const b = await seg.marketing('bob');
    const ids: string[] = [];
    for (const t of [a, a, a, a, b]) ids.push((await seg.submit(t, WEB)).json.id as string);
    await gw.jobs.idle();
    const startedAt = new Map<string, number>();
    for (const id of ids) startedAt.set(id, (await gw.db.get<{ started_at: number }>('SELECT started_at FROM segmentation_runs WHERE id = ?', id))!.started_at);
    const started = (id: string) => startedAt.get(id)!;
    const order = [...ids].sort((x, y) => started(x) - started(y));
    expect(new Set(ids.map(started)).size, JSON.stringify(ids.map(started))).toBe(ids.length);
    // alice's first was taken at once; then bob, before the rest of alice's backlog
    expect(order.slice(0, 2)).toEqual([ids[0], ids[4]]);
  });

  it('a job past its time limit is stopped and fails with reason timeout; the queue goes on', async () => {
    const { gw, seg } = await populated({ VEILGATE_JOB_TIMEOUT_MS: '1' });
    gws.push(gw);
    const marketing = await seg.marketing();
    const first = await seg.submit(marketing, WEB);
    const second = await seg.submit(marketing, WEB);
    await gw.jobs.idle();
    for (const a of [first, second]) {
      const v = await seg.get(marketing, a.json.id as string);
      expect(v.status).toBe('failed');
      expect(v.error).toEqual({ code: 'timeout', message: expect.stringMatching(/longer than the gateway allows/) });
      expect(v.result).toBeUndefined();
    }
    expect(gw.logs.some((l) => l.includes('stopped at its time limit'))).toBe(true);
  });
});
