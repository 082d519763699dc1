// Threat T2 (docs/threat-model.md): a DPO walks the customer base through data-subject access,
// one identifier after another (or probes which identifiers are customers): every request, found
// or not, counts against a per-actor daily quota from policy, and is filed under a reference.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { Recorder } from '../helpers/access.ts';
import { auditRows, fillers } from '../helpers/audit.ts';
import { testGateway, type TestGateway } from '../helpers/test-gateway.ts';

const CLOCK = Date.UTC(2026, 0, 15, 23, 0);
const QUOTA = 3;

describe('T2: data-subject requests are bounded per DPO and day, and need a reference', () => {
  let gw: TestGateway;
  let rec: Recorder;
  const people = fillers('advq', 8);
  const ask = (token: string, i: number, ...reference: unknown[]) =>
    rec.postJson('/v1/dsr/access', token, {
      reference: reference.length ? reference[0] : `DSR-2026-${i}`,
      identifier: { type: 'email', value: people[i]!['email'] },
    });

  beforeAll(async () => {
    gw = await testGateway({
      clockStart: CLOCK,
      prepare: ({ policiesDir }) => {
        const file = path.join(policiesDir, 'privileges.yaml');
        const doc = parse(fs.readFileSync(file, 'utf8')) as { privileges: Record<string, { dsr?: { daily_quota: number } }> };
        doc.privileges['dpo']!.dsr = { daily_quota: QUOTA };
        fs.writeFileSync(file, stringify(doc));
      },
    });
    rec = new Recorder(gw);
    await rec.ingest('crm', 'customers', people.slice(0, 6));
  });
  afterAll(() => gw?.cleanup());

  it('a reference is required, and it cannot carry an e-mail address or free text', async () => {
    const carol = await gw.mint(['dpo'], { sub: 'carol' });
    for (const reference of [undefined, '', 'a@b.example', 'Jean Dupont wrote', '0612345678']) {
      const a = await ask(carol, 0, reference);
      expect(a.status, String(reference)).toBe(422);
    }
    // nothing was counted: carol still has her whole quota
    for (let i = 0; i < QUOTA; i++) expect((await ask(carol, i)).status).toBe(200);
  });

  it('found or not, each request counts; past the quota 429 with Retry-After until the next UTC day, audited', async () => {
    const alice = await gw.mint(['dpo'], { sub: 'alice' });
    // someone who is not a customer first (it counts too), then concurrent: no more than the quota get through
    const answers = [await ask(alice, 7), ...(await Promise.all([0, 1, 2, 3].map((i) => ask(alice, i))))];
    expect(answers[0]!.status).not.toBe(429);
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses.filter((s) => s === 429)).toHaveLength(2);
    expect(statuses.filter((s) => s !== 429)).toHaveLength(QUOTA);
    const refused = answers.find((a) => a.status === 429)!;
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(Number(refused.headers.get('retry-after'))).toBe(3600); // 23:00 -> midnight UTC
    const denied = (await auditRows(gw)).filter((r) => r.action === 'dsr.access' && JSON.parse(r.detail).reason === 'quota_exceeded');
    expect(denied).toHaveLength(2);
    expect(denied.every((r) => r.actor_subject === 'alice' && r.subjects === '[]')).toBe(true);
    // a probe for someone who is not a customer is refused the same way: the quota is not an oracle
    expect((await ask(alice, 7)).status).toBe(429);
    // erasure shares the quota
    const e = await rec.postJson('/v1/dsr/erasure', alice, { reference: 'DSR-2026-9', identifier: { type: 'email', value: people[4]!['email'] } });
    expect(e.status).toBe(429);
  });

  it('the quota is per actor, and a new UTC day starts a new one', async () => {
    const bob = await gw.mint(['dpo'], { sub: 'bob' });
    expect((await ask(bob, 4)).status).toBe(200);
    gw.advance(3_600_000);
    const alice = await gw.mint(['dpo'], { sub: 'alice' });
    expect((await ask(alice, 5)).status).toBe(200);
  });

  it('every request is in the register with its reference, and each audit entry cites it', async () => {
    const refs = (await auditRows(gw)).filter((r) => r.action === 'dsr.access' && r.outcome !== 'denied').map((r) => JSON.parse(r.detail).reference);
    expect(refs.length).toBeGreaterThanOrEqual(QUOTA);
    expect(refs.every((r) => /^DSR-2026-\d$/.test(r))).toBe(true);
    const rows = await gw.db.all<{ requester: string; reference: string; status: string }>(
      'SELECT requester, reference, status FROM dsr_requests ORDER BY created_at',
    );
    expect(rows.filter((r) => r.requester === 'dev:alice').length).toBe(QUOTA + 1);
    expect(rows.some((r) => r.status === 'not_found')).toBe(true);
  });
});

describe('T2: a role that handles data-subject requests without a quota does not load', () => {
  it('the policy is refused at start, naming the file and the role', async () => {
    const { makePolicies } = await import('../helpers/test-gateway.ts');
    const { loadPolicies } = await import('../../src/policy/load-policies.ts');
    const { dir } = await makePolicies();
    try {
      const file = path.join(dir, 'privileges.yaml');
      const doc = parse(fs.readFileSync(file, 'utf8')) as { privileges: Record<string, { dsr?: unknown }> };
      delete doc.privileges['dpo']!.dsr;
      fs.writeFileSync(file, stringify(doc));
      expect(() => loadPolicies(dir)).toThrow(/privileges\.yaml.*privileges\.dpo.*no dsr\.daily_quota/s);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
