// The per-actor daily re-identification quota (shrunk to 3 pseudonyms for the DPO and 2 for the
// reidentifier role in privileges.yaml): counted in pseudonyms, per actor, refused with 429 and
// a Retry-After of the seconds left until UTC midnight, audited, and open again the next day.
import fs from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Recorder, seedSubject, type Answer, type Seeded } from './helpers/access.ts';
import { expectEntries, JUSTIFICATION } from './helpers/audit.ts';
import { testGateway, type TestGateway } from './helpers/test-gateway.ts';

const CLOCK = Date.UTC(2026, 0, 15, 9, 30);
const MIDNIGHT = Date.UTC(2026, 0, 16);

describe('daily re-identification quota', () => {
  let gw: TestGateway;
  let rec: Recorder;
  const s: Seeded[] = [];

  const reid = async (sub: string, pseudonyms: string[], role = 'dpo'): Promise<Answer> =>
    rec.postJson('/v1/reidentifications', await gw.mint([role], { sub }), {
      pseudonyms,
      fields: ['email'],
      purpose: 'customer_service',
      justification: JUSTIFICATION,
    });

  function expectQuotaRefusal(a: Answer, now: number): void {
    expect(a.status, a.text).toBe(429);
    expect(a.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(a.json.code).toBe('request.rate_limited');
    const retry = a.headers.get('retry-after');
    expect(retry).toMatch(/^[1-9]\d*$/);
    const next = Math.floor(now / 86_400_000) * 86_400_000 + 86_400_000;
    expect(Number(retry)).toBe(Math.ceil((next - now) / 1000));
    expect(a.json.results).toBeUndefined();
    for (const x of s) expect(a.text).not.toContain(x.identity.normalized['email']);
  }

  beforeAll(async () => {
    gw = await testGateway({
      clockStart: CLOCK,
      prepare: ({ policiesDir }) => {
        const file = path.join(policiesDir, 'privileges.yaml');
        const doc = parse(fs.readFileSync(file, 'utf8')) as { privileges: Record<string, { reidentify?: { daily_quota: number } }> };
        doc.privileges['dpo']!.reidentify!.daily_quota = 3;
        doc.privileges['reidentifier']!.reidentify!.daily_quota = 2;
        fs.writeFileSync(file, stringify(doc));
      },
    });
    rec = new Recorder(gw);
    for (let i = 1; i <= 4; i++) s.push(await seedSubject(rec, 'reidqt', i, { transactions: false }));
    expect(gw.policies.access.privilegeOf('dpo').dailyQuota).toBe(3);
  });
  afterAll(() => gw?.cleanup());

  it('three pseudonyms pass; the fourth is 429 with Retry-After until UTC midnight, audited as denied', async () => {
    for (let i = 0; i < 3; i++) expect((await reid('alice', [s[i]!.pseudonym])).status).toBe(201);
    const { answer, entry } = await expectEntries(gw, 'reidentification.request/denied', () => reid('alice', [s[3]!.pseudonym]));
    expectQuotaRefusal(answer, CLOCK);
    expect(Number(answer.headers.get('retry-after'))).toBe((MIDNIGHT - CLOCK) / 1000); // 14 h 30 min
    expect(JSON.parse(entry!.detail)).toMatchObject({ reason: 'quota_exceeded' });
    expect(JSON.parse(entry!.subjects)).toEqual([s[3]!.pseudonym]);
    // the same pseudonym again, or one already revealed today, is still over the quota
    expectQuotaRefusal(await reid('alice', [s[0]!.pseudonym]), CLOCK);
  });

  it('the quota is per actor, and counted in pseudonyms: a request that would exceed it is refused whole', async () => {
    expect((await reid('bob', [s[0]!.pseudonym, s[1]!.pseudonym])).status).toBe(201);
    expectQuotaRefusal(await reid('bob', [s[2]!.pseudonym, s[3]!.pseudonym]), CLOCK);
    expect((await reid('bob', [s[2]!.pseudonym])).status).toBe(201);
    expectQuotaRefusal(await reid('bob', [s[3]!.pseudonym]), CLOCK);
    // a batch larger than the whole quota never passes
    expectQuotaRefusal(
      await reid(
        'carol',
        s.map((x) => x.pseudonym),
      ),
      CLOCK,
    );
    // the reidentifier role has its own (smaller) quota
    expect((await reid('dave', [s[0]!.pseudonym, s[1]!.pseudonym], 'reidentifier')).status).toBe(201);
    expectQuotaRefusal(await reid('dave', [s[2]!.pseudonym], 'reidentifier'), CLOCK);
  });

  it('Retry-After shrinks with the day and is never 0', async () => {
    gw.advance(MIDNIGHT - CLOCK - 1500); // 23:59:58.5
    const a = await reid('alice', [s[3]!.pseudonym]);
    expectQuotaRefusal(a, gw.now());
    expect(a.headers.get('retry-after')).toBe('2');
    gw.advance(1000); // 23:59:59.5
    const b = await reid('alice', [s[3]!.pseudonym]);
    expect(b.headers.get('retry-after')).toBe('1');
  });

  it('the next UTC day the quota is open again (refusals did not consume it), and closes again after three', async () => {
    gw.advance(500); // 00:00:00.000
    expect(gw.now()).toBe(MIDNIGHT);
    for (let i = 0; i < 3; i++) {
      const a = await reid('alice', [s[3 - i]!.pseudonym]);
      expect(a.status, a.text).toBe(201);
      expect(a.json.results[0].fields.email).toBe(s[3 - i]!.identity.normalized['email']);
    }
    expectQuotaRefusal(await reid('alice', [s[0]!.pseudonym]), MIDNIGHT);
    expect((await reid('alice', [s[0]!.pseudonym])).headers.get('retry-after')).toBe('86400');
    expect((await reid('bob', [s[3]!.pseudonym])).status).toBe(201);
  });
});
