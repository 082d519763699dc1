// The DPO's pages in a real browser: data-subject access and erasure (a confirmation first, the
// identity gone from the browser once the page is left), the four-eyes decision on withheld
// fields, the consent registry and a withdrawal, the data-quality scorecard with a flagged
// source, the effective policy, and an admin refused by the API on the DPO's pages.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pseudonymOfEmail } from '../helpers/access.ts';
import { scan, type Identity } from '../helpers/canaries.ts';
import { startConsole, type ConsoleHarness } from './harness.ts';

const AXE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core's serious and critical violations on the page as it stands. */
async function seriousViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE);
  return page.evaluate(async () => {
    const axe = (
      window as unknown as { axe: { run: (c: Document) => Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> } }
    ).axe;
    const r = await axe.run(document);
    return r.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  });
}

/** Everything the browser holds that a person's identifier could be left in. */
async function browserState(page: Page): Promise<string> {
  const inPage = await page.evaluate(() => {
    const values = [...document.querySelectorAll('input, textarea, select')].map((e) => (e as HTMLInputElement).value);
    const dump = (s: Storage) => JSON.stringify(Object.fromEntries(Array.from({ length: s.length }, (_, i) => [s.key(i), s.getItem(s.key(i)!)])));
    return [
      document.documentElement.outerHTML,
      document.title,
      values.join('\n'),
      dump(sessionStorage),
      dump(localStorage),
      document.cookie,
      location.href,
    ].join('\n');
  });
  const cookies = await page.context().cookies();
  return inPage + '\n' + JSON.stringify(cookies);
}

/** A link of the header's menu (the home page lists the same pages). */
const menu = (page: Page, name: string) => page.getByRole('navigation', { name: 'Main menu' }).getByRole('link', { name, exact: true });

const json = async (res: Response) => (await res.json()) as Record<string, unknown>;

describe('console: the DPO pages', () => {
  let h: ConsoleHarness;
  let dpoToken: string;
  const canary = (i: number): Identity => h.canaries[i]!;

  beforeAll(async () => {
    h = await startConsole({ customers: 200 });
    dpoToken = await h.token('dpo', 'dpo-checker');
    // a source under the validity threshold: most of its rows fail the email format
    const rows = [
      { customer_id: 'QF1', email: 'not-an-address' },
      { customer_id: 'QF2', email: 'nor-this-one' },
      { customer_id: 'QF3', email: 'still@nothing' },
      { customer_id: 'QF4', email: 'qf4@example.test' },
    ];
    const res = await h.gw.request('/v1/ingest/bad-crm/customers', {
      method: 'POST',
      token: await h.token('ingest'),
      headers: { 'Content-Type': 'application/x-ndjson' },
      body: rows.map((r) => JSON.stringify(r)).join('\n'),
    });
    expect(await json(res)).toMatchObject({ accepted: 1, rejected: 3 });
  }, 180_000);
  afterAll(async () => h?.close());

  const consentsOf = (c: Identity) => h.gw.request(`/v1/subjects/${pseudonymOfEmail(h.gw, c.normalized['email']!)}/consents`, { token: dpoToken });

  async function fillRequest(page: Page, type: 'Email address' | 'Customer id (with its source)', value: string, reference: string, source?: string) {
    await page.getByRole('radio', { name: type }).check();
    await page.getByLabel('Identifier value').fill(value);
    if (source !== undefined) await page.getByLabel('Source', { exact: true }).fill(source);
    await page.getByLabel('Request reference').fill(reference);
  }

  it('shows a canary’s access package in sections, then erases another canary only after a confirmation, with its receipt', async () => {
    const { page, errors } = await h.newPage();
    await h.signIn(page, 'dpo', 'dpo-anna');
    await menu(page, 'Data-subject requests').click();
    await page.getByRole('heading', { level: 1, name: 'Data-subject requests' }).waitFor();

    const a = canary(0);
    await fillRequest(page, 'Email address', a.normalized['email']!, 'DSR-WEB-0001');
    await page.getByRole('button', { name: 'Show what is held' }).click();
    await page.getByRole('heading', { level: 2, name: 'Access package' }).waitFor();
    for (const section of ['Identity', 'Features', 'Transactions', 'Consents', 'Segment memberships', 'Partner exports', 'Re-identifications']) {
      await page.getByRole('heading', { level: 2, name: section, exact: true }).waitFor();
    }
    expect(await page.locator('tr[data-field="email"] .identity-value').textContent()).toBe(a.normalized['email']);
    expect(await page.locator('tr[data-field="first_name"] .identity-value').textContent()).toBe(a.normalized['first_name']);
    // the four-eyes fields are withheld, named as such, with the request to have approved
    const notice = await page.locator('.withheld').textContent();
    expect(notice).toMatch(/IBAN.*Social security number.*withheld pending another DPO's approval/);
    expect(notice).toMatch(/dsr_[0-9a-f-]{36}/);
    expect(await page.locator('tr[data-field="iban"]').textContent()).toContain("Withheld pending another DPO's approval");
    expect(await page.content()).not.toContain(a.normalized['iban']);
    expect(await page.locator('#pkg-consents ~ * td', { hasText: 'marketing_email' }).count()).toBe(1);
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByRole('button', { name: 'New request' }).click();
    const b = canary(1);
    await fillRequest(page, 'Customer id (with its source)', b.normalized['customer_id']!, 'DSR-WEB-0002', 'crm');
    await page.getByRole('button', { name: 'Erase this person…' }).click();
    const confirm = page.locator('.confirm-panel');
    await confirm.getByRole('heading', { name: 'Confirm the erasure' }).waitFor();
    expect(await confirm.textContent()).toContain(b.normalized['customer_id']);
    expect(await confirm.textContent()).toContain('This cannot be undone');
    expect(await seriousViolations(page)).toEqual([]);
    // nothing was sent before the confirmation: the person is still held
    expect((await consentsOf(b)).status).toBe(200);

    await confirm.getByRole('button', { name: 'Erase now' }).click();
    await page.getByRole('heading', { level: 2, name: 'Erasure receipt' }).waitFor();
    expect(await page.getByRole('status').filter({ hasText: 'The person was erased.' }).count()).toBe(1);
    expect(await page.locator('table.receipt tr[data-key="vault_data_key"]').textContent()).toContain('destroyed');
    expect(await page.locator('table.receipt tr[data-key="linkage_keys"] td').textContent()).not.toBe('0');
    expect(await seriousViolations(page)).toEqual([]);

    // the API agrees: nothing is held on the person any more
    expect((await consentsOf(b)).status).toBe(404);
    const again = await h.gw.request('/v1/dsr/access', {
      method: 'POST',
      token: dpoToken,
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ identifier: { type: 'customer_id', value: b.normalized['customer_id'], source: 'crm' }, reference: 'DSR-WEB-0003' }),
    });
    expect(again.status).toBe(404);
    expect(errors).toEqual([]);
  }, 90_000);

  it('leaves no identifier of the person in the page, storage, cookies or visited addresses once the page is left', async () => {
    const { page, errors } = await h.newPage();
    const visited: string[] = [];
    page.on('framenavigated', (f) => {
      if (f === page.mainFrame()) visited.push(f.url());
    });
    await h.signIn(page, 'dpo', 'dpo-anna');
    await menu(page, 'Data-subject requests').click();
    const c = canary(2);
    await fillRequest(page, 'Email address', c.normalized['email']!, 'DSR-WEB-0004');
    await page.getByRole('button', { name: 'Show what is held' }).click();
    await page.locator('tr[data-field="last_name"] .identity-value').waitFor();
    // the identity is on the page while it is open (the scan below is not vacuous) ...
    expect(scan(await browserState(page), c.needles).map((x) => x.label)).toEqual(expect.arrayContaining([`email#${c.i} normalized`, `last_name#${c.i}`]));
    visited.push(page.url());

    // ... and nowhere once another page is open, nor after coming back
    await menu(page, 'Consents').click();
    await page.getByRole('heading', { level: 1, name: 'Consents' }).waitFor();
    visited.push(page.url());
    expect(scan(await browserState(page), c.needles)).toEqual([]);
    await page.goBack();
    await page.getByRole('heading', { level: 1, name: 'Data-subject requests' }).waitFor();
    expect(await page.getByLabel('Identifier value').inputValue()).toBe('');
    expect(scan(await browserState(page), c.needles)).toEqual([]);
    visited.push(page.url());
    expect(visited.length).toBeGreaterThan(3);
    expect(scan(visited.join('\n'), c.needles)).toEqual([]);
    expect(errors).toEqual([]);
  }, 90_000);

  it('the requester of withheld fields cannot decide them; another DPO approves, and the requester collects them once', async () => {
    const c = canary(0);
    const anna = await h.newPage();
    await h.signIn(anna.page, 'dpo', 'dpo-anna');
    await anna.page.goto('/console/dsr');
    await fillRequest(anna.page, 'Email address', c.normalized['email']!, 'DSR-WEB-0005');
    await anna.page.getByRole('button', { name: 'Show what is held' }).click();
    await anna.page.getByRole('link', { name: 'Open the request' }).click();
    const id = /\/console\/dsr\/(dsr_[0-9a-f-]{36})$/.exec(anna.page.url())?.[1];
    expect(id).toBeDefined();
    await anna.page.getByRole('heading', { level: 2, name: 'Decision' }).waitFor();
    expect(await anna.page.locator('#dsr-own').textContent()).toContain('You made this request');
    expect(await anna.page.getByRole('button', { name: 'Approve the withheld fields' }).isDisabled()).toBe(true);
    expect(await seriousViolations(anna.page)).toEqual([]);

    const ben = await h.newPage();
    await h.signIn(ben.page, 'dpo', 'dpo-ben');
    await ben.page.goto(`/console/dsr/${id}`);
    await ben.page.getByRole('button', { name: 'Approve the withheld fields' }).click();
    await ben.page.getByRole('status').filter({ hasText: 'Approved: the requester can now collect the fields' }).waitFor();
    expect(await ben.page.locator('[data-status]').first().getAttribute('data-status')).toBe('approved');
    expect(await ben.page.content()).not.toContain(c.normalized['iban']);
    const view = await json(await h.gw.request(`/v1/dsr/${id}`, { token: dpoToken }));
    expect(view).toMatchObject({ status: 'approved', decided_by: 'dev:dpo-ben' });

    await anna.page.reload();
    await anna.page.getByRole('heading', { level: 2, name: 'Delivered fields' }).waitFor();
    expect(await anna.page.locator('tr[data-field="iban"] .identity-value').textContent()).toBe(c.normalized['iban']);
    expect(await anna.page.locator('tr[data-field="nir"] .identity-value').textContent()).toBe(c.normalized['nir']);
    await anna.page.reload();
    await anna.page.getByText('The approved fields were delivered earlier').waitFor();
    expect(await anna.page.content()).not.toContain(c.normalized['iban']);
    expect([...anna.errors, ...ben.errors]).toEqual([]);
  }, 90_000);

  it('shows a subject’s consent history and records a withdrawal after a confirmation', async () => {
    const c = canary(2);
    const pseudonym = pseudonymOfEmail(h.gw, c.normalized['email']!);
    const { page, errors } = await h.newPage();
    await h.signIn(page, 'dpo', 'dpo-anna');
    await menu(page, 'Consents').click();

    // an identifier typed where a pseudonym goes is neither sent nor put in the address
    await page.getByLabel('Subject pseudonym').fill(c.normalized['email']!);
    await page.getByRole('button', { name: 'Show the history' }).click();
    await page.getByRole('alert').filter({ hasText: 'This is not a pseudonym' }).waitFor();
    expect(page.url()).not.toContain('canary');

    await page.getByLabel('Subject pseudonym').fill(pseudonym);
    await page.getByRole('button', { name: 'Show the history' }).click();
    const granted = page.locator('table.consent-history tr[data-purpose="marketing_email"][data-status="granted"]');
    await granted.waitFor();
    expect(await page.locator('tr[data-purpose="marketing_email"] .badge').first().textContent()).toBe('Covered');
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByLabel('Purpose withdrawn').selectOption('marketing_email');
    await page.getByRole('button', { name: 'Record the withdrawal…' }).click();
    await page.getByRole('heading', { name: 'Confirm the withdrawal' }).waitFor();
    const before = (await json(await h.gw.request(`/v1/subjects/${pseudonym}/consents`, { token: dpoToken }))) as { history: { status: string }[] };
    expect(before.history.some((r) => r.status === 'withdrawn')).toBe(false);

    await page.getByRole('button', { name: 'Record the withdrawal', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Withdrawal recorded' }).waitFor();
    await page.locator('table.consent-history tr[data-purpose="marketing_email"][data-status="withdrawn"]').waitFor();
    await expect.poll(() => page.locator('tr[data-purpose="marketing_email"] .badge').first().textContent()).toBe('Not covered');

    const after = (await json(await h.gw.request(`/v1/subjects/${pseudonym}/consents`, { token: dpoToken }))) as {
      history: { purpose: string; status: string; source: string }[];
      current: Record<string, { covered: boolean }>;
    };
    expect(after.history.filter((r) => r.purpose === 'marketing_email').at(-1)).toMatchObject({ status: 'withdrawn', source: 'dpo' });
    expect(after.current['marketing_email']?.covered).toBe(false);
    expect(errors).toEqual([]);
  }, 90_000);

  it('charts the validity of every source as the API reports it and marks the flagged one in words', async () => {
    const card = (await json(await h.gw.request('/v1/quality', { token: dpoToken }))) as {
      sources: { source: string; record_type: string; validity: number | null; flagged: boolean }[];
    };
    expect(card.sources.find((s) => s.source === 'bad-crm')).toMatchObject({ flagged: true });
    const { page, errors } = await h.newPage();
    await h.signIn(page, 'dpo', 'dpo-anna');
    await menu(page, 'Data quality').click();
    const chart = page.locator('figure', { hasText: 'Validity per source' });
    await chart.locator('.bar-row').first().waitFor();
    expect(await chart.locator('.bar-row').count()).toBe(card.sources.length);
    for (const s of card.sources) {
      const bar = chart.locator(`.bar-row[data-key="${s.source}/${s.record_type}"]`);
      expect(Number(await bar.getAttribute('data-value'))).toBe(s.validity ?? 0);
      expect((await bar.textContent())?.includes('flagged')).toBe(s.flagged);
      const row = page.locator(`table.quality-sources tr[data-source="${s.source}"][data-record-type="${s.record_type}"]`);
      expect(await row.locator('.badge').textContent()).toBe(s.flagged ? 'Flagged: under the threshold' : 'Within the threshold');
    }
    // the rules chart counts the bad source's rejections
    expect(await page.locator('figure', { hasText: 'Rejected rows by rule' }).locator('.bar-row[data-key="format"]').count()).toBe(1);
    expect(await seriousViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
  }, 60_000);

  it('shows the effective policy’s version and every role', async () => {
    const policy = (await json(await h.gw.request('/v1/policies', { token: dpoToken }))) as { version: string; policy: { roles: Record<string, unknown> } };
    const { page, errors } = await h.newPage();
    await h.signIn(page, 'dpo', 'dpo-anna');
    await menu(page, 'Policy').click();
    await page.locator('.policy-version').waitFor();
    expect(await page.locator('.policy-version').textContent()).toBe(policy.version);
    const roles = Object.keys(policy.policy.roles);
    expect(roles.length).toBeGreaterThan(3);
    for (const r of roles) expect(await page.locator(`table.policy-roles tr[data-role="${r}"] th`).textContent()).toBe(r);
    for (const section of ['Purposes and legal bases', 'Privileges', 'Access rules']) await page.getByRole('heading', { level: 2, name: section }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
  }, 60_000);

  it('an admin has quality and policy but no DPO menus, and the API refuses the DPO pages opened by address', async () => {
    const { page, errors } = await h.newPage();
    await h.signIn(page, 'admin');
    const ops = page.locator('nav [data-group="operations"]');
    await ops.getByRole('link', { name: 'Data quality' }).waitFor();
    await ops.getByRole('link', { name: 'Policy' }).waitFor();
    expect(await page.locator('nav [data-group="dpo"]').count()).toBe(0);
    expect(await page.getByRole('link', { name: 'Data-subject requests' }).count()).toBe(0);
    expect(await page.getByRole('link', { name: 'Consents' }).count()).toBe(0);

    await page.goto('/console/dsr');
    await fillRequest(page, 'Email address', 'nobody@example-mail.test', 'DSR-WEB-0009');
    await page.getByRole('button', { name: 'Show what is held' }).click();
    const refusal = page.locator('.problem[data-status="403"]');
    await refusal.waitFor();
    expect(await refusal.textContent()).toContain('You are not allowed to do this');

    await page.goto(`/console/consents?pseudonym=${pseudonymOfEmail(h.gw, canary(0).normalized['email']!)}`);
    await page.locator('.problem[data-status="403"]').waitFor();
    expect(errors).toEqual([]);
  }, 60_000);
});
