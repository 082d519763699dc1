// The DPO's pages in a real browser: four-eyes re-identification between two DPOs (the queue,
// the approval, the fields shown once and never kept), the requester unable to approve their own
// request, the audit log's filters, pages and CSV export, its chain badge before and after the
// table is tampered with, and a marketing user sent the gateway's refusal.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { pseudonymOfEmail } from '../helpers/access.ts';
import { auditRows, dropTrigger, tamper } from '../helpers/audit.ts';
import { scan } from '../helpers/canaries.ts';
import { startConsole, type ConsoleHarness } from './harness.ts';

const JUSTIFICATION = 'Refund to the customer after a double debit, ticket 55120';

/** What the tab keeps and shows in its address: none of it may hold an identity. */
const kept = (page: Page) =>
  page.evaluate(() => ({
    url: location.href,
    session: JSON.stringify(Object.entries(sessionStorage)),
    local: JSON.stringify(Object.entries(localStorage)),
    cookie: document.cookie,
    history: history.state === null ? '' : JSON.stringify(history.state),
  }));

describe('DPO console: re-identifications and the audit log', () => {
  let h: ConsoleHarness;
  let needles: { label: string; value: string }[];
  const pageErrors: string[][] = [];

  const open = async (role: string, user?: string) => {
    const p = await h.newPage();
    pageErrors.push(p.errors);
    await h.signIn(p.page, role, user);
    return p;
  };
  const api = async (path: string, token: string, init: { method?: string; body?: unknown } = {}) => {
    const res = await h.gw.request(path, {
      token,
      method: init.method ?? 'GET',
      ...(init.body !== undefined && { body: JSON.stringify(init.body), headers: { 'content-type': 'application/json' } }),
    });
    const text = await res.text();
    return { status: res.status, json: text.startsWith('{') ? (JSON.parse(text) as Record<string, any>) : undefined, text };
  };

  beforeAll(async () => {
    h = await startConsole({ customers: 200 });
    needles = h.canaries.flatMap((c) => c.needles);
  }, 180_000);
  afterAll(async () => {
    expect(pageErrors.flat()).toEqual([]);
    await h?.close();
  });

  it('four eyes: Anna asks for an IBAN, Ben approves it from the queue, Anna sees it once and it is kept nowhere', async () => {
    const canary = h.canaries[0]!;
    const pseudonym = pseudonymOfEmail(h.gw, canary.normalized['email']!);
    const anna = await open('dpo', 'dpo-anna');
    await anna.page.goto('/console/reidentifications');
    await anna.page.getByLabel('Pseudonyms').fill(pseudonym);
    await anna.page.getByLabel('Purpose').selectOption('customer_service');
    await anna.page.getByLabel('Justification').fill(JUSTIFICATION);
    await anna.page.getByRole('checkbox', { name: /IBAN/ }).check();
    await anna.page.getByRole('checkbox', { name: /Last name/ }).check();
    const posted = anna.page.waitForResponse((r) => r.url().endsWith('/v1/reidentifications') && r.request().method() === 'POST');
    await anna.page.getByRole('button', { name: 'Request re-identification' }).click();
    const answer = await posted;
    expect(answer.status()).toBe(202);
    const id = ((await answer.json()) as { id: string }).id;
    await anna.page.getByText(`Request ${id} waits for a second DPO's approval.`).waitFor();
    // in Anna's queue, her own request cannot be approved by her
    const own = anna.page.locator(`.reid-queue tr[data-request="${id}"] button[data-decision="approve"]`);
    await own.waitFor();
    expect(await own.isDisabled()).toBe(true);

    const ben = await open('dpo', 'dpo-ben');
    await ben.page.goto('/console/reidentifications');
    const row = ben.page.locator(`.reid-queue tr[data-request="${id}"]`);
    await row.waitFor();
    expect(await row.locator('.requester').textContent()).toBe('dev:dpo-anna');
    expect(await row.locator('.purpose').textContent()).toBe('customer_service');
    expect(await row.locator('.justification').textContent()).toBe(JUSTIFICATION);
    expect(await row.locator('.fields').textContent()).toMatch(/IBAN.*iban.*second DPO/);
    expect(await row.locator('.fields').textContent()).toContain('last_name');
    expect(await row.textContent()).toContain(pseudonym);
    await row.getByRole('button', { name: /^Approve/ }).click();
    await ben.page.getByText(`Request ${id} approved`).waitFor();
    await expect.poll(() => row.count()).toBe(0);
    // Ben's history shows it approved by him; only Anna can collect it
    await ben.page.locator(`.reid-history tr[data-request="${id}"][data-status="approved"]`).waitFor();
    expect(await ben.page.locator(`.reid-history tr[data-request="${id}"]`).textContent()).toContain('dev:dpo-ben');
    expect(scan(await ben.page.content(), needles)).toEqual([]);

    // Anna: the history links to the collection, which shows the fields once with the warning
    await anna.page.reload();
    await anna.page.getByRole('link', { name: /Collect the fields \(shown once\)/ }).click();
    await anna.page.waitForURL(new RegExp(`/console/reidentifications/${id}$`));
    const warning = anna.page.getByRole('alert').filter({ hasText: 'will not be shown again' });
    await warning.waitFor();
    expect(await anna.page.locator('td[data-field="iban"]').textContent()).toBe(canary.normalized['iban']);
    expect(await anna.page.locator('td[data-field="last_name"]').textContent()).toBe(canary.normalized['last_name']);
    // shown on the page, kept nowhere: not in storage, the address, a cookie or the history entry
    expect(scan(await anna.page.content(), needles).map((x) => x.label)).toContain('iban#1 compact');
    expect(scan(JSON.stringify(await kept(anna.page)), needles)).toEqual([]);

    // leaving the page drops them; coming back (history) or reloading shows them no more
    await anna.page.getByRole('link', { name: 'Back to re-identifications' }).click();
    await anna.page.waitForURL(/\/console\/reidentifications$/);
    await anna.page.getByRole('heading', { name: 'Decided requests' }).waitFor();
    expect(scan(await anna.page.content(), needles)).toEqual([]);
    await anna.page.goBack();
    await anna.page.locator('[data-state-note="delivered"]').waitFor();
    expect(await anna.page.locator('[data-state-note="delivered"]').textContent()).toContain('not shown again');
    await anna.page.reload();
    await anna.page.locator('[data-state-note="delivered"]').waitFor();
    expect(await anna.page.locator('td[data-field]').count()).toBe(0);
    expect(scan(await anna.page.content(), needles)).toEqual([]);
    expect(scan(JSON.stringify(await kept(anna.page)), needles)).toEqual([]);
    // the gateway delivered once: one deliver entry for this request
    const delivered = (await auditRows(h.gw)).filter((r) => r.action === 'reidentification.deliver' && r.detail.includes(id));
    expect(delivered).toHaveLength(1);
  }, 120_000);

  it('Anna cannot approve her own request: the button is disabled with the reason, and the gateway refuses it (403) even when forced', async () => {
    const annaToken = await h.token('dpo', 'dpo-anna');
    const pseudonym = pseudonymOfEmail(h.gw, h.canaries[1]!.normalized['email']!);
    const made = await api('/v1/reidentifications', annaToken, {
      method: 'POST',
      body: { pseudonyms: [pseudonym], fields: ['nir'], purpose: 'legal_obligation', justification: JUSTIFICATION },
    });
    expect(made.status, made.text).toBe(202);
    const id = made.json!['id'] as string;
    const anna = await open('dpo', 'dpo-anna');
    await anna.page.goto('/console/reidentifications');
    const row = anna.page.locator(`.reid-queue tr[data-request="${id}"]`);
    const approve = row.getByRole('button', { name: /^Approve/ });
    await approve.waitFor();
    expect(await approve.isDisabled()).toBe(true);
    expect(await row.getByRole('button', { name: /^Deny/ }).isDisabled()).toBe(true);
    const reason = 'You made this request: another DPO must decide it (four eyes).';
    expect(await row.locator('.own-note').textContent()).toBe(reason);
    // the reason is the button's description for assistive technologies
    const described = await approve.getAttribute('aria-describedby');
    expect(await anna.page.locator(`[id="${described}"]`).textContent()).toBe(reason);

    // a direct call by Anna is refused, and nothing is decided
    const direct = await api(`/v1/reidentifications/${id}/approve`, annaToken, { method: 'POST' });
    expect(direct.status).toBe(403);
    // forced through the page (the attribute removed), the gateway's refusal is shown
    await approve.evaluate((b) => b.removeAttribute('disabled'));
    await approve.click();
    const refusal = anna.page.locator('.problem[data-status="403"]');
    await refusal.waitFor();
    expect(await refusal.textContent()).toContain('You are not allowed to do this');
    expect(await refusal.textContent()).toContain('cannot be decided by the person who made it');
    expect((await api(`/v1/reidentifications/${id}`, annaToken)).json).toMatchObject({ status: 'pending_approval' });
    const refused = (await auditRows(h.gw)).filter((r) => r.action === 'reidentification.approve' && r.outcome === 'denied' && r.detail.includes(id));
    expect(refused).toHaveLength(2);
  }, 60_000);

  it('an identifier typed where a pseudonym belongs never leaves the page; a request granted at once shows its fields until hidden', async () => {
    const canary = h.canaries[2]!;
    const email = canary.normalized['email']!;
    const { page } = await open('dpo', 'dpo-anna');
    const sent: string[] = [];
    page.on('request', (r) => sent.push(`${r.method()} ${r.url()} ${r.postData() ?? ''}`));

    await page.goto('/console/audit');
    await page.getByLabel('Subject pseudonym').fill(email);
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByText('This is not a pseudonym: identifiers are not searched here.').waitFor();

    await page.goto('/console/reidentifications');
    await page.getByLabel('Pseudonyms').fill(email);
    await page.getByLabel('Purpose').selectOption('customer_service');
    await page.getByLabel('Justification').fill(JUSTIFICATION);
    await page.getByRole('checkbox', { name: /E-mail/ }).check();
    await page.getByRole('button', { name: 'Request re-identification' }).click();
    await page.getByText('Line 1 is not a pseudonym.').waitFor();
    expect(scan(sent.join('\n'), canary.needles)).toEqual([]);
    expect(sent.filter((s) => s.startsWith('POST') && s.includes('/v1/reidentifications'))).toEqual([]);

    // with the pseudonym, e-mail alone needs no second DPO: granted, shown here with the warning
    await page.getByLabel('Pseudonyms').fill(pseudonymOfEmail(h.gw, email));
    const posted = page.waitForResponse((r) => r.url().endsWith('/v1/reidentifications') && r.request().method() === 'POST');
    await page.getByRole('button', { name: 'Request re-identification' }).click();
    expect((await posted).status()).toBe(201);
    await page.getByRole('alert').filter({ hasText: 'will not be shown again' }).waitFor();
    expect(await page.locator('.revealed td[data-field="email"]').textContent()).toBe(email);
    expect(scan(JSON.stringify(await kept(page)), needles)).toEqual([]);
    await page.getByRole('button', { name: 'Hide now' }).click();
    await page.getByText('The revealed values were removed from the page.').waitFor();
    expect(scan(await page.content(), needles)).toEqual([]);
  }, 60_000);

  it('filters narrow the audit table and stay in the address, pages follow the cursor, and the CSV export holds the filtered range', async () => {
    const dpoToken = await h.token('dpo', 'dpo-setup');
    // at least a dozen entries of one action
    for (let i = 0; i < 12; i++) expect((await api('/v1/reidentifications?status=decided', dpoToken)).status).toBe(200);
    const action = 'reidentification.list';
    const { page } = await open('dpo', 'dpo-anna');
    await page.goto('/console/audit');
    await page.locator('table.audit-table tbody tr').first().waitFor();
    const before = await page.locator('tr[data-action]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-action')));
    expect(new Set(before).size).toBeGreaterThan(1);

    await page.getByLabel('Action').fill(action);
    await page.getByLabel('Entries per page').selectOption('10');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL((u) => u.searchParams.get('action') === action && u.searchParams.get('limit') === '10');
    const rowsOf = async () => {
      await page.locator('table.audit-table tbody tr').first().waitFor();
      return page
        .locator('tr[data-action]')
        .evaluateAll((rows) => rows.map((r) => ({ seq: Number(r.getAttribute('data-seq')), action: r.getAttribute('data-action') })));
    };
    await expect.poll(async () => (await rowsOf()).every((r) => r.action === action)).toBe(true);
    const first = await rowsOf();
    expect(first).toHaveLength(10);

    await page.getByRole('button', { name: 'Next page' }).click();
    const last = first[first.length - 1]!.seq;
    await page.waitForURL((u) => u.searchParams.get('cursor') === String(last));
    await expect.poll(async () => (await rowsOf())[0]!.seq).toBeGreaterThan(last);
    const second = await rowsOf();
    expect(second.every((r) => r.action === action && r.seq > last)).toBe(true);
    // the address keeps the filters: a reload shows the same page
    await page.reload();
    expect(await page.getByLabel('Action').inputValue()).toBe(action);
    expect(await rowsOf()).toEqual(second);
    await page.getByRole('button', { name: 'Previous page' }).waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'First page' }).click();
    await page.waitForURL((u) => !u.searchParams.has('cursor'));

    // the CSV export: every entry of the filtered range (all pages), one line each after the header
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export CSV' }).click();
    const file = await (await download).path();
    await page.getByText(/^Saved veilgate-audit-.*\.csv\.$/).waitFor();
    const lines = fs.readFileSync(file, 'utf8').split('\r\n');
    expect(lines.pop()).toBe('');
    expect(lines[0]).toMatch(/^seq,at,actor_issuer,actor_subject,roles,action,outcome/);
    const body = lines.slice(1);
    const matching = (await api(`/v1/audit?action=${action}&limit=10000`, dpoToken)).json!['entries'] as { seq: number }[];
    expect(body).toHaveLength(matching.length);
    expect(body.every((l) => l.includes(`"${action}"`))).toBe(true);
    expect(body.map((l) => Number(JSON.parse(l.split(',')[0]!)))).toEqual(matching.map((e) => e.seq));
    expect(scan(fs.readFileSync(file), needles)).toEqual([]);
  }, 90_000);

  it('a marketing user forcing the DPO pages gets the clear 403, and has no DPO menu', async () => {
    const { page } = await open('marketing');
    expect(await page.locator('nav [data-group="dpo"]').count()).toBe(0);
    for (const path of ['/console/audit', '/console/reidentifications']) {
      await page.goto(path);
      const problem = page.locator('.problem[data-status="403"]').first();
      await problem.waitFor();
      expect(await problem.textContent()).toContain('You are not allowed to do this: the gateway refused it for your roles (403).');
      expect(await page.locator('nav [data-group="dpo"]').count()).toBe(0);
    }
  }, 60_000);

  it('the chain badge says "verified up to seq N" from GET /v1/audit/verify, and "broken at seq M" once the table is tampered with', async () => {
    const { page } = await open('dpo', 'dpo-ben');
    const verified = page.waitForResponse((r) => r.url().endsWith('/v1/audit/verify'));
    await page.goto('/console/audit');
    const v = (await (await verified).json()) as { ok: boolean; head: { seq: number } };
    expect(v.ok).toBe(true);
    const ok = page.locator('[data-chain="ok"]');
    await ok.waitFor();
    expect(await ok.textContent()).toBe(`Verified up to seq ${v.head.seq}`);
    // the page's verification is itself an entry, naming as many entries as the badge's head
    const rows = await auditRows(h.gw);
    const own = rows.filter((r) => r.action === 'audit.verify' && r.actor_subject === 'dpo-ben').pop()!;
    expect(JSON.parse(own.detail)).toMatchObject({ ok: true, entries: v.head.seq });

    // someone with database access rewrites an entry's outcome
    const victim = rows.find((r) => r.action === 'reidentification.approve' && r.outcome === 'ok')!;
    tamper(h.gw, `${dropTrigger(h.gw, 'audit_log_no_update')} UPDATE audit_log SET outcome='denied' WHERE seq=${victim.seq};`);
    await page.reload();
    const broken = page.locator('[data-chain="broken"]');
    await broken.waitFor();
    expect(await broken.textContent()).toBe(`Broken at seq ${victim.seq}`);
    expect(await page.locator('.chain-status').textContent()).toContain('This entry was changed after it was written.');
  }, 60_000);
});
