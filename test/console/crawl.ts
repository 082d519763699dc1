// Visiting console pages in a real browser: how long each takes to be usable, what axe-core
// finds on it, and every text the browser holds afterwards (page, storage, cookies, URLs) for
// the canary scan. Shared by the console's browser tests and `npm run bench -- console`.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import type { BrowserContext, Page } from 'playwright-core';

const require = createRequire(import.meta.url);
const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeFinding {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/** The console paths the signed-in page's menus link to. */
export async function menuPaths(page: Page): Promise<string[]> {
  return linkPaths(page, 'header nav a');
}

/** The distinct paths of the links a selector finds. */
async function linkPaths(page: Page, selector: string): Promise<string[]> {
  const hrefs = (await page.evaluate(`Array.from(document.querySelectorAll(${JSON.stringify(selector)}), (a) => a.pathname)`)) as string[];
  return [...new Set(hrefs)];
}

/**
 * Loads a console path from scratch and waits until it is usable: its heading shown and no
 * loading indicator left. Returns the milliseconds since the navigation started, as the
 * browser's own clock counts them (performance.now()).
 */
export async function load(page: Page, path: string): Promise<number> {
  await page.goto(path);
  return settled(page);
}

/** Waits for the current page to be usable; milliseconds since its navigation started. */
async function settled(page: Page): Promise<number> {
  await page.locator('main h1').first().waitFor();
  // a locator, not waitForFunction: that one polls through eval, which the console's CSP refuses
  await page.locator('.loading').first().waitFor({ state: 'detached' });
  // browser-side code as text: this module is also type-checked without the DOM's types (bench/)
  return (await page.evaluate('performance.now()')) as number;
}

/** axe-core's violations of impact serious or critical on the current page (WCAG 2 A/AA rules and best practices). */
export async function seriousViolations(page: Page): Promise<AxeFinding[]> {
  // evaluated through the DevTools protocol, which the page's CSP does not govern
  await page.evaluate(AXE_SOURCE);
  const found = (await page.evaluate(`axe.run(document, { resultTypes: ['violations'] }).then((r) =>
    r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) })))`)) as AxeFinding[];
  return found.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** Everything the browser holds for the console that a person could read: the page, its URL, storage and cookies. */
export async function browserHoldings(page: Page, context: BrowserContext): Promise<string> {
  const inPage = (await page.evaluate(`(() => {
    const dump = (s) => Array.from({ length: s.length }, (_, i) => s.key(i) + '=' + s.getItem(s.key(i))).join('\\n');
    return [document.documentElement.outerHTML, location.href, document.cookie, dump(sessionStorage), dump(localStorage)].join('\\n');
  })()`)) as string;
  const cookies = (await context.cookies()).map((c) => `${c.name}=${c.value}`).join('\n');
  return `${inPage}\n${cookies}`;
}

/** The scripts a first visit loads (before any page's own code), raw and gzip-compressed bytes. */
export async function initialScripts(page: Page, path: string): Promise<{ files: string[]; raw: number; gzip: number }> {
  const { gzipSync } = await import('node:zlib');
  const bodies: Promise<{ url: string; body: Buffer }>[] = [];
  const onResponse = (r: import('playwright-core').Response) => {
    if (r.request().resourceType() === 'script') bodies.push(r.body().then((body) => ({ url: new URL(r.url()).pathname, body })));
  };
  page.on('response', onResponse);
  await load(page, path);
  page.off('response', onResponse);
  const all = await Promise.all(bodies);
  return {
    files: all.map((b) => b.url),
    raw: all.reduce((n, b) => n + b.body.length, 0),
    gzip: all.reduce((n, b) => n + gzipSync(b.body, { level: 9 }).length, 0),
  };
}
