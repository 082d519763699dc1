// Every page of the console, for every role, in a real browser: no serious or critical axe-core
// finding, no script error or CSP refusal, and none of the canary customers' identifiers in the
// page, its URL or the browser's storage (they may show only on re-identification and DSR
// results, which no page shows without a request). Also reports how long each page takes to be
// usable and the first load's script weight (figures, not assertions).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scan } from '../helpers/canaries.ts';
import { browserHoldings, initialScripts, load, menuPaths, seriousViolations, type AxeFinding } from './crawl.ts';
import { startConsole, type ConsoleHarness } from './harness.ts';

const ROLES = ['marketing', 'partner', 'dpo', 'admin', 'reidentifier', 'ingest'];

describe('every console page', () => {
  let h: ConsoleHarness;
  const timings: { role: string; path: string; ms: number }[] = [];
  beforeAll(async () => {
    h = await startConsole({ customers: 400 });
  }, 180_000);
  afterAll(async () => {
    if (timings.length > 0) {
      const lines = timings.map((t) => `  ${t.role.padEnd(13)} ${t.path.padEnd(40)} ${t.ms.toFixed(0).padStart(6)} ms`);
      console.log(`console pages, load to usable (browser clock, not asserted):\n${lines.join('\n')}`);
    }
    await h?.close();
  });

  it('keeps the first load under 250 KB of gzip-compressed script', async () => {
    const { page } = await h.newPage();
    const s = await initialScripts(page, '/console/sign-in');
    console.log(`first load: ${s.files.length} scripts, ${(s.raw / 1024).toFixed(1)} KB raw, ${(s.gzip / 1024).toFixed(1)} KB gzip (${s.files.join(', ')})`);
    expect(s.files.length).toBeGreaterThan(0);
    expect(s.gzip).toBeLessThan(250 * 1024);
  });

  it('passes axe-core and shows no identifier on the pages of signed-out visitors', async () => {
    const { page, context, errors } = await h.newPage();
    const findings: Record<string, AxeFinding[]> = {};
    for (const path of ['/console/sign-in', '/console/dev-sign-in', '/console/no-such-page']) {
      await page.goto(path);
      await page.locator('main h1').first().waitFor();
      findings[path] = await seriousViolations(page);
    }
    expect(findings).toEqual({ '/console/sign-in': [], '/console/dev-sign-in': [], '/console/no-such-page': [] });
    // the scanner sees what it should: an unlabelled field is a critical finding
    await page.evaluate(() => document.querySelector('main')!.append(document.createElement('input')));
    expect((await seriousViolations(page)).map((v) => v.id)).toContain('label');
    expect(
      scan(
        await browserHoldings(page, context),
        h.canaries.flatMap((c) => c.needles),
      ),
    ).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('passes axe-core on a run page and on every page in French, holding no identifier', async () => {
    const token = await h.token('marketing');
    const submitted = await h.gw.request('/v1/segmentations', {
      method: 'POST',
      token,
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ purpose: 'segmentation_analytics', method: 'kmeans', k: 4, seed: 7, features: ['age', 'frequency', 'recency_days'] }),
    });
    expect(submitted.status).toBe(202);
    const { id } = (await submitted.json()) as { id: string };
    await expect
      .poll(async () => ((await (await h.gw.request(`/v1/segmentations/${id}`, { token })).json()) as { status: string }).status, { timeout: 60_000 })
      .toBe('succeeded');
    const findings: Record<string, AxeFinding[]> = {};
    const leaks: Record<string, unknown[]> = {};
    for (const [role, locale] of [
      ['marketing', 'en-GB'],
      ['marketing', 'fr-FR'],
      ['dpo', 'fr-FR'],
      ['admin', 'fr-FR'],
    ] as const) {
      const { page, context, errors } = await h.newPage({ locale });
      await h.signIn(page, role);
      const paths = [...(await menuPaths(page)), ...(role === 'marketing' ? [`/console/runs/${id}`] : [])];
      for (const path of paths) {
        const ms = await load(page, path);
        if (path.includes(id)) timings.push({ role: `${role} ${locale}`, path: '/console/runs/<k-means run>', ms });
        const v = await seriousViolations(page);
        if (v.length > 0) findings[`${locale} ${path}`] = v;
        const hits = scan(
          await browserHoldings(page, context),
          h.canaries.flatMap((c) => c.needles),
        );
        if (hits.length > 0) leaks[`${locale} ${path}`] = hits;
      }
      expect(errors).toEqual([]);
    }
    expect(findings).toEqual({});
    expect(leaks).toEqual({});
  }, 180_000);

  for (const role of ROLES) {
    it(`passes axe-core, holds no identifier and logs no error on each page of ${role}`, async () => {
      const { page, context, errors, elsewhere } = await h.newPage();
      await h.signIn(page, role);
      const paths = ['/console/', ...(await menuPaths(page))];
      const findings: Record<string, AxeFinding[]> = {};
      const leaks: Record<string, unknown[]> = {};
      for (const path of paths) {
        timings.push({ role, path, ms: await load(page, path) });
        const v = await seriousViolations(page);
        if (v.length > 0) findings[path] = v;
        const hits = scan(
          await browserHoldings(page, context),
          h.canaries.flatMap((c) => c.needles),
        );
        if (hits.length > 0) leaks[path] = hits;
      }
      expect(findings).toEqual({});
      expect(leaks).toEqual({});
      expect(errors).toEqual([]);
      // no third party: every request went to the gateway
      expect(elsewhere).toEqual([]);
    }, 120_000);
  }
});
