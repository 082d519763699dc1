// The web console in Debian's Chromium against `veilgate demo` (the quick start: a few thousand
// synthetic customers, one segmentation per method): the first load's script weight, and how
// long each page takes from navigation to usable (heading shown, nothing loading), median of
// several loads, beside the sign-in page (the shell alone, no API call) as the floor. With
// --population N, also the run page of a k-means run over N subjects (seeded as the segmentation
// job benchmark seeds them, through the storage ports), on a gateway of its own.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { parseFlags } from './lib/args.ts';
import { freePort } from './lib/http-ingest.ts';
import { fixed, median, table, thousands } from './lib/report.ts';
import { initialScripts, load, menuPaths } from '../test/console/crawl.ts';
import { initDevIssuer, mintDevToken } from '../src/auth/dev-issuer.ts';
import { seed } from './segment-job.ts';

const ROOT = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
const FLAGS = {
  loads: { kind: 'int', default: 5, help: 'loads of each page (the median is reported)', min: 1 },
  customers: { kind: 'int', default: 3000, help: 'customers the demo loads' },
  chromium: { kind: 'string', default: '/usr/bin/chromium', help: 'the browser' },
  population: { kind: 'int', default: 0, help: 'also the run page of a k-means run over this many subjects (0: not)' },
} as const;

/** The demo's people: the marketing user is the demo's own subject, so its runs are listed. */
const PEOPLE = [
  { role: 'marketing', user: 'demo-marketing' },
  { role: 'dpo', user: 'demo-dpo' },
  { role: 'admin', user: 'demo-admin' },
];

export async function run(args: string[]): Promise<void> {
  const f = parseFlags(FLAGS, args);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'veilgate-bench-console-'));
  const port = await freePort();
  const p = spawn(process.execPath, [path.join(ROOT, 'bin/veilgate.js'), 'demo', '--customers', String(f.customers)], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { PATH: process.env['PATH'], VEILGATE_DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', VEILGATE_LOG_LEVEL: 'silent' },
  });
  let out = '';
  p.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  const browser = await chromium.launch({
    executablePath: f.chromium,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    await new Promise<void>((resolve, reject) => {
      const check = setInterval(() => {
        if (p.exitCode !== null) (clearInterval(check), reject(new Error(`demo exited ${p.exitCode}: ${out}`)));
        if (out.includes('Ctrl-C stops the gateway')) (clearInterval(check), resolve());
      }, 50);
    });
    const base = `http://127.0.0.1:${port}`;
    console.log(
      `console benchmark: demo with ${thousands(f.customers)} customers, ${f.loads} loads per page, ${os.cpus().length} cores, node ${process.version}`,
    );

    const first = await (await browser.newContext({ baseURL: base })).newPage();
    const scripts = await initialScripts(first, '/console/sign-in');
    console.log(
      `\nfirst load: ${scripts.files.length} script file(s), ${fixed(scripts.raw / 1024, 1)} KB, ${fixed(scripts.gzip / 1024, 1)} KB gzip-compressed ` +
        `(target under 250 KB: ${scripts.gzip < 250 * 1024 ? 'PASS' : 'FAIL'})`,
    );

    const rows: string[][] = [];
    const labels = new Map<string, string>();
    const measure = async (page: import('playwright-core').Page, who: string, target: string) => {
      const ms: number[] = [];
      for (let i = 0; i < f.loads; i++) ms.push(await load(page, target));
      const m = median(ms);
      rows.push([who, labels.get(target) ?? target, fixed(m, 0), fixed(Math.max(...ms), 0), m < 1000 ? 'PASS' : 'FAIL']);
    };
    const anon = await (await browser.newContext({ baseURL: base })).newPage();
    await measure(anon, 'signed out', '/console/sign-in');
    for (const person of PEOPLE) {
      const page = await (await browser.newContext({ baseURL: base })).newPage();
      await page.goto('/console/dev-sign-in');
      await page.getByLabel('User name (optional)').fill(person.user);
      await page.locator(`button[data-role="${person.role}"]`).click();
      await page.locator('header .who').waitFor();
      const paths = ['/console/', ...(await menuPaths(page))];
      if (person.role === 'marketing') {
        // the demo's runs, one page each (one per method)
        await load(page, '/console/runs');
        const runs = (await page.evaluate(
          `Array.from(document.querySelectorAll('main table tbody tr'), (tr) => [tr.querySelector('a').pathname, tr.cells[1].textContent])`,
        )) as [string, string][];
        for (const [runPath, method] of runs) labels.set(runPath, `/console/runs/<${method}, demo>`);
        paths.push(...runs.map(([runPath]) => runPath));
      }
      for (const target of paths) await measure(page, person.role, target);
    }
    if (f.population > 0) rows.push(await largeRunPage(browser, f.population, f.loads));
    console.log('\n' + table(['who', 'page', 'median ms to usable', 'max ms', 'under 1 s'], rows, ['l', 'l', 'r', 'r', 'l']));
  } finally {
    await browser.close();
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    await exited;
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The run page of a k-means run over `n` subjects: the page renders per segment, whatever n is. */
async function largeRunPage(browser: import('playwright-core').Browser, n: number, loads: number): Promise<string[]> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'veilgate-bench-console-large-'));
  const port = await freePort();
  let t = performance.now();
  await seed(dataDir, n);
  console.log(`\nseeded ${thousands(n)} subjects in ${fixed((performance.now() - t) / 1000, 1)} s`);
  await initDevIssuer(dataDir);
  const server = spawn(process.execPath, [path.join(ROOT, 'bin/veilgate.js'), 'serve'], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { PATH: process.env['PATH'], VEILGATE_DEV: '1', VEILGATE_DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', VEILGATE_LOG_LEVEL: 'warn' },
  });
  const base = `http://127.0.0.1:${port}`;
  try {
    for (let i = 0; i < 600; i++) {
      if (
        await fetch(`${base}/readyz`).then(
          (r) => r.ok,
          () => false,
        )
      )
        break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const token = await mintDevToken(dataDir, { roles: ['marketing'], subject: 'bench-console', ttlSeconds: 3600 });
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    t = performance.now();
    const submitted = await fetch(`${base}/v1/segmentations`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        purpose: 'segmentation_analytics',
        method: 'kmeans',
        k: 8,
        seed: 1,
        features: ['age', 'tenure_days', 'recency_days', 'frequency', 'monetary', 'avg_basket', 'share_web', 'share_store'],
      }),
    });
    if (submitted.status !== 202) throw new Error(`the run was refused: ${submitted.status} ${await submitted.text()}`);
    const { id } = (await submitted.json()) as { id: string };
    for (;;) {
      const run = (await (await fetch(`${base}/v1/segmentations/${id}`, { headers })).json()) as { status: string };
      if (run.status === 'succeeded') break;
      if (run.status === 'failed') throw new Error('the k-means run failed');
      await new Promise((r) => setTimeout(r, 500));
    }
    console.log(`k-means (k = 8) over ${thousands(n)} subjects ran in ${fixed((performance.now() - t) / 1000, 1)} s`);
    const page = await (await browser.newContext({ baseURL: base })).newPage();
    await page.goto('/console/dev-sign-in');
    await page.getByLabel('User name (optional)').fill('bench-console');
    await page.locator('button[data-role="marketing"]').click();
    await page.locator('header .who').waitFor();
    const ms: number[] = [];
    for (let i = 0; i < loads; i++) ms.push(await load(page, `/console/runs/${id}`));
    const m = median(ms);
    return ['marketing', `/console/runs/<k-means, ${thousands(n)} subjects>`, fixed(m, 0), fixed(Math.max(...ms), 0), m < 1000 ? 'PASS' : 'FAIL'];
  } finally {
    const exited = new Promise((r) => server.once('exit', r));
    server.kill('SIGTERM');
    await exited;
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
