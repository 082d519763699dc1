// The console's end-to-end setting: a real listening gateway (development mode, wall clock)
// loaded with the synthetic demo customers through its HTTP API, plus canary identities whose
// every identifier is findable, and Debian's Chromium driven by playwright-core.
import fs from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { generateDataset, todayUtc } from '../../src/demo-data/generate.ts';
import { canaryIdentity, type Identity } from '../helpers/canaries.ts';
import { testGateway, type TestGateway } from '../helpers/test-gateway.ts';

export const CHROMIUM = process.env['VEILGATE_CHROMIUM'] ?? '/usr/bin/chromium';

export interface ConsoleHarness {
  gw: TestGateway;
  /** http://127.0.0.1:<port> */
  url: string;
  browser: Browser;
  /** The canary customers (tag: 6 letters, the IBAN account has 11 characters) (ingested with every identifier and all consent flags, unless demoData is false). */
  canaries: Identity[];
  /** A fresh browser context (its own storage) and a page in it, console errors collected. */
  newPage(opts?: { locale?: string }): Promise<{ context: BrowserContext; page: Page; errors: string[]; elsewhere: string[] }>;
  /** Signs a page in through the development sign-in page, as `role` (and `user`, to tell two people apart). */
  signIn(page: Page, role: string, user?: string): Promise<void>;
  /** A token for direct API calls in a test's own checks (not the browser's). */
  token(role: string, user?: string): Promise<string>;
  close(): Promise<void>;
}

async function ingest(gw: TestGateway, token: string, type: string, rows: unknown[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 1000) {
    const body = rows
      .slice(i, i + 1000)
      .map((r) => JSON.stringify(r))
      .join('\n');
    const res = await gw.request(`/v1/ingest/crm/${type}`, { method: 'POST', token, headers: { 'Content-Type': 'application/x-ndjson' }, body });
    if (res.status !== 200) throw new Error(`demo ingest of ${type} answered ${res.status}: ${await res.text()}`);
  }
}

export interface StartConsoleOptions {
  customers?: number;
  seed?: number;
  canaryTag?: string;
  /** Over the test gateway's environment (e.g. VEILGATE_DEV: undefined and keys, for a production-mode gateway). */
  env?: Record<string, string | undefined>;
  /** Runs on the fresh data and policy directories before the gateway starts (e.g. to trust an OpenID provider). */
  prepare?: (dirs: { dataDir: string; policiesDir: string }) => void | Promise<void>;
  /**
   * Loads the demo customers and the canaries (default). Loading writes with development tokens, so
   * a gateway outside development mode starts empty (`false`); there `signIn` and `token` do not work.
   */
  demoData?: boolean;
}

export async function startConsole(opts: StartConsoleOptions = {}): Promise<ConsoleHarness> {
  // no skipping: CI installs Chromium (.ci/run), and a console without its browser tests is untested
  if (!fs.existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (or set VEILGATE_CHROMIUM)`);
  const gw = await testGateway({ listen: {}, realClock: true, ...(opts.env && { env: opts.env }), ...(opts.prepare && { prepare: opts.prepare }) });
  let browser: Browser | undefined;
  try {
    const url = gw.running!.url;
    const canaries = [1, 2, 3].map((i) => canaryIdentity(opts.canaryTag ?? 'webcon', i));
    if (opts.demoData ?? true) {
      const ingestToken = await gw.mint(['ingest'], { sub: 'demo-ingest' });
      const customers: unknown[] = [];
      const transactions: unknown[] = [];
      for (const item of generateDataset({ count: opts.customers ?? 600, seed: opts.seed ?? 42, referenceDate: todayUtc() })) {
        if (item.type === 'customer') customers.push(item.customer.record);
        else transactions.push(item.transaction.record);
      }
      for (const c of canaries) {
        customers.push({
          ...c.record,
          consent_collected_at: new Date().toISOString(),
          consent_marketing_email: true,
          consent_marketing_sms: true,
          consent_partner_sharing: true,
        });
      }
      await ingest(gw, ingestToken, 'customers', customers);
      await ingest(gw, ingestToken, 'transactions', transactions);
    }
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    const b = browser;
    const contexts: BrowserContext[] = [];
    return {
      gw,
      url,
      browser: b,
      canaries,
      async newPage(o = {}) {
        const context = await b.newContext({ baseURL: url, locale: o.locale ?? 'en-GB', acceptDownloads: true });
        contexts.push(context);
        const page = await context.newPage();
        const errors: string[] = [];
        page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
        page.on('console', (m) => {
          // a refused call (403, 404, 422) is logged by the browser as a failed resource: expected
          if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) errors.push(`console: ${m.text()}`);
        });
        // every request the page makes to another origin (the console makes none; an OpenID sign-in does)
        const elsewhere: string[] = [];
        page.on('request', (r) => {
          if (!r.url().startsWith(url + '/') && !r.url().startsWith('data:') && !r.url().startsWith('blob:')) elsewhere.push(r.url());
        });
        return { context, page, errors, elsewhere };
      },
      async signIn(page, role, user) {
        await page.goto('/console/dev-sign-in');
        if (user) await page.getByLabel(/User name|Nom d'utilisateur/).fill(user);
        await page.locator(`button[data-role="${role}"]`).click();
        await page.locator('header .who').waitFor();
      },
      token: (role, user) => gw.mint([role], { sub: user ?? `${role}-dev`, ttlSeconds: 3600 }),
      async close() {
        for (const c of contexts) await c.close().catch(() => undefined);
        await b.close();
        await gw.cleanup();
      },
    };
  } catch (e) {
    await browser?.close();
    await gw.cleanup();
    throw e;
  }
}
