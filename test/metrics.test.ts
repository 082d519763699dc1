// GET /metrics: the admin role only (every other role 403, no token 401), counters that move with
// the requests made, and labels that never carry what a caller typed, a pseudonym, an identifier
// or a token subject. The loopback listener (VEILGATE_METRICS_PORT) serves the same text without a
// token and nothing else.
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Recorder, seedSubject, type Seeded } from './helpers/access.ts';
import { JUSTIFICATION, lastSeq } from './helpers/audit.ts';
import { canaryIdentity, scan } from './helpers/canaries.ts';
import { SEG_CLOCK, SegClient, ingestPopulation, synthPopulation } from './helpers/segmentation.ts';
import { testGateway, type TestGateway } from './helpers/test-gateway.ts';

const tag = crypto.randomBytes(3).toString('hex');

/** The value of one sample of the exposition: `name{labels}` exactly as the text writes the labels. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const m = /^[^{ ]+(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const got = new Map([...(m[1] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1]!, x[2]!]));
    if (wanted.every(([k, v]) => got.get(k) === v)) return Number(m[2]);
  }
  return 0;
}

/** Every value each label takes in the exposition. */
function labelValues(text: string, label: string): Set<string> {
  return new Set([...text.matchAll(new RegExp(`[{,]${label}="((?:[^"\\\\]|\\\\.)*)"`, 'g'))].map((m) => m[1]!));
}

describe('metrics', () => {
  let gw: TestGateway;
  let rec: Recorder;
  let seg: SegClient;
  let admin: string;
  let seeded: Seeded;
  const scrape = async (): Promise<string> => {
    const res = await gw.request('/metrics', { token: admin });
    expect(res.status).toBe(200);
    return res.text();
  };

  beforeAll(async () => {
    gw = await testGateway({ clockStart: SEG_CLOCK });
    rec = new Recorder(gw);
    seg = new SegClient(gw, rec);
    await ingestPopulation(rec, synthPopulation(`metrics${tag}`));
    seeded = await seedSubject(rec, tag, 1, { transactions: false });
    admin = await gw.mint(['admin'], { sub: `ops-${tag}` });
  });
  afterAll(() => gw?.cleanup());

  it('are refused without a token (401) and to every role but admin (403, audited)', async () => {
    const anonymous = await gw.request('/metrics');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer/);
    for (const role of ['ingest', 'marketing', 'partner', 'dpo', 'reidentifier']) {
      const before = await lastSeq(gw);
      const res = await gw.request('/metrics', { token: await gw.mint([role]) });
      expect(res.status, role).toBe(403);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(await res.text()).not.toMatch(/veilgate_/);
      const entry = (await gw.db.all<{ action: string; detail: string }>('SELECT action, detail FROM audit_log WHERE seq > ?', before))[0];
      expect(entry?.action).toBe('auth.forbidden');
      expect(JSON.parse(entry!.detail)).toMatchObject({ route: '/metrics' });
    }
    const ok = await gw.request('/metrics', { token: admin });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(ok.headers.get('cache-control')).toBe('no-store');
    const text = await ok.text();
    for (const name of [
      'veilgate_http_request_duration_seconds',
      'veilgate_ingest_rows_total',
      'veilgate_audit_append_duration_seconds',
      'veilgate_audit_head_seq',
      'veilgate_db_connections',
      'veilgate_db_unit_duration_seconds',
      'nodejs_eventloop_lag_seconds',
      'veilgate_http_requests_in_flight',
    ]) {
      expect(text, name).toContain(`# TYPE ${name} `);
    }
  });

  it('count requests, ingested rows, jobs, re-identifications, audit appends and units as they happen', async () => {
    const before = await scrape();
    for (let i = 0; i < 3; i++) expect((await gw.request('/healthz')).status).toBe(200);
    const batch = await rec.ingest('crm', 'customers', [
      { ...canaryIdentity(tag, 2).record },
      { customer_id: `CID-bad-${tag}`, email: 'not-an-email' },
      { customer_id: `CID-bad2-${tag}`, email: 'also@@wrong' },
    ]);
    expect([batch.accepted, batch.rejected]).toEqual([1, 2]);
    const run = await seg.run(await seg.marketing(), { purpose: 'segmentation_analytics', method: 'kmeans', features: ['age', 'monetary'], k: 3, seed: 1 });
    expect(run.status).toBe('succeeded');
    const dpo = await gw.mint(['dpo'], { sub: `dpo-${tag}` });
    const granted = await rec.postJson('/v1/reidentifications', dpo, {
      pseudonyms: [seeded.pseudonym],
      fields: ['email'],
      purpose: 'customer_service',
      justification: JUSTIFICATION,
    });
    expect(granted.status, granted.text).toBe(201);
    const refused = await rec.postJson('/v1/reidentifications', dpo, { pseudonyms: [seeded.pseudonym], fields: ['email'], purpose: 'customer_service' });
    expect(refused.status).toBe(422);
    const after = await scrape();

    const delta = (name: string, labels: Record<string, string> = {}) => sample(after, name, labels) - sample(before, name, labels);
    expect(delta('veilgate_http_request_duration_seconds_count', { route: '/healthz', method: 'GET', status: '200' })).toBe(3);
    expect(delta('veilgate_http_request_duration_seconds_count', { route: '/v1/segmentations', method: 'POST', status: '202' })).toBe(1);
    expect(delta('veilgate_http_request_duration_seconds_count', { route: '/v1/reidentifications', method: 'POST', status: '422' })).toBe(1);
    expect(delta('veilgate_ingest_rows_total', { source: 'crm', type: 'customers', outcome: 'accepted', rule: '' })).toBe(1);
    expect(delta('veilgate_ingest_rows_total', { source: 'crm', type: 'customers', outcome: 'rejected', rule: 'format' })).toBe(2);
    expect(delta('veilgate_segmentation_job_duration_seconds_count', { method: 'kmeans', outcome: 'succeeded' })).toBe(1);
    expect(delta('veilgate_reidentifications_total', { outcome: 'granted' })).toBe(1);
    expect(delta('veilgate_reidentifications_total', { outcome: 'refused' })).toBe(1);
    // an entry per batch, run, request and refusal at least; each a unit of work or inside one
    expect(delta('veilgate_audit_append_duration_seconds_count', { written: 'true' })).toBeGreaterThanOrEqual(4);
    expect(delta('veilgate_db_unit_duration_seconds_count', { backend: gw.backend, outcome: 'commit' })).toBeGreaterThanOrEqual(4);
    // the head the last request sealed (the scrape itself appends nothing)
    expect(sample(after, 'veilgate_audit_head_seq')).toBe(await lastSeq(gw));
    expect(sample(after, 'veilgate_db_connections', { backend: gw.backend, state: 'open' })).toBeGreaterThanOrEqual(1);
  });

  it('label routes by pattern: paths carrying an identifier, a pseudonym or a run id never appear; no subject, no canary', async () => {
    const email = canaryIdentity(tag, 3).normalized['email']!;
    const marketing = await gw.mint(['marketing'], { sub: `analyst-${tag}` });
    const runId = `seg_${crypto.randomUUID()}`;
    const probes = [
      `/v1/subjects/${encodeURIComponent(email)}`,
      `/v1/subjects/${seeded.pseudonym}`,
      `/v1/segmentations/${runId}`,
      `/v1/nothing/${encodeURIComponent(email)}`,
      `/${encodeURIComponent(email)}`,
    ];
    for (const p of probes) expect((await gw.request(p, { token: marketing })).status).toBeGreaterThanOrEqual(400);
    const text = await scrape();
    const needles = [
      ...canaryIdentity(tag, 1).needles,
      ...canaryIdentity(tag, 2).needles,
      ...canaryIdentity(tag, 3).needles,
      { label: 'pseudonym', value: seeded.pseudonym },
      { label: 'run id', value: runId },
      { label: 'token subject', value: `analyst-${tag}` },
      { label: 'admin subject', value: `ops-${tag}` },
      { label: 'dpo subject', value: `dpo-${tag}` },
    ];
    expect(scan(text, needles).map((h) => h.label)).toEqual([]);
    // every route label is a registered pattern, or the one label for what no route answered
    const patterns = new Set(gw.app.routes.map((r) => r.path));
    const routes = labelValues(text, 'route');
    expect(routes.has('unmatched')).toBe(true);
    expect(routes.has('/v1/subjects/:pseudonym') || routes.has('/v1/subjects/:id')).toBe(true);
    for (const r of routes) expect(r === 'unmatched' || patterns.has(r), r).toBe(true);
    // the sources are the declared ones only
    for (const s of labelValues(text, 'source')) expect(gw.policies.sources.has(s), s).toBe(true);
  });
});

describe('the loopback metrics listener', () => {
  it('serves /metrics without a token on 127.0.0.1 and nothing else; the main port still wants one', async () => {
    const gw = await testGateway({ listen: { metricsPort: 0, shutdownGraceMs: 1000 } });
    const { url, metricsUrl } = gw.running!;
    try {
      expect(metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const res = await fetch(`${metricsUrl}/metrics`);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('# TYPE veilgate_http_request_duration_seconds histogram');
      expect((await fetch(`${metricsUrl}/v1/me`)).status).toBe(404);
      expect((await fetch(`${metricsUrl}/healthz`)).status).toBe(404);
      expect((await fetch(`${url}/metrics`)).status).toBe(401);
    } finally {
      await gw.cleanup();
    }
    // closed with the gateway
    expect(
      await fetch(`${metricsUrl}/metrics`).then(
        () => 'open',
        () => 'closed',
      ),
    ).toBe('closed');
  });
});
