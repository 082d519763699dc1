// Production sign-in of the console: OpenID Connect authorization code flow with PKCE against a
// real provider (oidc-provider on loopback), a gateway outside development mode trusting it through
// issuers.yaml, and Chromium going through the provider's login and consent pages.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConsole, type ConsoleHarness } from './harness.ts';
import { listenOidcProvider, type TestOidcProvider } from './oidc-provider.ts';

const key = () => crypto.randomBytes(32).toString('base64');
const PRODUCTION = { VEILGATE_DEV: undefined, VEILGATE_MASTER_KEY: key(), VEILGATE_PSEUDONYM_KEY: key(), VEILGATE_AUDIT_KEY: key() };

const ISSUER_ID = 'test-op';
const CLIENT_ID = 'veilgate-console';
const AUDIENCE = 'veilgate';
const RESOURCE = 'urn:veilgate:api';
/** anna's role is one the issuer may grant; mallory's is not. */
const USERS = { anna: ['dpo'], mallory: ['admin'] };
const ISSUER_ROLES = ['dpo', 'marketing'];

/** The console's menu entries for a set of operations, from its page table (read at run time: it is the console's code). */
async function expectedMenu(operations: string[]): Promise<string[]> {
  const registry = new URL('../../console/src/pages/registry.ts', import.meta.url).href;
  const { PAGES } = (await import(registry)) as { PAGES: { op: string; menu?: { en: string } }[] };
  return PAGES.filter((p) => p.menu && operations.includes(p.op))
    .map((p) => p.menu!.en)
    .sort();
}

interface Watched {
  context: BrowserContext;
  page: Page;
  errors: string[];
  /** Every URL the browser requested or navigated to, on any origin. */
  urls: string[];
  /** Every console message of the page. */
  messages: string[];
  /** The access tokens the provider's token endpoint gave this page. */
  accessTokens: string[];
  /** Set-Cookie headers of the gateway's answers. */
  gatewayCookies: string[];
}

describe('console sign-in with OpenID Connect', () => {
  let h: ConsoleHarness;
  let op: TestOidcProvider;

  beforeAll(async () => {
    op = await listenOidcProvider({ clientId: CLIENT_ID, audience: AUDIENCE, resource: RESOURCE, scope: 'gateway', users: USERS });
    h = await startConsole({
      demoData: false,
      env: PRODUCTION,
      prepare: ({ policiesDir }) => {
        const file = path.join(policiesDir, 'issuers.yaml');
        const doc = parse(fs.readFileSync(file, 'utf8')) as { issuers: unknown[] };
        doc.issuers.push({
          id: ISSUER_ID,
          issuer: op.issuer,
          audience: AUDIENCE,
          jwks_url: op.jwksUrl,
          algorithms: ['ES256'],
          roles: ISSUER_ROLES,
          max_token_lifetime: 900,
          console: { discovery_url: op.discoveryUrl, client_id: CLIENT_ID, scopes: ['gateway'], resource: RESOURCE },
        });
        fs.writeFileSync(file, stringify(doc));
      },
    });
    op.start(h.url);
  }, 180_000);
  afterAll(async () => {
    await h?.close();
    await op?.close();
  });

  async function watchedPage(): Promise<Watched> {
    const { context, page, errors } = await h.newPage();
    // the provider's development pages import a web font: nothing leaves this machine
    await context.route(
      (u) => u.hostname !== '127.0.0.1',
      (r) => r.abort(),
    );
    const w: Watched = { context, page, errors, urls: [], messages: [], accessTokens: [], gatewayCookies: [] };
    context.on('request', (r) => w.urls.push(r.url()));
    page.on('framenavigated', (f) => w.urls.push(f.url()));
    page.on('console', (m) => w.messages.push(m.text()));
    page.on('response', (r) => {
      if (r.url().startsWith(`${h.url}/`)) {
        void r.headerValue('set-cookie').then((v) => v !== null && w.gatewayCookies.push(v));
      }
      if (r.url() === `${op.issuer}/token` && r.request().method() === 'POST' && r.ok()) {
        void r.json().then((b: { access_token?: string }) => b.access_token && w.accessTokens.push(b.access_token));
      }
    });
    return w;
  }

  /** From a console page to the provider and through its login and consent pages. */
  async function signInAtProvider(page: Page, login: string, from = '/console/'): Promise<void> {
    await page.goto(from);
    await page.getByRole('button', { name: `Sign in with ${ISSUER_ID}` }).click();
    await page.waitForURL((u) => u.origin === op.issuer);
    await page.locator('input[name="login"]').fill(login);
    await page.locator('input[name="password"]').fill('any password');
    await page.getByRole('button', { name: 'Sign-in' }).click();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL((u) => u.origin === h.url && u.pathname === '/console/oidc-callback');
  }

  it('tells the console about the provider, and its CSP lets the console reach it', async () => {
    const config = (await (await h.gw.request('/console-config.json')).json()) as { dev: boolean; oidc: unknown[] };
    expect(config).toEqual({
      dev: false,
      roles: [],
      oidc: [{ id: ISSUER_ID, issuer: op.issuer, discovery_url: op.discoveryUrl, client_id: CLIENT_ID, scopes: ['gateway'], resource: RESOURCE }],
    });
    const csp = (await h.gw.request('/console/sign-in')).headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(new RegExp(`connect-src 'self' ${op.issuer.replace(/[.:/]/g, '\\$&')}(;|$)`));
    expect((await h.gw.request('/console/dev-sign-in')).status).toBe(404);
  });

  it('signs in through the provider: the gateway knows the provider as issuer and the role from the token, the menus follow it', async () => {
    const w = await watchedPage();
    const { page } = w;
    await signInAtProvider(page, 'anna', '/console/?from=oidc');
    // back where the sign-in started, signed in
    await page.waitForURL((u) => u.pathname === '/console/' && u.search === '?from=oidc');
    const who = page.locator('header .who');
    await expect.poll(() => who.textContent()).toContain('anna');
    expect(await who.textContent()).toContain('(dpo)');
    expect(await who.getAttribute('title')).toBe(op.issuer);

    const me = await page.evaluate(async () => {
      const res = await fetch('/v1/me', { headers: { Authorization: `Bearer ${sessionStorage.getItem('veilgate.token')}` } });
      return { status: res.status, body: (await res.json()) as { issuer: string; issuer_id: string; subject: string; roles: string[]; operations: string[] } };
    });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ issuer: op.issuer, issuer_id: ISSUER_ID, subject: 'anna', roles: ['dpo'] });
    expect(me.body.operations).toContain('audit.read');

    const menu = (await page.locator('header nav a').allTextContents()).sort();
    expect(menu).toEqual(await expectedMenu(me.body.operations));

    // the token the console holds is the provider's JWT access token, for the gateway
    await expect.poll(() => w.accessTokens.length).toBe(1);
    const token = w.accessTokens[0]!;
    expect(await page.evaluate(() => sessionStorage.getItem('veilgate.token'))).toBe(token);
    const [header, payload] = token
      .split('.')
      .slice(0, 2)
      .map((p) => JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown>);
    expect(header).toMatchObject({ alg: 'ES256', typ: 'at+jwt' });
    expect(payload).toMatchObject({ iss: op.issuer, aud: AUDIENCE, sub: 'anna', roles: ['dpo'], client_id: CLIENT_ID });
    expect(w.errors).toEqual([]);
  }, 90_000);

  it('keeps the token out of every URL, cookie, localStorage, console message and the gateway log; the code leaves the address bar', async () => {
    const w = await watchedPage();
    const { page, context } = w;
    await signInAtProvider(page, 'anna');
    await page.locator('header .who').waitFor();
    await expect.poll(() => w.accessTokens.length).toBe(1);
    const token = w.accessTokens[0]!;
    // the flow did go through the provider and the callback (so the lists below are not vacuous)
    expect(w.urls.some((u) => u.startsWith(`${op.issuer}/auth`) && u.includes('code_challenge_method=S256'))).toBe(true);
    expect(w.urls.some((u) => u.startsWith(`${h.url}/console/oidc-callback?code=`))).toBe(true);

    for (const u of w.urls) expect(u).not.toContain(token);
    expect(new URL(page.url()).search).toBe('');
    expect(page.url()).not.toMatch(/code=|state=/);
    const inPage = await page.evaluate(() => ({
      cookie: document.cookie,
      local: Object.keys(localStorage).map((k) => `${k}=${localStorage.getItem(k)}`),
      session: Object.keys(sessionStorage),
      here: location.href,
    }));
    expect(inPage.cookie).not.toContain(token);
    expect(inPage.local.filter((e) => e.includes(token))).toEqual([]);
    // the PKCE verifier, state and nonce are gone once used
    expect(inPage.session).not.toContain('veilgate.oidc');
    expect(inPage.here).not.toContain(token);
    // cookies do not tell ports apart: the provider's own (HttpOnly) session cookies are listed for the gateway too
    expect(inPage.cookie).toBe('');
    for (const c of await context.cookies([h.url, op.issuer])) expect(c.value).not.toContain(token);
    expect(w.gatewayCookies).toEqual([]);
    for (const m of w.messages) expect(m).not.toContain(token);
    expect(h.gw.logs.filter((l) => l.includes(token))).toEqual([]);
    // and the token was really used: the gateway's request log has the sign-in's GET /v1/me
    expect(h.gw.logs.some((l) => l.includes('/v1/me'))).toBe(true);
  }, 90_000);

  it('refuses an answer whose state is not the one this tab sent, and an answer arriving a second time', async () => {
    const { page, errors } = await watchedPage();
    await page.goto('/console/');
    await page.getByRole('button', { name: `Sign in with ${ISSUER_ID}` }).click();
    await page.waitForURL((u) => u.origin === op.issuer);
    // a sign-in is pending in this tab; an attacker's answer arrives instead of the provider's
    await page.goto('/console/oidc-callback?code=forged-code&state=forged-state');
    const alert = page.getByRole('alert');
    await expect.poll(() => alert.textContent()).toContain('state mismatch');
    expect(await alert.getAttribute('data-reason')).toBe('state_mismatch');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Sign-in failed');
    expect(page.url()).toBe(`${h.url}/console/oidc-callback`);
    expect(await page.locator('header .who').count()).toBe(0);
    expect(await page.evaluate(() => Object.keys(sessionStorage))).not.toContain('veilgate.token');

    // the pending sign-in was consumed by the refusal: the same answer again finds none
    await page.goto('/console/oidc-callback?code=forged-code&state=forged-state');
    await expect.poll(() => page.getByRole('alert').getAttribute('data-reason')).toBe('no_pending');

    await page.getByRole('link', { name: 'Back to the sign-in page' }).click();
    await page.waitForURL((u) => u.pathname === '/console/sign-in');
    await page.getByRole('button', { name: `Sign in with ${ISSUER_ID}` }).waitFor();
    expect(errors).toEqual([]);
  }, 90_000);

  it('says the provider did not sign in when the user cancels at the provider', async () => {
    const { page, errors } = await watchedPage();
    await page.goto('/console/');
    await page.getByRole('button', { name: `Sign in with ${ISSUER_ID}` }).click();
    await page.waitForURL((u) => u.origin === op.issuer);
    await page.getByRole('link', { name: '[ Cancel ]' }).click();
    await page.waitForURL((u) => u.origin === h.url && u.pathname === '/console/oidc-callback');
    const alert = page.getByRole('alert');
    await expect.poll(() => alert.getAttribute('data-reason')).toBe('provider_error');
    expect(await alert.textContent()).toContain('access_denied');
    expect(page.url()).toBe(`${h.url}/console/oidc-callback`);
    expect(errors).toEqual([]);
  }, 90_000);

  it('fails the sign-in when the token carries a role the issuer may not grant: the gateway refuses it', async () => {
    const w = await watchedPage();
    const { page } = w;
    await signInAtProvider(page, 'mallory');
    const alert = page.getByRole('alert');
    await expect.poll(() => alert.getAttribute('data-reason')).toBe('gateway_refused');
    const text = (await alert.textContent()) ?? '';
    expect(text).toContain('The gateway refused the token');
    expect(text).toContain('a role its issuer may not grant');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Sign-in failed');
    expect(await page.locator('header .who').count()).toBe(0);
    expect(await page.evaluate(() => Object.keys(sessionStorage))).not.toContain('veilgate.token');

    // the provider did issue it (with the role), the gateway is what refused it
    await expect.poll(() => w.accessTokens.length).toBe(1);
    const token = w.accessTokens[0]!;
    expect(JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'))).toMatchObject({ iss: op.issuer, roles: ['admin'] });
    const res = await h.gw.request('/v1/me', { token });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ code: 'auth.invalid_token', detail: 'The token carries a role its issuer may not grant.' });
    await page.getByRole('link', { name: 'Back to the sign-in page' }).click();
    await page.waitForURL((u) => u.pathname === '/console/sign-in');
  }, 90_000);
});
