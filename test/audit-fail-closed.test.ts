// Write before answer: when the audit entry cannot commit (an INSERT trigger refuses it) or the
// head file cannot be replaced (a directory at its path), every request touching personal data
// fails with a 503 problem that carries no identity, and a refused ingest stores nothing.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_CONSENT_FLAGS, Recorder, seedSubject, type Answer, type Seeded } from './helpers/access.ts';
import { installFailingTrigger } from './helpers/faults.ts';
import { auditRows, fillers, httpVerify, JUSTIFICATION, readHead, rowCount } from './helpers/audit.ts';
import { canaryIdentity, scan, type Identity } from './helpers/canaries.ts';
import { consentStates, counts } from './helpers/ingest.ts';
import { testGateway, type TestGateway } from './helpers/test-gateway.ts';

const CLOCK = Date.UTC(2026, 0, 15, 9, 30);
/** A trigger refusing every audit entry. */
const BLOCK = { name: 'block', event: 'BEFORE INSERT ON audit_log', message: 'x' };
const DATA_TABLES = ['consent_records', 'reidentification_requests', 'erasures', 'suppressions', 'segmentation_runs'] as const;

function expectUnavailable(a: Answer, identities: readonly Identity[]): void {
  expect(a.status, a.text).toBe(503);
  expect(a.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(a.json).toMatchObject({ status: 503, code: 'server.unavailable' });
  expect(Object.keys(a.json).sort()).toEqual(['code', 'detail', 'request_id', 'status', 'title', 'type']);
  expect(
    scan(
      a.text,
      identities.flatMap((i) => i.needles),
    ).map((h) => h.label),
  ).toEqual([]);
  expect(a.text).not.toMatch(/p1_[A-Za-z0-9_-]{22}/);
  expect(a.text).not.toMatch(/\n\s+at\s/);
}

const snapshot = async (gw: TestGateway) => {
  const tables: Record<string, number> = {};
  for (const t of DATA_TABLES) tables[t] = await rowCount(gw, t);
  return {
    ...(await counts(gw)),
    ...tables,
    // the consent state, in each subject's row
    consent_state: await consentStates(gw),
    reid_statuses: await gw.db.all('SELECT id, status FROM reidentification_requests ORDER BY id'),
    wrapped: await gw.db.count('vault', 'wrapped_key IS NOT NULL'),
  };
};

describe('fail-closed: nothing leaves when the audit log cannot be written', () => {
  let gw: TestGateway;
  let rec: Recorder;
  let s: Seeded;
  let dpo: string;
  let bob: string;
  let marketing: string;
  let ingest: string;
  let approvedId: string;
  let pendingId: string;
  const newcomer = canaryIdentity('failcl', 2);
  const ids = (): Identity[] => [s.identity, newcomer];

  beforeAll(async () => {
    gw = await testGateway({ clockStart: CLOCK });
    rec = new Recorder(gw);
    s = await seedSubject(rec, 'failcl', 1);
    await rec.ingest('crm', 'customers', fillers('failcl', 3));
    dpo = await gw.mint(['dpo'], { sub: 'alice' });
    bob = await gw.mint(['dpo'], { sub: 'bob' });
    marketing = await gw.mint(['marketing'], { sub: 'analyst' });
    ingest = await gw.mint(['ingest']);
    // a four-eyes request approved before the log breaks, collected while it is broken
    const pending = await rec.postJson('/v1/reidentifications', dpo, {
      pseudonyms: [s.pseudonym],
      fields: ['iban', 'email'],
      purpose: 'customer_service',
      justification: JUSTIFICATION,
    });
    expect(pending.status).toBe(202);
    approvedId = pending.json.id as string;
    expect((await rec.postJson(`/v1/reidentifications/${approvedId}/approve`, bob, {})).status).toBe(200);
    const waiting = await rec.postJson('/v1/reidentifications', dpo, {
      pseudonyms: [s.pseudonym],
      fields: ['nir'],
      purpose: 'customer_service',
      justification: JUSTIFICATION,
    });
    pendingId = waiting.json.id as string;
  });
  afterAll(() => gw?.cleanup());

  describe('an INSERT trigger refuses every audit entry', () => {
    let before: Awaited<ReturnType<typeof snapshot>>;
    let entries: number;
    let unblock: () => Promise<void> = async () => {};

    beforeAll(async () => {
      unblock = await installFailingTrigger(gw, BLOCK);
      before = await snapshot(gw);
      entries = (await auditRows(gw)).length;
    });
    afterAll(async () => {
      await unblock();
    });

    it('a re-identification: 503, no identity, no request stored', async () => {
      expectUnavailable(
        await rec.postJson('/v1/reidentifications', dpo, {
          pseudonyms: [s.pseudonym],
          fields: ['email', 'phone', 'first_name', 'last_name'],
          purpose: 'customer_service',
          justification: JUSTIFICATION,
        }),
        ids(),
      );
      // refusals are audited too, so they fail closed as well
      expectUnavailable(
        await rec.postJson('/v1/reidentifications', dpo, { pseudonyms: [s.pseudonym], fields: ['email'], purpose: 'customer_service', justification: 'short' }),
        ids(),
      );
      // a four-eyes request is not left pending, and a decision is not taken
      expectUnavailable(
        await rec.postJson('/v1/reidentifications', dpo, {
          pseudonyms: [s.pseudonym],
          fields: ['iban'],
          purpose: 'customer_service',
          justification: JUSTIFICATION,
        }),
        ids(),
      );
      expectUnavailable(await rec.postJson(`/v1/reidentifications/${pendingId}/approve`, bob, {}), ids());
      expectUnavailable(await rec.postJson(`/v1/reidentifications/${pendingId}/approve`, dpo, {}), ids());
    });

    it('the collection of an approved request: 503, and it stays collectable', async () => {
      expectUnavailable(await rec.get(`/v1/reidentifications/${approvedId}`, dpo), ids());
      expect((await gw.db.get<{ status: string }>('SELECT status FROM reidentification_requests WHERE id = ?', approvedId))!.status).toBe('approved');
    });

    it('a subject read, granted or not: 503 without features', async () => {
      const a = await rec.get(`/v1/subjects/${s.pseudonym}?purpose=segmentation_analytics`, marketing);
      expectUnavailable(a, ids());
      expect(a.text).not.toContain('features');
      expectUnavailable(await rec.get('/v1/subjects/p1_AAAAAAAAAAAAAAAAAAAAAA?purpose=segmentation_analytics', marketing), ids());
    });

    it('a data-subject access and an erasure: 503, nothing returned, nothing erased', async () => {
      expectUnavailable(
        await rec.postJson('/v1/dsr/access', dpo, { reference: 'DSR-TEST-0001', identifier: { type: 'email', value: s.identity.normalized['email'] } }),
        ids(),
      );
      expectUnavailable(
        await rec.postJson('/v1/dsr/access', dpo, { reference: 'DSR-TEST-0001', identifier: { type: 'email', value: 'nobody@example-mail.test' } }),
        ids(),
      );
      expectUnavailable(
        await rec.postJson('/v1/dsr/erasure', dpo, { reference: 'DSR-TEST-0001', identifier: { type: 'email', value: s.identity.normalized['email'] } }),
        ids(),
      );
    });

    it('an ingest batch: 503 and nothing stored (customers, transactions, consents)', async () => {
      const send = (type: string, rows: unknown[]) =>
        rec.send(`/v1/ingest/crm/${type}`, { method: 'POST', token: ingest, headers: { 'content-type': 'application/json' }, body: JSON.stringify(rows) });
      expectUnavailable(await send('customers', [{ ...newcomer.record, ...ALL_CONSENT_FLAGS }]), ids());
      expectUnavailable(
        await send('transactions', [
          { customer_id: s.identity.record['customer_id'], transaction_id: 'tx-failcl-new', date: '2026-01-14', amount: 12, channel: 'web' },
        ]),
        ids(),
      );
      expectUnavailable(
        await send('consents', [
          { email: s.identity.normalized['email'], purpose: 'marketing_sms', status: 'withdrawn', collected_at: '2026-01-15T09:00:00Z' },
        ]),
        ids(),
      );
    });

    it('a consent change, a segmentation and the audit log itself: 503', async () => {
      expectUnavailable(await rec.postJson(`/v1/subjects/${s.pseudonym}/consents`, dpo, { purpose: 'marketing_email', status: 'withdrawn' }), ids());
      expectUnavailable(
        await rec.postJson('/v1/segmentations', marketing, {
          purpose: 'segmentation_analytics',
          method: 'rules',
          features: [],
          rules: [{ name: 'web', where: { channel_preference: { eq: 'web' } } }],
        }),
        ids(),
      );
      const log = await rec.get('/v1/audit', dpo);
      expectUnavailable(log, ids());
      expect(log.text).not.toContain('policy.load');
      expectUnavailable(await rec.get('/v1/audit/verify', dpo), ids());
    });

    it('a 403 that cannot be audited: 503; a 401 stays a 401 (counted, audited after it when the log takes writes)', async () => {
      expectUnavailable(await rec.get('/v1/audit', marketing), ids());
      expect((await rec.send('/v1/audit')).status).toBe(401);
      expect(gw.refusals.pending).toBeGreaterThan(0);
    });

    it('nothing was stored, erased, delivered or audited while the log was broken', async () => {
      expect(await snapshot(gw)).toEqual(before);
      expect(await auditRows(gw)).toHaveLength(entries);
    });
  });

  describe('after the trigger is dropped', () => {
    it('the same requests succeed and the chain verifies', async () => {
      const got = await rec.get(`/v1/reidentifications/${approvedId}`, dpo);
      expect(got.status, got.text).toBe(200);
      expect(got.json.results[0].fields.iban).toBe(s.identity.normalized['iban']);
      const a = await rec.postJson('/v1/dsr/access', dpo, { reference: 'DSR-TEST-0001', identifier: { type: 'email', value: s.identity.normalized['email'] } });
      expect(a.status, a.text).toBe(202);
      expect(await httpVerify(gw, rec)).toMatchObject({ ok: true, first_invalid_seq: null });
    });
  });

  describe('the head file cannot be replaced (a directory at audit-head.json)', () => {
    const head = () => path.join(gw.dataDir, 'audit-head.json');
    beforeAll(() => {
      fs.rmSync(head());
      fs.mkdirSync(head());
    });
    afterAll(() => {
      fs.rmSync(head(), { recursive: true });
      for (const f of fs.readdirSync(gw.dataDir)) if (f.startsWith('audit-head.json.')) fs.rmSync(path.join(gw.dataDir, f));
    });

    it('a data-subject access, a re-identification and a subject read answer 503 without identity', async () => {
      expectUnavailable(
        await rec.postJson('/v1/dsr/access', dpo, { reference: 'DSR-TEST-0001', identifier: { type: 'email', value: s.identity.normalized['email'] } }),
        ids(),
      );
      expectUnavailable(
        await rec.postJson('/v1/reidentifications', dpo, {
          pseudonyms: [s.pseudonym],
          fields: ['email', 'phone'],
          purpose: 'customer_service',
          justification: JUSTIFICATION,
        }),
        ids(),
      );
      expectUnavailable(await rec.get(`/v1/subjects/${s.pseudonym}?purpose=segmentation_analytics`, marketing), ids());
      // a refused token is counted, not written now: it moves no head and stays a 401
      expect((await rec.send('/v1/audit')).status).toBe(401);
    });

    it('an ingest batch answers 503 (its batch and entry committed together; the answer is withheld)', async () => {
      const a = await rec.send('/v1/ingest/crm/customers', {
        method: 'POST',
        token: ingest,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(fillers('failhd', 2)),
      });
      expectUnavailable(a, ids());
      expect(a.text).not.toContain('batch_id');
    });

    it('a withheld answer leaves none of its headers on the 503: no Location, cursor or challenge', async () => {
      const submitted = await rec.postJson('/v1/segmentations', marketing, {
        purpose: 'segmentation_analytics',
        method: 'rules',
        rules: [{ name: 'all', where: { frequency: { gte: 0 } } }],
      });
      expectUnavailable(submitted, ids());
      expect(submitted.headers.get('location')).toBeNull();
      const page = await rec.get('/v1/audit?limit=1', dpo);
      expectUnavailable(page, ids());
      expect(page.headers.get('x-next-cursor')).toBeNull();
      // a role refusal is audited too: its 503 carries no insufficient_scope challenge
      const refused = await rec.get('/v1/audit', marketing);
      expectUnavailable(refused, ids());
      expect(refused.headers.get('www-authenticate')).toBeNull();
      for (const a of [submitted, page, refused]) expect(a.headers.get('x-request-id')).toBe(a.json.request_id);
    });
  });

  describe('once the head file can be written again', () => {
    it('a missing head is a verification failure until the next request rewrites it; then the chain verifies', async () => {
      expect(await httpVerify(gw, rec)).toMatchObject({ ok: false, reason: 'head_missing' });
      // the verification was itself appended: the process knew the head, so it wrote it again
      const rows = await auditRows(gw);
      expect(readHead(gw)).toMatchObject({ seq: rows.at(-1)!.seq, hash: rows.at(-1)!.hash });
      const v = await httpVerify(gw, rec);
      expect(v).toMatchObject({ ok: true, first_invalid_seq: null });
    });
  });
});
