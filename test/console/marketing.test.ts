// The marketing pages in a real browser: a segmentation is asked for through the form (only the
// purposes and features the role may use), its run is followed to its result, whose numbers are
// the API's and whose hidden segments carry none; the gateway's refusals land where they belong;
// member exports are pseudonyms only.
import fs from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PSEUDONYM_PATTERN } from '../../src/pseudonymization/pseudonymizer.ts';
import { scan } from '../helpers/canaries.ts';
import { startConsole, type ConsoleHarness } from './harness.ts';

interface ApiSegment {
  id: string;
  label: string;
  size: number;
  share: number;
}
interface ApiRun {
  id: string;
  status: string;
  method: string;
  result?: { population: number; segments: ApiSegment[]; quality?: { k: number }; receipt: { suppressed_segments: number; min_group_size: number } };
}

/** The rule this suite uses for a segment under marketing's minimum group size (10) on the harness data. */
const TINY_RULE = { name: 'Corsica cadres', where: { area: '2A', csp: 'cadre' } };

describe('marketing pages', () => {
  let h: ConsoleHarness;
  let token: string;
  beforeAll(async () => {
    h = await startConsole();
    // the dev sign-in without a user name signs the subject marketing-dev: runs are their owner's
    token = await h.token('marketing', 'marketing-dev');
  }, 180_000);
  afterAll(async () => h?.close());

  const call = async <T>(path: string, init: { method?: string; body?: unknown; as?: string } = {}): Promise<{ status: number; body: T }> => {
    const res = await h.gw.request(path, {
      method: init.method ?? 'GET',
      token: init.as ?? token,
      ...(init.body !== undefined && { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(init.body) }),
    });
    return { status: res.status, body: (await res.json()) as T };
  };

  const finished = async (id: string, as?: string): Promise<ApiRun> => {
    await expect
      .poll(async () => (await call<ApiRun>(`/v1/segmentations/${id}`, { ...(as && { as }) })).body.status, { timeout: 30_000 })
      .toMatch(/succeeded|failed/);
    return (await call<ApiRun>(`/v1/segmentations/${id}`, { ...(as && { as }) })).body;
  };

  const runIdOf = async (page: Page): Promise<string> => {
    await page.waitForURL(/\/console\/runs\/seg_[0-9a-f-]+$/);
    return decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
  };

  async function openForm(page: Page) {
    await page.getByRole('navigation').getByRole('link', { name: 'New segmentation' }).click();
    await page.getByRole('heading', { level: 1, name: 'New segmentation' }).waitFor();
  }

  async function kmeansRun(page: Page): Promise<string> {
    await openForm(page);
    await page.getByLabel('Purpose').selectOption('segmentation_analytics');
    await page.getByLabel('Method').selectOption('kmeans');
    for (const f of ['age', 'recency_days', 'frequency']) await page.getByRole('checkbox', { name: f, exact: true }).check();
    await page.getByLabel('k (number of clusters)').fill('4');
    await page.getByLabel('Random seed (optional)').fill('42');
    await page.getByRole('button', { name: 'Start the segmentation' }).click();
    return runIdOf(page);
  }

  /** Fills condition `i` of a group of conditions (a rule's "all of these" fieldset). */
  async function condition(group: ReturnType<Page['locator']>, i: number, feature: string, value: string) {
    const row = group.locator('li.condition').nth(i);
    await row.getByLabel('Feature').selectOption(feature);
    await row.getByLabel('Operator').selectOption('eq');
    await row.getByLabel('Value').fill(value);
  }

  it('runs a k-means segmentation from the form: progress, then one bar per visible segment with the API’s sizes', async () => {
    const { page, errors } = await h.newPage();
    await h.signIn(page, 'marketing');
    // the first answers say the run is still working, so the progress is seen whatever the speed
    const runUrl = /\/v1\/segmentations\/seg_[0-9a-f-]+$/;
    await page.route(runUrl, async (route) => {
      const res = await route.fetch();
      const body = (await res.json()) as ApiRun;
      await route.fulfill({ response: res, json: { ...body, status: 'running', progress: 0.4, result: undefined } });
    });
    const id = await kmeansRun(page);
    const progress = page.getByRole('progressbar', { name: 'Progress of the run' });
    await progress.waitFor();
    expect(await progress.getAttribute('value')).toBe('0.4');
    await expect.poll(() => page.getByRole('status').filter({ hasText: '40%' }).count()).toBeGreaterThan(0);
    await page.unroute(runUrl);

    // polling carries on: the real answer replaces the progress with the result
    await page.locator('[data-status="succeeded"]').waitFor({ timeout: 30_000 });
    expect(await progress.count()).toBe(0);
    const run = (await call<ApiRun>(`/v1/segmentations/${id}`)).body;
    expect(run.status).toBe('succeeded');
    const segments = run.result!.segments;
    expect(segments.length).toBeGreaterThan(1);
    const bars = await page
      .locator('.bar-chart .bar-row')
      .evaluateAll((rows) => rows.map((r) => ({ key: r.getAttribute('data-key'), value: Number(r.getAttribute('data-value')) })));
    expect(bars).toEqual(segments.map((s) => ({ key: s.id, value: s.size })));
    // the table says the same sizes, and k-means' quality is there
    for (const s of segments) {
      const row = page.locator(`tr[data-segment="${s.id}"]`);
      expect(await row.locator('td').first().textContent()).toBe(new Intl.NumberFormat('en-GB').format(s.size));
    }
    expect(await page.locator('[data-quality="k"]').textContent()).toBe('4');
    expect(await page.locator('[data-quality="silhouette"]').textContent()).toMatch(/\d\.\d{3}/);
    // profiles and receipt
    await page.locator('details.segment-profile').first().locator('summary').click();
    await page.getByRole('table', { name: `Numeric features of ${segments[0]!.label}` }).waitFor();
    expect(await page.getByRole('heading', { name: 'Receipt' }).count()).toBe(1);
    expect(await page.locator('.receipt').textContent()).toContain('segmentation_analytics');

    // nothing identifying on the page or in the tab's storage
    const needles = h.canaries.flatMap((c) => c.needles);
    expect(scan(await page.content(), needles)).toEqual([]);
    expect(scan(JSON.stringify(await page.evaluate(() => ({ ...sessionStorage }))), needles)).toEqual([]);
    expect(errors).toEqual([]);
  }, 90_000);

  it('shows a rule under the minimum group size as hidden, with no number in its row', async () => {
    const { page, errors } = await h.newPage();
    await h.signIn(page, 'marketing');
    await openForm(page);
    await page.getByLabel('Purpose').selectOption('segmentation_analytics');
    await page.getByLabel('Method').selectOption('rules');
    const rule1 = page.getByRole('group', { name: 'Rule 1', exact: true });
    await rule1.getByLabel('Segment name').fill(TINY_RULE.name);
    await condition(rule1, 0, 'area', TINY_RULE.where.area);
    await rule1.getByRole('button', { name: 'Add a condition' }).click();
    await condition(rule1, 1, 'csp', TINY_RULE.where.csp);
    await page.getByRole('button', { name: 'Add a rule' }).click();
    const rule2 = page.getByRole('group', { name: 'Rule 2', exact: true });
    await rule2.getByLabel('Segment name').fill('Web buyers');
    await condition(rule2, 0, 'channel_preference', 'web');
    await page.getByRole('button', { name: 'Start the segmentation' }).click();
    const id = await runIdOf(page);

    // the API itself hides the first rule's segment: not among the segments, counted in the receipt
    const run = await finished(id);
    expect(run.status).toBe('succeeded');
    const ids = run.result!.segments.map((s) => s.id);
    expect(ids).not.toContain('rule-1');
    expect(ids).toContain('rule-2');
    expect(run.result!.receipt.suppressed_segments).toBeGreaterThanOrEqual(1);

    await page.locator('[data-status="succeeded"]').waitFor({ timeout: 30_000 });
    const hidden = page.locator('tr[data-hidden="true"]');
    expect(await hidden.count()).toBe(run.result!.receipt.suppressed_segments);
    const tiny = hidden.filter({ hasText: TINY_RULE.name });
    expect(await tiny.count()).toBe(1);
    const text = (await tiny.textContent())!;
    expect(text).toContain('hidden (under the minimum group size)');
    expect(text.replace(TINY_RULE.name, '')).not.toMatch(/\d/);
    for (let i = 0; i < (await hidden.count()); i++) expect(await hidden.nth(i).locator('td').textContent()).not.toMatch(/\d/);
    // one bar per visible segment only
    expect(await page.locator('.bar-chart .bar-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-key')))).toEqual(ids);
    expect(await page.locator('.bar-chart').textContent()).not.toContain(TINY_RULE.name);
    expect(errors).toEqual([]);
  }, 90_000);

  it('offers only the role’s purposes, and the features it may use under the chosen one', async () => {
    const me = (await call<{ purposes: { id: string }[]; features: { name: string; purposes: string[] }[] }>('/v1/me')).body;
    const { page, errors } = await h.newPage();
    await h.signIn(page, 'marketing');
    await openForm(page);
    const purpose = page.getByLabel('Purpose');
    expect(await purpose.locator('option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value))).toEqual(me.purposes.map((p) => p.id));
    expect(me.purposes.map((p) => p.id)).toEqual(['marketing_email', 'marketing_sms', 'profitability_analysis', 'segmentation_analytics']);
    const offered = () => page.locator('.feature-list input[type="checkbox"]').evaluateAll((cs) => cs.map((c) => c.id.replace(/^feat-/, '')));
    const usable = (p: string) => me.features.filter((f) => f.purposes.includes(p)).map((f) => f.name);

    await purpose.selectOption('segmentation_analytics');
    expect(await offered()).toEqual(usable('segmentation_analytics'));
    expect(await offered()).not.toContain('income');
    expect(await page.getByRole('checkbox', { name: 'income', exact: true }).count()).toBe(0);

    await purpose.selectOption('profitability_analysis');
    expect(await offered()).toEqual(usable('profitability_analysis'));
    const income = page.getByRole('checkbox', { name: 'income', exact: true });
    await income.check();
    // each feature says its data category
    expect(await page.locator('#feat-income-cat').textContent()).toContain('user.financial.income');

    // back to a purpose without it: the feature and its tick are gone
    await purpose.selectOption('segmentation_analytics');
    expect(await income.count()).toBe(0);
    await purpose.selectOption('profitability_analysis');
    expect(await income.isChecked()).toBe(false);
    expect(errors).toEqual([]);
  }, 60_000);

  it('puts the API’s 422 errors next to the fields they name, and shows a 403 as a refusal', async () => {
    const { page, errors } = await h.newPage();
    await h.signIn(page, 'marketing');
    await openForm(page);
    await page.getByLabel('Method').selectOption('kmeans');
    await page.getByRole('checkbox', { name: 'age', exact: true }).check();
    await page.getByLabel('The best number in a range (by silhouette)').check();
    await page.getByLabel('Smallest k').fill('5');
    await page.getByLabel('Largest k').fill('3');
    const answer = page.waitForResponse((r) => r.url().endsWith('/v1/segmentations') && r.request().method() === 'POST');
    await page.getByRole('button', { name: 'Start the segmentation' }).click();
    const res = await answer;
    expect(res.status()).toBe(422);
    expect(((await res.json()) as { errors: { path: string }[] }).errors.map((e) => e.path)).toEqual(['json.k_range']);
    const kmin = page.getByLabel('Smallest k');
    await page.locator('#seg-kmin-error').waitFor();
    expect(await page.locator('#seg-kmin-error').textContent()).toBe('k_range is [min, max]');
    expect(await kmin.getAttribute('aria-invalid')).toBe('true');
    expect(await kmin.getAttribute('aria-describedby')).toContain('seg-kmin-error');
    expect(page.url()).toMatch(/\/console\/segmentations\/new$/);

    // a rule's empty name: the API's rules.0.name lands under that rule's name field
    await page.getByLabel('Method').selectOption('rules');
    const rule1 = page.getByRole('group', { name: 'Rule 1', exact: true });
    await condition(rule1, 0, 'channel_preference', 'web');
    await page.getByRole('button', { name: 'Start the segmentation' }).click();
    const nameField = rule1.getByLabel('Segment name');
    await expect.poll(() => nameField.getAttribute('aria-invalid')).toBe('true');
    const errorId = (await nameField.getAttribute('aria-describedby'))!;
    expect(await rule1.locator(`[id="${errorId}"]`).textContent()).toMatch(/1 character|too small/i);
    expect(await page.locator('.form-summary').textContent()).toContain('(422)');

    // a feature the role may not use (sent as if the form had offered it): the gateway's 403 reads as a refusal
    await page.route(/\/v1\/segmentations$/, async (route) => {
      const body = JSON.parse(route.request().postData()!) as Record<string, unknown>;
      await route.continue({ postData: JSON.stringify({ ...body, purpose: 'segmentation_analytics', features: ['income'] }) });
    });
    await nameField.fill('Web');
    await page.getByRole('button', { name: 'Start the segmentation' }).click();
    const refusal = page.locator('.problem[data-status="403"]');
    await refusal.waitFor();
    expect(await refusal.textContent()).toContain('You are not allowed to do this');
    expect(await refusal.textContent()).toContain('income');
    expect(errors).toEqual([]);
  }, 60_000);

  it('lists the caller’s runs, newest first, with links that open them', async () => {
    for (const seed of [1, 2]) {
      const res = await call<{ id: string }>('/v1/segmentations', {
        method: 'POST',
        body: { purpose: 'segmentation_analytics', method: 'kmeans', features: ['age', 'frequency'], k: 3, seed },
      });
      expect(res.status).toBe(202);
      await finished(res.body.id);
    }
    const listed = (await call<{ runs: ApiRun[] }>('/v1/segmentations')).body.runs;
    const { page, errors } = await h.newPage();
    await h.signIn(page, 'marketing');
    await page.getByRole('navigation').getByRole('link', { name: 'Runs' }).click();
    await page.getByRole('heading', { level: 1, name: 'Segmentation runs' }).waitFor();
    await page.locator('tr[data-run]').first().waitFor();
    expect(await page.locator('tr[data-run]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-run')))).toEqual(listed.slice(0, 25).map((r) => r.id));

    const first = listed[0]!;
    await page.locator(`tr[data-run="${first.id}"]`).getByRole('link').click();
    await page.waitForURL(new RegExp(`/console/runs/${first.id}$`));
    await page.getByRole('heading', { level: 1, name: 'Segmentation run' }).waitFor();
    await page.locator('[data-status="succeeded"]').waitFor();
    expect(await page.locator('.run-facts code').first().textContent()).toBe(first.id);
    expect(errors).toEqual([]);
  }, 90_000);

  it('pages a long list of runs, 25 at a time', async () => {
    // a caller of its own: runs are listed for their owner only
    const as = await h.token('marketing', 'mkt-pager');
    for (let seed = 0; seed < 26; seed++) {
      const res = await call<{ id: string }>('/v1/segmentations', { method: 'POST', as, body: { purpose: 'segmentation_analytics', method: 'rfm', seed } });
      expect(res.status).toBe(202);
      await finished(res.body.id, as);
    }
    const listed = (await call<{ runs: ApiRun[] }>('/v1/segmentations', { as })).body.runs.map((r) => r.id);
    expect(listed.length).toBe(26);
    const { page, errors } = await h.newPage();
    await h.signIn(page, 'marketing', 'mkt-pager');
    await page.goto('/console/runs');
    const shown = () => page.locator('tr[data-run]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-run')));
    await page.locator('tr[data-run]').first().waitFor();
    expect(await shown()).toEqual(listed.slice(0, 25));
    expect(await page.getByRole('status').filter({ hasText: 'Page 1 of 2' }).count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Previous page' }).isDisabled()).toBe(true);
    await page.getByRole('button', { name: 'Next page' }).click();
    await expect.poll(shown).toEqual(listed.slice(25));
    expect(await page.getByRole('button', { name: 'Next page' }).isDisabled()).toBe(true);
    await page.getByRole('button', { name: 'Previous page' }).click();
    await expect.poll(shown).toEqual(listed.slice(0, 25));
    expect(errors).toEqual([]);
  }, 120_000);

  it('downloads a segment’s members, and the whole run’s, as CSV of pseudonyms', async () => {
    const { page, errors } = await h.newPage();
    await h.signIn(page, 'marketing');
    const id = await kmeansRun(page);
    await page.locator('[data-status="succeeded"]').waitFor({ timeout: 30_000 });
    const run = (await call<ApiRun>(`/v1/segmentations/${id}`)).body;
    const segment = run.result!.segments[0]!;
    const needles = h.canaries.flatMap((c) => c.needles);

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page
        .locator(`tr[data-segment="${segment.id}"]`)
        .getByRole('button', { name: /Download members \(CSV\)/ })
        .click(),
    ]);
    expect(download.suggestedFilename()).toBe(`${id}-${segment.id}.csv`);
    const csv = fs.readFileSync((await download.path())!, 'utf8');
    expect(csv.endsWith('\r\n')).toBe(true);
    const [header, ...lines] = csv.trimEnd().split('\r\n');
    expect(header).toBe('pseudonym');
    expect(lines.length).toBe(segment.size);
    for (const l of lines) expect(l).toMatch(PSEUDONYM_PATTERN);
    expect(new Set(lines).size).toBe(lines.length);
    expect(scan(csv, needles)).toEqual([]);

    const [all] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download all members (CSV)' }).click()]);
    const allCsv = fs.readFileSync((await all.path())!, 'utf8');
    const [allHeader, ...rows] = allCsv.trimEnd().split('\r\n');
    expect(allHeader).toBe('segment_id,pseudonym');
    expect(rows.length).toBe(run.result!.segments.reduce((s, x) => s + x.size, 0));
    const segmentOf = new Set(run.result!.segments.map((s) => s.id));
    for (const r of rows) {
      const [seg, p] = r.split(',');
      expect(segmentOf.has(seg!)).toBe(true);
      expect(p).toMatch(PSEUDONYM_PATTERN);
    }
    // the segment's own file is that segment's part of the whole
    expect(rows.filter((r) => r.startsWith(`${segment.id},`)).map((r) => r.split(',')[1])).toEqual(lines);
    expect(errors).toEqual([]);
  }, 90_000);

  it('offers a partner only partner_sharing, and only its coarse features', async () => {
    const partnerMe = (await call<{ features: { name: string }[] }>('/v1/me', { as: await h.token('partner') })).body;
    const { page, errors } = await h.newPage();
    await h.signIn(page, 'partner');
    await openForm(page);
    expect(
      await page
        .getByLabel('Purpose')
        .locator('option')
        .evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value)),
    ).toEqual(['partner_sharing']);
    const offered = await page.locator('.feature-list input[type="checkbox"]').evaluateAll((cs) => cs.map((c) => c.id.replace(/^feat-/, '')));
    expect(offered).toEqual(partnerMe.features.map((f) => f.name));
    expect(offered).not.toContain('age');
    expect(offered).toContain('age_band');
    expect(errors).toEqual([]);
  }, 60_000);

  it('speaks French when the browser does', async () => {
    const { page, errors } = await h.newPage({ locale: 'fr-FR' });
    await h.signIn(page, 'marketing');
    await page.getByRole('navigation').getByRole('link', { name: 'Nouvelle segmentation' }).click();
    await page.getByRole('heading', { level: 1, name: 'Nouvelle segmentation' }).waitFor();
    await page.getByLabel('Finalité').selectOption('segmentation_analytics');
    await page.getByLabel('Méthode').selectOption('rfm');
    expect(await page.locator('.notice').textContent()).toContain('récence');
    await page.getByRole('button', { name: 'Lancer la segmentation' }).click();
    await runIdOf(page);
    await page.locator('[data-status="succeeded"]').waitFor({ timeout: 30_000 });
    expect(await page.getByRole('heading', { level: 2, name: 'Reçu' }).count()).toBe(1);
    // shares as French percentages ("16,8 %")
    expect(await page.locator('.bar-chart .bar-text').first().textContent()).toMatch(/^\d[\d\u202f\u00a0]* personnes \(\d+,\d\s%\)$/);
    expect(errors).toEqual([]);
  }, 60_000);
});
