// One audit entry per access to personal data or decision about it: a known sequence of granted
// and refused requests (ingest, subject reads, consent, segmentation and member export,
// re-identification with four eyes, data-subject requests, 401 and 403), each checked against
// the audit table read before and after it (exactly +1 of the expected action/outcome, naming
// the request, actor, purpose and subjects), plus the append-only triggers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_CONSENT_FLAGS, withConsentTime, encodeRows, pseudonymOfEmail, Recorder, transactionsFor, type Answer } from './helpers/access.ts';
import { auditLeaks, auditRows, expectEntries, fillers, JUSTIFICATION, lastSeq, type AuditRow } from './helpers/audit.ts';
import { canaryIdentity, type Identity } from './helpers/canaries.ts';
import { testGateway, type TestGateway } from './helpers/test-gateway.ts';

const CLOCK = Date.UTC(2026, 0, 15, 9, 30);
const subjectsOf = (e: AuditRow | undefined): string[] => JSON.parse(e!.subjects) as string[];
const detailOf = (e: AuditRow | undefined): Record<string, unknown> => JSON.parse(e!.detail) as Record<string, unknown>;

describe('every audited action leaves exactly one entry', () => {
  let gw: TestGateway;
  let rec: Recorder;
  let alice: string;
  let bob: string;
  let ingestToken: string;
  let marketing: string;
  const ids: Identity[] = [1, 2, 3].map((i) => canaryIdentity('audcov', i));
  let p1: string;
  let p2: string;

  const post = (path: string, token: string | undefined, body: unknown): Promise<Answer> =>
    rec.send(path, { method: 'POST', ...(token && { token }), headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  beforeAll(async () => {
    gw = await testGateway({ clockStart: CLOCK });
    rec = new Recorder(gw);
    alice = await gw.mint(['dpo'], { sub: 'alice' });
    bob = await gw.mint(['dpo'], { sub: 'bob' });
    ingestToken = await gw.mint(['ingest'], { sub: 'crm-sync' });
    marketing = await gw.mint(['marketing'], { sub: 'analyst' });
    p1 = pseudonymOfEmail(gw, ids[0]!.normalized['email']!);
    p2 = pseudonymOfEmail(gw, ids[1]!.normalized['email']!);
  });
  afterAll(() => gw?.cleanup());

  it('the start is one policy.load entry, seq 1, from the system actor', async () => {
    const rows = await auditRows(gw);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      seq: 1,
      action: 'policy.load',
      outcome: 'ok',
      actor_issuer: 'veilgate',
      actor_subject: 'system',
      policy_version: gw.policies.version,
    });
    expect(rows[0]!.prev_hash).toBe('0'.repeat(64));
    expect(rows[0]!.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('ingest batches: customers, transactions and consents, accepted or refused as a whole', async () => {
    const customers = withConsentTime(
      [...ids.map((id) => ({ ...id.record, ...ALL_CONSENT_FLAGS, ...(id.i === 3 && { consent_marketing_sms: false }) })), ...fillers('audcov', 12)],
      gw.now(),
    );
    const send = (type: string, rows: unknown[], query = '') =>
      rec.send(`/v1/ingest/crm/${type}${query}`, {
        method: 'POST',
        token: ingestToken,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(rows),
      });
    const c = await expectEntries(gw, 'ingest.customers/ok', () => send('customers', customers));
    expect(c.answer.status, c.answer.text).toBe(200);
    expect(c.answer.json.accepted).toBe(customers.length);
    expect(c.entry).toMatchObject({ actor_issuer: 'dev', actor_subject: 'crm-sync', roles: 'ingest' });
    expect(detailOf(c.entry)).toMatchObject({ source: 'crm', rows: customers.length, accepted: customers.length, rejected: 0 });
    const t = await expectEntries(gw, 'ingest.transactions/ok', () =>
      send('transactions', transactionsFor(String(ids[0]!.record['customer_id']), 'tx-audcov')),
    );
    expect(t.answer.json.accepted).toBe(4);
    const consent = [{ email: ids[0]!.normalized['email'], purpose: 'segmentation_analytics', status: 'granted', collected_at: '2026-01-10T10:00:00Z' }];
    const k = await expectEntries(gw, 'ingest.consents/ok', () => send('consents', consent));
    expect(k.answer.json.accepted, k.answer.text).toBe(1);
    // a batch with a bad row refused as a whole (atomic) is a denied ingest entry
    const bad = await expectEntries(gw, 'ingest.customers/denied', () => send('customers', [{ email: 'no-customer-id@example-mail.test' }], '?atomic=true'));
    expect(bad.answer.status).toBe(422);
    // CSV is audited the same way
    const csv = await expectEntries(gw, 'ingest.customers/ok', () =>
      rec.send('/v1/ingest/shop/customers', {
        method: 'POST',
        token: ingestToken,
        headers: { 'content-type': 'text/csv' },
        body: encodeRows(fillers('audcsv', 2), 'csv'),
      }),
    );
    expect(csv.answer.status, csv.answer.text).toBe(200);
  });

  it('subject reads: granted, 404 (unknown or not covered), and a purpose the role may not invoke', async () => {
    const ok = await expectEntries(gw, 'subject.read/granted', () => rec.get(`/v1/subjects/${p1}?purpose=segmentation_analytics`, marketing));
    expect(ok.answer.status, ok.answer.text).toBe(200);
    expect(ok.entry).toMatchObject({ actor_subject: 'analyst', roles: 'marketing', purpose: 'segmentation_analytics' });
    expect(subjectsOf(ok.entry)).toEqual([p1]);
    const unknown = 'p1_AAAAAAAAAAAAAAAAAAAAAA';
    const miss = await expectEntries(gw, 'subject.read/denied', () => rec.get(`/v1/subjects/${unknown}?purpose=segmentation_analytics`, marketing));
    expect(miss.answer.status).toBe(404);
    expect(subjectsOf(miss.entry)).toEqual([unknown]);
    // the third identity refused marketing_sms: not covered, audited as a denied read
    const p3 = pseudonymOfEmail(gw, ids[2]!.normalized['email']!);
    const uncovered = await expectEntries(gw, 'subject.read/denied', () => rec.get(`/v1/subjects/${p3}?purpose=marketing_sms`, marketing));
    expect(uncovered.answer.status).toBe(404);
    // a typed identifier in the path is not recorded as a subject
    const typed = await expectEntries(gw, 'subject.read/denied', () =>
      rec.get(`/v1/subjects/${encodeURIComponent(ids[0]!.normalized['email']!)}?purpose=segmentation_analytics`, marketing),
    );
    expect(typed.answer.status).toBe(404);
    expect(subjectsOf(typed.entry)).toEqual([]);
    const forbidden = await expectEntries(gw, 'auth.forbidden/denied', () => rec.get(`/v1/subjects/${p1}?purpose=customer_service`, marketing));
    expect(forbidden.answer.status).toBe(403);
  });

  it('consent registry: a read and a change are one entry each', async () => {
    const read = await expectEntries(gw, 'consent.read/granted', () => rec.get(`/v1/subjects/${p1}/consents`, alice));
    expect(read.answer.status, read.answer.text).toBe(200);
    const change = await expectEntries(gw, 'consent.change/ok', () =>
      post(`/v1/subjects/${p1}/consents`, alice, { purpose: 'marketing_email', status: 'withdrawn' }),
    );
    expect(change.answer.status, change.answer.text).toBe(201);
    expect(change.entry).toMatchObject({ actor_subject: 'alice', purpose: 'marketing_email' });
    expect(subjectsOf(change.entry)).toEqual([p1]);
    expect(detailOf(change.entry)).toMatchObject({ status: 'withdrawn', record_id: change.answer.json.id });
  });

  it('a segmentation run and its member export', async () => {
    const run = await expectEntries(gw, 'segmentation.create/ok', () =>
      post('/v1/segmentations', marketing, {
        purpose: 'segmentation_analytics',
        method: 'rules',
        features: [],
        rules: [{ name: 'web', where: { channel_preference: { eq: 'web' } } }],
      }),
    );
    expect(run.answer.status, run.answer.text).toBe(202);
    await gw.jobs.idle();
    const id = run.answer.json.id as string;
    const done = await rec.get(`/v1/segmentations/${id}`, marketing);
    expect(done.json.status, done.text).toBe('succeeded');
    const exp = await expectEntries(gw, 'segment.members.export/granted', () => rec.get(`/v1/segmentations/${id}/segments/rule-1/members`, marketing));
    expect(exp.answer.status, exp.answer.text).toBe(200);
    const members = exp.answer.json.members as string[];
    expect(members.length).toBeGreaterThanOrEqual(10);
    expect(subjectsOf(exp.entry).sort()).toEqual([...members].sort());
    expect(detailOf(exp.entry)).toMatchObject({ run_id: id, segment_id: 'rule-1', count: members.length, partner_scoped: false });
  });

  it('re-identification: granted, refused (422, 403), pending, approvals refused and given, delivery, denial', async () => {
    const body = { pseudonyms: [p1], fields: ['email', 'phone'], purpose: 'customer_service', justification: JUSTIFICATION };
    const g = await expectEntries(gw, 'reidentification.request/granted', () => post('/v1/reidentifications', alice, body));
    expect(g.answer.status, g.answer.text).toBe(201);
    expect(g.entry).toMatchObject({ actor_subject: 'alice', purpose: 'customer_service', justification: JUSTIFICATION });
    expect(subjectsOf(g.entry)).toEqual([p1]);
    // one entry for the whole request, whatever the number of pseudonyms
    const many = await expectEntries(gw, 'reidentification.request/granted', () =>
      post('/v1/reidentifications', alice, { ...body, pseudonyms: [p1, p2, 'p1_AAAAAAAAAAAAAAAAAAAAAA'] }),
    );
    expect(many.answer.json.results).toHaveLength(3);
    expect(subjectsOf(many.entry)).toEqual([p1, p2, 'p1_AAAAAAAAAAAAAAAAAAAAAA']);
    const short = await expectEntries(gw, 'reidentification.request/denied', () =>
      post('/v1/reidentifications', alice, { ...body, justification: 'too short' }),
    );
    expect(short.answer.status).toBe(422);
    const none = await expectEntries(gw, 'reidentification.request/denied', () =>
      post('/v1/reidentifications', alice, { pseudonyms: [p1], fields: ['email'], purpose: 'customer_service' }),
    );
    expect(none.answer.status).toBe(422);
    expect(detailOf(none.entry)).toMatchObject({ reason: 'justification_missing' });
    const noRole = await expectEntries(gw, 'auth.forbidden/denied', () => post('/v1/reidentifications', marketing, body));
    expect(noRole.answer.status).toBe(403);
    const reidentifier = await gw.mint(['reidentifier'], { sub: 'carol' });
    const iban = await expectEntries(gw, 'reidentification.request/denied', () => post('/v1/reidentifications', reidentifier, { ...body, fields: ['iban'] }));
    expect(iban.answer.status).toBe(403);
    expect(detailOf(iban.entry)).toMatchObject({ reason: 'field_forbidden' });

    const pending = await expectEntries(gw, 'reidentification.request/pending', () => post('/v1/reidentifications', alice, { ...body, fields: ['iban'] }));
    expect(pending.answer.status, pending.answer.text).toBe(202);
    const id = pending.answer.json.id as string;
    const own = await expectEntries(gw, 'reidentification.approve/denied', () => post(`/v1/reidentifications/${id}/approve`, alice, {}));
    expect(own.answer.status).toBe(403);
    // looking at a pending request reveals nothing and is not an access
    const look = await expectEntries(gw, null, () => rec.get(`/v1/reidentifications/${id}`, alice));
    expect(look.answer.json.status).toBe('pending_approval');
    const approve = await expectEntries(gw, 'reidentification.approve/ok', () => post(`/v1/reidentifications/${id}/approve`, bob, {}));
    expect(approve.answer.status, approve.answer.text).toBe(200);
    expect(approve.entry).toMatchObject({ actor_subject: 'bob' });
    expect(detailOf(approve.entry)).toMatchObject({ request_id: id });
    const deliver = await expectEntries(gw, 'reidentification.deliver/granted', () => rec.get(`/v1/reidentifications/${id}`, alice));
    expect(deliver.answer.json.status).toBe('delivered');
    expect(deliver.answer.json.results[0].fields.iban).toBe(ids[0]!.normalized['iban']);
    const again = await expectEntries(gw, null, () => rec.get(`/v1/reidentifications/${id}`, alice));
    expect(again.answer.json.results).toBeUndefined();

    const p2nd = await expectEntries(gw, 'reidentification.request/pending', () => post('/v1/reidentifications', alice, { ...body, fields: ['nir'] }));
    const deny = await expectEntries(gw, 'reidentification.deny/ok', () => post(`/v1/reidentifications/${p2nd.answer.json.id}/deny`, bob, {}));
    expect(deny.answer.json.status).toBe('denied');
    const reDecide = await expectEntries(gw, null, () => post(`/v1/reidentifications/${p2nd.answer.json.id}/approve`, bob, {}));
    expect(reDecide.answer.status).toBe(409);
  });

  it('data-subject access and erasure, found or not', async () => {
    const access = await expectEntries(gw, 'dsr.access/pending', () =>
      post('/v1/dsr/access', alice, { reference: 'DSR-TEST-0001', identifier: { type: 'email', value: ids[1]!.record['email'] } }),
    );
    expect(access.answer.status, access.answer.text).toBe(202);
    expect(subjectsOf(access.entry)).toEqual([p2]);
    const approve = await expectEntries(gw, 'dsr.approve/ok', () => post(`/v1/dsr/${access.answer.json.id}/approve`, bob, {}));
    expect(approve.answer.status, approve.answer.text).toBe(200);
    const collect = await expectEntries(gw, 'dsr.deliver/granted', () => rec.get(`/v1/dsr/${access.answer.json.id}`, alice));
    expect(subjectsOf(collect.entry)).toEqual([p2]);
    expect(await expectEntries(gw, null, () => rec.get(`/v1/dsr/${access.answer.json.id}`, alice))).toBeDefined();
    const miss = await expectEntries(gw, 'dsr.access/denied', () =>
      post('/v1/dsr/access', alice, { reference: 'DSR-TEST-0001', identifier: { type: 'email', value: 'nobody@example-mail.test' } }),
    );
    expect(miss.answer.status).toBe(404);
    expect(subjectsOf(miss.entry)).toEqual([]);
    const erase = await expectEntries(gw, 'dsr.erasure/ok', () =>
      post('/v1/dsr/erasure', alice, { reference: 'DSR-TEST-0001', identifier: { type: 'email', value: ids[1]!.record['email'] } }),
    );
    expect(erase.answer.status, erase.answer.text).toBe(200);
    expect(subjectsOf(erase.entry)).toEqual([p2]);
    const twice = await expectEntries(gw, 'dsr.erasure/denied', () =>
      post('/v1/dsr/erasure', alice, { reference: 'DSR-TEST-0001', identifier: { type: 'email', value: ids[1]!.record['email'] } }),
    );
    expect(twice.answer.status).toBe(404);
    expect(detailOf(twice.entry)).toMatchObject({ reason: 'erased' });
    const wrongRole = await expectEntries(gw, 'auth.forbidden/denied', () =>
      post('/v1/dsr/access', marketing, { reference: 'DSR-TEST-0001', identifier: { type: 'email', value: ids[0]!.record['email'] } }),
    );
    expect(wrongRole.answer.status).toBe(403);
  });

  it('every 403 on a /v1 route is one entry; 401s are one entry per client address and minute, written after it', async () => {
    await gw.refusals.flush(true);
    const anon = await expectEntries(gw, null, () => rec.send('/v1/audit'));
    expect(anon.answer.status).toBe(401);
    const garbage = await expectEntries(gw, null, () =>
      rec.send('/v1/dsr/access', { method: 'POST', token: 'not.a.jwt', headers: { 'content-type': 'application/json' }, body: '{}' }),
    );
    expect(garbage.answer.status).toBe(401);
    const expired = await gw.mint(['dpo'], { sub: 'alice', ttlSeconds: 1 });
    gw.advance(120_000);
    const late = await expectEntries(gw, null, () => rec.get('/v1/audit', expired));
    expect(late.answer.status).toBe(401);
    // the minute of the first two has ended: the timer's flush writes its entry, the current one waits
    const before = (await auditRows(gw)).length;
    expect(await gw.refusals.flush()).toBe(1);
    expect((await auditRows(gw)).slice(before)).toEqual([
      expect.objectContaining({ action: 'auth.refused', outcome: 'denied', actor_issuer: 'anonymous', actor_subject: 'local' }),
    ]);
    expect(detailOf((await auditRows(gw)).at(-1))).toMatchObject({ client_address: 'local', count: 2, reasons: { missing: 1, malformed_token: 1 } });
    expect(await gw.refusals.flush(true)).toBe(1);
    expect(detailOf((await auditRows(gw)).at(-1))).toMatchObject({ count: 1, reasons: { expired: 1 } });
    alice = await gw.mint(['dpo'], { sub: 'alice' });
    bob = await gw.mint(['dpo'], { sub: 'bob' });
    const role = await expectEntries(gw, 'auth.forbidden/denied', () => rec.get('/v1/audit', ingestToken));
    expect(role.answer.status).toBe(403);
    expect(role.entry).toMatchObject({ actor_subject: 'crm-sync', roles: 'ingest' });
    expect(detailOf(role.entry)).toMatchObject({ method: 'GET', route: '/v1/audit' });
    const ingestAsMarketing = await expectEntries(gw, 'auth.forbidden/denied', () =>
      rec.send('/v1/ingest/crm/customers', { method: 'POST', token: marketing, headers: { 'content-type': 'application/json' }, body: '[]' }),
    );
    expect(ingestAsMarketing.answer.status).toBe(403);
    // the path is not recorded, only the route pattern: a typed identifier stays out
    const typed = await expectEntries(gw, 'auth.forbidden/denied', () =>
      rec.get(`/v1/subjects/${encodeURIComponent(ids[0]!.normalized['email']!)}/consents`, marketing),
    );
    expect(typed.answer.status).toBe(403);
    expect(typed.entry!.detail).not.toContain('canary');
  });

  it('a client-chosen X-Request-Id, reused sequentially or concurrently, never suppresses an entry', async () => {
    const rid = 'client-chosen-id-1';
    const forbidden = () => rec.send('/v1/audit', { token: marketing, headers: { 'x-request-id': rid } });
    const access = () =>
      rec.send('/v1/dsr/access', {
        method: 'POST',
        token: alice,
        headers: { 'content-type': 'application/json', 'x-request-id': rid },
        body: JSON.stringify({ reference: 'DSR-TEST-0001', identifier: { type: 'email', value: ids[0]!.normalized['email'] } }),
      });
    // one after the other: each one is its own entry
    for (let i = 0; i < 3; i++) {
      expect((await expectEntries(gw, 'auth.forbidden/denied', forbidden)).entry!.request_id).toBe(rid);
      await expectEntries(gw, 'dsr.access/pending', access);
    }
    // at the same time: still one entry per request
    const before = (await auditRows(gw)).length;
    const answers = await Promise.all(Array.from({ length: 8 }, () => [forbidden(), access()]).flat());
    expect(answers.map((a) => a.status)).toEqual(Array.from({ length: 8 }, () => [403, 202]).flat());
    const added = (await auditRows(gw)).slice(before);
    const count = (k: string) => added.filter((r) => `${r.action}/${r.outcome}` === k).length;
    expect([count('auth.forbidden/denied'), count('dsr.access/pending'), added.length]).toEqual([8, 8, 16]);
    expect(added.every((r) => r.request_id === rid)).toBe(true);
  });

  it('reading and verifying the log are entries too (audit.read, audit.verify)', async () => {
    const read = await expectEntries(gw, 'audit.read/granted', () => rec.get('/v1/audit?limit=5', alice));
    expect(read.answer.status).toBe(200);
    expect(detailOf(read.entry)).toMatchObject({ entries: 5, format: 'json' });
    const csv = await expectEntries(gw, 'audit.read/granted', () => rec.get('/v1/audit?format=csv&limit=2', alice));
    expect(csv.answer.status).toBe(200);
    const verify = await expectEntries(gw, 'audit.verify/ok', () => rec.get('/v1/audit/verify', alice));
    expect(verify.answer.json).toMatchObject({ ok: true, first_invalid_seq: null });
    // the entry of the verification itself is appended after it was computed
    expect(verify.answer.json.entries).toBe((await lastSeq(gw)) - 1);
    expect(detailOf(verify.entry)).toMatchObject({ ok: true, entries: verify.answer.json.entries });
  });

  it('requests that touch no personal data add nothing', async () => {
    await expectEntries(gw, null, () => rec.get('/v1/me', alice));
    await expectEntries(gw, null, () => rec.send('/health/live'));
    await expectEntries(gw, null, () => rec.get(`/v1/reidentifications/reid_00000000-0000-0000-0000-000000000000`, alice));
  });

  it('the chain is contiguous, linked, and names only pseudonyms: no raw identifier in any entry', async () => {
    const rows = await auditRows(gw);
    rows.forEach((r, i) => {
      expect(r.seq).toBe(i + 1);
      expect(r.prev_hash).toBe(i === 0 ? '0'.repeat(64) : rows[i - 1]!.hash);
      for (const s of JSON.parse(r.subjects) as string[]) expect(s).toMatch(/^p1_[A-Za-z0-9_-]{22}$/);
    });
    expect(await auditLeaks(gw, ids)).toEqual([]);
  });

  it('the table is append-only: UPDATE, DELETE and a replacing INSERT are refused by triggers', async () => {
    const before = await auditRows(gw);
    await expect(gw.db.run("UPDATE audit_log SET outcome = 'granted' WHERE seq = 2")).rejects.toThrow(/append-only/);
    await expect(gw.db.run('DELETE FROM audit_log WHERE seq = 2')).rejects.toThrow(/append-only/);
    await expect(gw.db.run('DELETE FROM audit_log')).rejects.toThrow(/append-only/);
    const r = before[1]!;
    const cols =
      'seq, at, actor_issuer, actor_subject, roles, action, outcome, purpose, justification, subjects, policy_version, request_id, detail, prev_hash, hash';
    if (gw.backend === 'sqlite') {
      // SQLite: INSERT OR REPLACE would delete the row it replaces
      expect(() =>
        gw.sqlite
          .prepare(
            `INSERT OR REPLACE INTO audit_log (${cols})
        VALUES (@seq, @at, @actor_issuer, @actor_subject, @roles, @action, 'forged', @purpose, @justification, @subjects, @policy_version, @request_id, @detail, @prev_hash, @hash)`,
          )
          .run(r),
      ).toThrow(/append-only|UNIQUE/);
    } else {
      // PostgreSQL: an upsert would update the row in place, TRUNCATE would empty the table
      await expect(
        gw.db.run(
          `INSERT INTO audit_log (${cols}) VALUES (?, ?, ?, ?, ?, ?, 'forged', ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (seq) DO UPDATE SET outcome = 'forged'`,
          r.seq,
          r.at,
          r.actor_issuer,
          r.actor_subject,
          r.roles,
          r.action,
          r.purpose,
          r.justification,
          r.subjects,
          r.policy_version,
          r.request_id,
          r.detail,
          r.prev_hash,
          r.hash,
        ),
      ).rejects.toThrow(/append-only/);
      await expect(gw.db.exec('TRUNCATE audit_log')).rejects.toThrow(/append-only/);
    }
    expect(await auditRows(gw)).toEqual(before);
  });
});
