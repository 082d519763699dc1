// Attempts to get a feature the role may not see through the subject read: extra query keys,
// purpose spellings, repeated purposes, feature paths and headers. Each is refused (422, 404,
// 405) or ignored; none ever yields the hidden value.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Recorder, seedSubject, type Answer, type Seeded } from './helpers/access.ts';
import { testGateway, type TestGateway } from './helpers/test-gateway.ts';

const CLOCK = Date.UTC(2026, 0, 15, 9, 30);
/** Request ids and the policy hash are long hex runs that may contain the digits by chance. */
const withoutHexRuns = (text: string) => text.replace(/[0-9a-f-]{20,}/gi, '');

describe('field-level bypass attempts (marketing may not see income outside profitability_analysis)', () => {
  let gw: TestGateway;
  let rec: Recorder;
  let s: Seeded;
  let marketing: string;
  let income: number;

  beforeAll(async () => {
    gw = await testGateway({ clockStart: CLOCK });
    rec = new Recorder(gw);
    s = await seedSubject(rec, 'bypass', 3);
    income = Number(s.identity.record['income']);
    marketing = await gw.mint(['marketing']);
  });
  afterAll(() => gw?.cleanup());

  const url = (query: string, suffix = '') => `/v1/subjects/${s.pseudonym}${suffix}${query}`;

  /** No hidden value and no feature object in a refusal. */
  function expectNoIncome(a: Answer): void {
    expect(withoutHexRuns(a.text)).not.toContain(String(income));
    if (a.status !== 200) expect(a.text).not.toContain('"features"');
    else expect(a.json.features).not.toHaveProperty('income');
  }

  it('the baseline: income is hidden under segmentation_analytics and shown under profitability_analysis', async () => {
    const seg = await rec.get(url('?purpose=segmentation_analytics'), marketing);
    expect(seg.status, seg.text).toBe(200);
    expect(seg.json.features).not.toHaveProperty('income');
    expect(seg.json.features).toHaveProperty('age_band');
    expectNoIncome(seg);
    const prof = await rec.get(url('?purpose=profitability_analysis'), marketing);
    expect(prof.status).toBe(200);
    expect(prof.json.features.income).toBe(income);
  });

  it.each([
    'fields=income',
    'select=income',
    'include=income',
    'fields=income,age',
    'fields[]=income',
    'include[]=income',
    'features=income',
    'income=1',
    'income',
    'features.income=1',
    'features[income]=1',
    'user.financial.income=1',
    'user.financial.income',
    'user[financial][income]=1',
    'expand=features.income',
    'purpose_override=profitability_analysis',
  ])('?purpose=segmentation_analytics&%s -> 422 (strict query), never income', async (extra) => {
    const a = await rec.get(url(`?purpose=segmentation_analytics&${extra}`), marketing);
    expect(a.status, a.text).toBe(422);
    expect(a.json.code).toBe('request.validation_failed');
    expect(a.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expectNoIncome(a);
  });

  it.each([
    'Segmentation_Analytics',
    'SEGMENTATION_ANALYTICS',
    'segmentation_Analytics',
    'segmentation-analytics',
    'segmentationanalytics',
    '%20segmentation_analytics',
    'segmentation_analytics%20',
    'segmentation_analytics%00',
    'segmentation_analytics%E2%80%8B',
    'segmentation_analytics,profitability_analysis',
    'segmentation_analytics;fields=income',
    'profitability_analysis%0A',
    '%EF%BD%90rofitability_analysis',
    '__proto__',
    'constructor',
    'toString',
    '*',
    '',
  ])('?purpose=%s -> 422, never income', async (purpose) => {
    const a = await rec.get(url(`?purpose=${purpose}`), marketing);
    expect(a.status, a.text).toBe(422);
    expect(a.json.code).toBe('request.validation_failed');
    expectNoIncome(a);
  });

  it.each([
    'purpose=segmentation_analytics&purpose=segmentation_analytics',
    'purpose=segmentation_analytics&purpose=profitability_analysis',
    'purpose=profitability_analysis&purpose=segmentation_analytics',
    'purpose[]=profitability_analysis',
    'purpose[0]=profitability_analysis',
    'Purpose=profitability_analysis',
    'PURPOSE=profitability_analysis',
    'purpose=segmentation_analytics&Purpose=profitability_analysis',
    'purpose=segmentation_analytics&purpose',
  ])('?%s -> 422 (one purpose, exactly spelled)', async (query) => {
    const a = await rec.get(url(`?${query}`), marketing);
    expect(a.status, a.text).toBe(422);
    expectNoIncome(a);
  });

  it('an unknown purpose is 422 for an unknown subject too, and before any consent check', async () => {
    const a = await rec.get('/v1/subjects/p1_AAAAAAAAAAAAAAAAAAAAAA?purpose=telepathy', marketing);
    expect(a.status).toBe(422);
    const b = await rec.get(url('?purpose=telepathy'), marketing);
    expect(b.status).toBe(422);
    expect(b.json.errors).toEqual([expect.objectContaining({ path: 'purpose', code: 'enum' })]);
  });

  it.each([
    ['marketing', 'partner_sharing'],
    ['marketing', 'customer_service'],
    ['marketing', 'legal_obligation'],
    ['partner', 'segmentation_analytics'],
    ['partner', 'profitability_analysis'],
    ['partner', 'marketing_email'],
  ])('%s invoking %s (not among its privileges) -> 403, for a known or unknown subject alike', async (role, purpose) => {
    expect(gw.policies.access.privilegeOf(role).purposes.has(purpose)).toBe(false);
    const token = await gw.mint([role]);
    const known = await rec.get(url(`?purpose=${purpose}`), token);
    const unknown = await rec.get(`/v1/subjects/p1_AAAAAAAAAAAAAAAAAAAAAA?purpose=${purpose}`, token);
    for (const a of [known, unknown]) {
      expect(a.status, a.text).toBe(403);
      expect(a.json.code).toBe('auth.forbidden');
      expectNoIncome(a);
    }
    expect(known.json.detail).toBe(unknown.json.detail);
  });

  it.each([
    '/income',
    '/features',
    '/features/income',
    '/features.income',
    '/user.financial.income',
    '/consents/income',
    '/income/',
    '/',
    '%2Fincome',
    '.income',
    '%2F..%2Fincome',
  ])('path %s -> 404/405, never data', async (suffix) => {
    for (const purpose of ['segmentation_analytics', 'profitability_analysis']) {
      const a = await rec.get(url(`?purpose=${purpose}`, suffix), marketing);
      expect([404, 405], `${suffix}: ${a.status} ${a.text}`).toContain(a.status);
      expect(a.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(withoutHexRuns(a.text)).not.toContain(String(income));
      expect(a.text).not.toContain('"features"');
    }
  });

  it.each(['POST', 'PUT', 'PATCH', 'DELETE'])('%s on the subject -> 405, never data', async (method) => {
    const a = await rec.send(url('?purpose=profitability_analysis'), {
      method,
      token: marketing,
      headers: { 'content-type': 'application/json' },
      ...(method !== 'DELETE' && { body: '{"fields":["income"]}' }),
    });
    expect(a.status, a.text).toBe(405);
    expect(withoutHexRuns(a.text)).not.toContain(String(income));
  });

  it('headers asking for more are ignored: the serializer only emits what the policy allows', async () => {
    const a = await rec.get(url('?purpose=segmentation_analytics'), marketing, {
      'x-fields': 'income',
      'x-include': 'income',
      prefer: 'return=representation; include=income',
      accept: 'application/json; fields=income',
      'x-veilgate-purpose': 'profitability_analysis',
      'x-role': 'dpo',
    });
    expect(a.status, a.text).toBe(200);
    expect(a.json.purpose).toBe('segmentation_analytics');
    expectNoIncome(a);
  });

  it('a token claiming more roles than it has cannot be simulated: a marketing token never sees dpo-only features', async () => {
    // dpo sees income under segmentation_analytics; the same call with a marketing token does not
    const dpo = await rec.get(url('?purpose=segmentation_analytics'), await gw.mint(['dpo']));
    expect(dpo.json.features.income).toBe(income);
    const mk = await rec.get(url('?purpose=segmentation_analytics'), marketing);
    expect(Object.keys(mk.json.features).sort()).toEqual(gw.policies.access.allowedFeatures({ roles: ['marketing'] }, 'segmentation_analytics', 'see').sort());
  });

  it('no answer carries a raw identifier', () => {
    expect(rec.answers.length).toBeGreaterThan(60);
    expect(rec.leaks([s.identity])).toEqual([]);
  });
});
