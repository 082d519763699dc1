// Threat T9 (docs/threat-model.md): an ingest client writes as another source (its customer ids,
// its data quality, its provenance), reaches that source's customers by their customer_id, or
// pushes consent grants that never expire (expires_at: 2099). Sources are declared in
// sources.yaml with the issuers (and token subjects) that may write them; other writers get 403,
// audited; a consent's expiry is capped by its purpose's validity.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { Recorder, seedSubject, type Seeded } from '../helpers/access.ts';
import { auditRows } from '../helpers/audit.ts';
import { expectProblem } from '../helpers/problem.ts';
import { testGateway, type TestGateway } from '../helpers/test-gateway.ts';

const CLOCK = Date.UTC(2026, 0, 15, 9, 30);
const DAY = 86_400_000;

describe('T9: ingest clients are bound to their sources', () => {
  let gw: TestGateway;
  let rec: Recorder;
  let s: Seeded;
  const post = (source: string, type: string, token: string, rows: unknown[]) =>
    gw.request(`/v1/ingest/${source}/${type}`, { method: 'POST', token, headers: { 'content-type': 'application/json' }, body: JSON.stringify(rows) });

  beforeAll(async () => {
    gw = await testGateway({
      clockStart: CLOCK,
      prepare: ({ policiesDir }) => {
        // the CRM source may be written only by the crm-sync client; the shop by any dev token
        const file = path.join(policiesDir, 'sources.yaml');
        const doc = parse(fs.readFileSync(file, 'utf8')) as { sources: Record<string, { writers: unknown[] }> };
        doc.sources['crm']!.writers = [{ issuer: 'dev', subjects: ['crm-sync'] }];
        fs.writeFileSync(file, stringify(doc));
      },
    });
    rec = new Recorder(gw);
    const crm = await gw.mint(['ingest'], { sub: 'crm-sync' });
    const res = await post('crm', 'customers', crm, [{ customer_id: 'CRM-77', email: 'bound.advsrc@example.test', gender: 'f' }]);
    expect(res.status, await res.clone().text()).toBe(200);
    s = await seedSubject(rec, 'advsrc', 1, { source: 'shop', transactions: false, flags: {} });
  });
  afterAll(() => gw?.cleanup());

  it('another client of the same issuer cannot write as the CRM: 403, audited, nothing stored', async () => {
    const intruder = await gw.mint(['ingest'], { sub: 'shop-sync' });
    const before = (await auditRows(gw)).length;
    const stored = () => gw.db.count('transactions');
    const n = await stored();
    for (const type of ['customers', 'transactions', 'consents']) {
      const res = await post('crm', type, intruder, [
        { customer_id: 'CRM-77', date: '2026-01-10', amount: 9, channel: 'web', purpose: 'marketing_email', status: 'granted', collected_at: '2026-01-10' },
      ]);
      await expectProblem(res, 403, 'auth.forbidden');
    }
    expect(await stored()).toBe(n);
    const denied = (await auditRows(gw)).slice(before);
    expect(denied.map((r) => [r.action, r.outcome, JSON.parse(r.detail).reason])).toEqual([
      ['ingest.customers', 'denied', 'not_a_writer'],
      ['ingest.transactions', 'denied', 'not_a_writer'],
      ['ingest.consents', 'denied', 'not_a_writer'],
    ]);
  });

  it('an undeclared source is refused for everyone, before the body is read', async () => {
    const crm = await gw.mint(['ingest'], { sub: 'crm-sync' });
    const res = await gw.request('/v1/ingest/made-up/customers', {
      method: 'POST',
      token: crm,
      headers: { 'content-type': 'application/x-unknown' },
      body: 'not even parsed',
    });
    const { body } = await expectProblem(res, 403, 'auth.forbidden');
    expect(body.detail).toMatch(/not declared/);
    expect(JSON.parse((await auditRows(gw)).at(-1)!.detail)).toMatchObject({ source: 'made-up', reason: 'unknown_source' });
  });

  it("the shop cannot reach the CRM's customer by its CRM customer id: under its own source that id is no one", async () => {
    const shop = await gw.mint(['ingest'], { sub: 'shop-sync' });
    const res = await post('shop', 'transactions', shop, [{ customer_id: 'CRM-77', transaction_id: 't-1', date: '2026-01-10', amount: 9, channel: 'web' }]);
    const body = (await res.json()) as { accepted: number; errors: { code: string }[] };
    expect(body.accepted).toBe(0);
    expect(body.errors[0]!.code).toBe('unknown_subject');
  });

  it("a consent grant cannot outlive its purpose's validity, however far its expires_at", async () => {
    const shop = await gw.mint(['ingest'], { sub: 'shop-sync' });
    const collected = CLOCK - DAY;
    const res = await post('shop', 'consents', shop, [
      {
        email: s.identity.record['email'],
        purpose: 'partner_sharing',
        status: 'granted',
        collected_at: new Date(collected).toISOString(),
        expires_at: '2099-01-01T00:00:00Z',
      },
    ]);
    const body = (await res.json()) as { accepted: number; consents: { expires_capped: number } };
    expect(body.accepted).toBe(1);
    expect(body.consents.expires_capped).toBe(1);
    const validity = gw.policies.purposes.get('partner_sharing')!.consentValidityDays;
    const row = await gw.db.get<{ expires_at: number }>(
      "SELECT c.expires_at FROM consent_records c JOIN subjects s ON s.id = c.subject_id WHERE s.pseudonym = ? AND c.purpose = 'partner_sharing'",
      s.pseudonym,
    );
    expect(row!.expires_at).toBe(collected + validity * DAY);
    // the DPO cannot extend it either
    const dpo = await gw.mint(['dpo']);
    const w = await rec.postJson(`/v1/subjects/${s.pseudonym}/consents`, dpo, {
      purpose: 'partner_sharing',
      status: 'granted',
      expires_at: '2099-01-01T00:00:00Z',
    });
    expect(w.json.expires_at).toBe(new Date(CLOCK + validity * DAY).toISOString());
  });
});
