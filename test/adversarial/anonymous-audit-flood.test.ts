// Threat T13 (docs/threat-model.md): anyone who can reach the gateway grows the audit log without
// bound, and keeps its writer busy, with requests carrying no or bad tokens (each was one chained
// entry and one head rewrite), or hammers /readyz (each was a database write). 401s are now
// counted per address and minute, written off the request path, and rate-limited per address.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RefusalTally } from '../../src/audit/refusal-tally.ts';
import { auditRows } from '../helpers/audit.ts';
import { expectProblem } from '../helpers/problem.ts';
import { testGateway, type TestGateway } from '../helpers/test-gateway.ts';

const CLOCK = Date.UTC(2026, 0, 15, 9, 30, 10);
const LIMIT = 5;

describe('T13: anonymous callers cannot grow the audit log one request at a time', () => {
  let gw: TestGateway;
  const head = () => fs.readFileSync(path.join(gw.dataDir, 'audit-head.json'), 'utf8');
  const bad = (clientAddress: string, token = 'not.a.token') => gw.request('/v1/audit', { token, clientAddress });

  beforeAll(async () => {
    gw = await testGateway({ clockStart: CLOCK, env: { VEILGATE_AUTH_FAILURES_PER_MINUTE: String(LIMIT) } });
  });
  afterAll(() => gw?.cleanup());

  it('bad tokens append nothing and leave the head alone while they are answered; one entry per address and minute follows', async () => {
    const rows = (await auditRows(gw)).length;
    const h = head();
    for (let i = 0; i < LIMIT; i++) expect((await bad('198.51.100.7')).status).toBe(401);
    for (let i = 0; i < 3; i++) expect((await bad('203.0.113.9', '')).status).toBe(401);
    expect((await auditRows(gw)).length).toBe(rows);
    expect(head()).toBe(h);
    gw.advance(60_000);
    expect(await gw.refusals.flush()).toBe(2);
    const added = (await auditRows(gw)).slice(rows);
    expect(added.map((r) => [r.action, r.outcome, r.actor_subject])).toEqual([
      ['auth.refused', 'denied', '198.51.100.7'],
      ['auth.refused', 'denied', '203.0.113.9'],
    ]);
    expect(JSON.parse(added[0]!.detail)).toEqual({
      client_address: '198.51.100.7',
      minute: '2026-01-15T09:30:00.000Z',
      count: LIMIT,
      reasons: { malformed_token: LIMIT },
    });
    expect(JSON.parse(added[1]!.detail)).toMatchObject({ count: 3, reasons: { missing: 3 } });
    expect(head()).not.toBe(h);
  });

  it('past the limit an address gets 429 with Retry-After, valid token or not, until its minute ends; others are not affected', async () => {
    for (let i = 0; i < LIMIT; i++) expect((await bad('192.0.2.44')).status).toBe(401);
    const dpo = await gw.mint(['dpo']);
    const blocked = await gw.request('/v1/me', { token: dpo, clientAddress: '192.0.2.44' });
    await expectProblem(blocked, 429, 'request.rate_limited');
    const wait = Number(blocked.headers.get('retry-after'));
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(60);
    expect((await gw.request('/v1/me', { token: dpo, clientAddress: '192.0.2.45' })).status).toBe(200);
    gw.advance(wait * 1000);
    expect((await gw.request('/v1/me', { token: dpo, clientAddress: '192.0.2.44' })).status).toBe(200);
    await gw.refusals.flush(true);
    const entry = (await auditRows(gw)).filter((r) => r.actor_subject === '192.0.2.44').at(-1)!;
    expect(JSON.parse(entry.detail)).toMatchObject({ count: LIMIT + 1, reasons: { malformed_token: LIMIT, rate_limited: 1 } });
  });

  it('memory stays bounded however many addresses are used', async () => {
    const tally = new RefusalTally(gw.audit, gw.now, LIMIT, () => {}, 10);
    for (let i = 0; i < 500; i++) tally.record(`10.0.${i >> 8}.${i & 255}`, 'missing');
    expect(tally.pending).toBe(11);
    const before = (await auditRows(gw)).length;
    expect(await tally.flush(true)).toBe(11);
    const pooled = (await auditRows(gw)).slice(before).find((r) => r.actor_subject === '(other addresses)')!;
    expect(JSON.parse(pooled.detail)).toMatchObject({ count: 490 });
  });

  it('/readyz proves writability at most every few seconds, not on every call', async () => {
    const probe = async () => (await gw.db.get<{ updated_at: number }>("SELECT updated_at FROM service_state WHERE key = 'ready_probe'"))?.updated_at;
    expect((await gw.request('/readyz')).status).toBe(200);
    const first = await probe();
    expect(first).toBe(gw.now());
    gw.advance(1000);
    for (let i = 0; i < 50; i++) expect((await gw.request('/readyz')).status).toBe(200);
    expect(await probe()).toBe(first);
    gw.advance(5000);
    expect((await gw.request('/readyz')).status).toBe(200);
    expect(await probe()).toBe(gw.now());
  });
});
