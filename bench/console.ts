// The web console in Debian's Chromium against `veilgate demo` (the quick start: a few thousand
// synthetic customers, one segmentation per method): the first load's script weight, and how
// long each page takes from navigation to usable (heading shown, nothing loading), median of
// several loads, beside the sign-in page (the shell alone, no API call) as the floor.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { parseFlags } from './lib/args.ts';
import { freePort } from './lib/http-ingest.ts';
import { fixed, median, table, thousands } from './lib/report.ts';
import { initialScripts, linkPaths, load, menuPaths } from '../test/console/crawl.ts';

const ROOT = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
const FLAGS = {
  loads: { kind: 'int', default: 5, help: 'loads of each page (the median is reported)', min: 1 },
  customers: { kind: 'int', default: 3000, help: 'customers the demo loads' },
  chromium: { kind: 'string', default: '/usr/bin/chromium', help: 'the browser' },
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
    const measure = async (page: import('playwright-core').Page, who: string, target: string) => {
      const ms: number[] = [];
      for (let i = 0; i < f.loads; i++) ms.push(await load(page, target));
      const m = median(ms);
      rows.push([who, target, fixed(m, 0), fixed(Math.max(...ms), 0), m < 1000 ? 'PASS' : 'FAIL']);
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
        paths.push(...(await linkPaths(page, 'main a[href^="/console/runs/"]')));
      }
      for (const target of paths) await measure(page, person.role, target);
    }
    console.log('\n' + table(['who', 'page', 'median ms to usable', 'max ms', 'under 1 s'], rows, ['l', 'l', 'r', 'r', 'l']));
  } finally {
    await browser.close();
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    await exited;
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
