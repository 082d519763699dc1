// The console's frame: served by the gateway under a strict CSP, development sign-in, menus
// from the roles, sign-out forgetting the token, and the dev pages absent outside dev mode.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConsole, type ConsoleHarness } from './harness.ts';
import crypto from 'node:crypto';
import { testGateway } from '../helpers/test-gateway.ts';

describe('console frame', () => {
  let h: ConsoleHarness;
  beforeAll(async () => {
    h = await startConsole({ customers: 200 });
  }, 120_000);
  afterAll(async () => h?.close());

  it('serves the shell and its assets with a strict Content-Security-Policy', async () => {
    const res = await fetch(`${h.url}/console/runs`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    const html = await res.text();
    // no inline script: every <script> has a src on this origin
    for (const tag of html.match(/<script\b[^>]*>/g) ?? []) expect(tag).toMatch(/src="\/console\/assets\/[^"]+\.js"/);
    expect(html).not.toMatch(/<script\b[^>]*>[^<\s]/);
    expect(html).not.toMatch(/https?:\/\//);
    expect((await fetch(`${h.url}/console/assets/nothing.js`)).status).toBe(404);
    expect((await fetch(`${h.url}/console/..%2f..%2fpackage.json`)).status).toBe(404);
  });

  it("follows the browser's language, and the switch changes it for the tab", async () => {
    const { page, errors } = await h.newPage({ locale: 'fr-FR' });
    await page.goto('/console/sign-in');
    await expect.poll(() => page.locator('main h1').textContent()).toBe('Connexion');
    expect(await page.getAttribute('html', 'lang')).toBe('fr');
    await page.getByLabel('Langue').selectOption('en');
    await expect.poll(() => page.locator('main h1').textContent()).toBe('Sign in');
    await page.reload();
    await expect.poll(() => page.locator('main h1').textContent()).toBe('Sign in');
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    expect(errors).toEqual([]);
  });

  it('brings the sign-in back over the page when the token runs out, and the page keeps what was typed', async () => {
    const { page, errors } = await h.newPage();
    // a token of a few seconds, taken up by the tab as after a reload
    const token = await h.gw.mint(['marketing'], { sub: 'marketing-dev', ttlSeconds: 6 });
    await page.goto('/console/sign-in');
    await page.evaluate((t) => sessionStorage.setItem('veilgate.token', t), token);
    await page.goto('/console/segmentations/new');
    await page.getByLabel('Method').selectOption('kmeans');
    await page.getByRole('checkbox', { name: 'age', exact: true }).check();
    await page.getByRole('checkbox', { name: 'frequency', exact: true }).check();
    await page.getByLabel('k (number of clusters)').fill('3');
    await page.getByLabel('Random seed (optional)').fill('1234');
    const dialog = page.getByRole('dialog', { name: 'Session ended' });
    await dialog.waitFor({ timeout: 15_000 });
    // the ended token is gone from the tab; the page under the dialog is still there
    expect(await page.evaluate(() => sessionStorage.getItem('veilgate.token'))).toBeNull();
    await dialog.locator('button[data-role="marketing"]').click();
    await dialog.waitFor({ state: 'detached' });
    expect(await page.getByLabel('k (number of clusters)').inputValue()).toBe('3');
    expect(await page.getByLabel('Random seed (optional)').inputValue()).toBe('1234');
    expect(await page.getByRole('checkbox', { name: 'frequency', exact: true }).isChecked()).toBe(true);
    await page.getByRole('button', { name: 'Start the segmentation' }).click();
    await page.waitForURL(/\/console\/runs\/seg_/);
    expect(errors).toEqual([]);
  }, 60_000);

  it('signs in with a development token and shows only the menus the role opens', async () => {
    const { page, errors } = await h.newPage();
    await h.signIn(page, 'marketing');
    await expect.poll(() => page.locator('header .who').textContent()).toContain('marketing');
    expect(await page.locator('nav [data-group="dpo"]').count()).toBe(0);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/console\/sign-in/);
    expect(await page.evaluate(() => ({ session: sessionStorage.length, local: localStorage.length, cookie: document.cookie }))).toEqual({
      session: 0,
      local: 0,
      cookie: '',
    });
    expect(errors).toEqual([]);
  });
});

const key = () => crypto.randomBytes(32).toString('base64');

describe('console outside development mode', () => {
  it('has no development sign-in: neither the page nor the token route', async () => {
    const gw = await testGateway({ env: { VEILGATE_DEV: undefined, VEILGATE_MASTER_KEY: key(), VEILGATE_PSEUDONYM_KEY: key(), VEILGATE_AUDIT_KEY: key() } });
    try {
      expect((await gw.request('/console/dev-sign-in')).status).toBe(404);
      expect((await gw.request('/console-dev-token', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"role":"dpo"}' })).status).toBe(
        404,
      );
      const config = (await (await gw.request('/console-config.json')).json()) as { dev: boolean; roles: unknown[] };
      expect(config).toMatchObject({ dev: false, roles: [] });
    } finally {
      await gw.cleanup();
    }
  });
});
