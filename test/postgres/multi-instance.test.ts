// Two real gateway processes (`node bin/veilgate.js serve`) on one PostgreSQL database, sharing one
// data directory (development keys, dev token issuer, audit head file) and one policies directory,
// driven concurrently over real HTTP. What must hold across instances:
//   - ingest: concurrent batches on both instances lose nothing and store nothing twice; one
//     Idempotency-Key sent to both at once is one stored answer;
//   - re-identification: two DPOs approving at once on two instances, one wins; two collections at
//     once, one delivery; one analyst's daily quota holds across instances;
//   - segmentation: a job whose instance dies (SIGKILL while it holds the claim) is taken over by
//     the other once its lease lapses, and completes there;
//   - audit: one gapless chain that verifies, every audited request's entry in it (matched by our own
//     X-Request-Id), and each instance's logged checkpoints accepted by `audit verify --checkpoints`.
import fs from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintDevToken } from '../../src/auth/dev-issuer.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import { generateCustomers } from '../../src/demo-data/generate.ts';
import { Pseudonymizer } from '../../src/pseudonymization/pseudonymizer.ts';
import { resolveKeyMaterial } from '../../src/vault/key-material.ts';
import { runVeilgate } from '../helpers/cli.ts';
import { postgresTestDb, type TestDb } from '../helpers/db.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.ts';
import { makePolicies, tempDir } from '../helpers/test-gateway.ts';
import { MultiClient, startInstance, stopInstance, until, type Answer, type Instance } from '../helpers/instances.ts';

const BATCHES = 10;
const BATCH = 200;
const IDEMPOTENT_ROWS = 50;
const OVERLAP_ROWS = 50;
/** The reidentifier role's daily quota on these gateways (pseudonyms per actor and UTC day). */
const QUOTA = 4;
const QUOTA_REQUESTS = 12;
/** Four-eyes requests raced at once (approvals, then collections). */
const RACES = 4;
const LEASE_MS = 1500;
const POLL_MS = 200;
const JUSTIFICATION = 'Customer called support about a late delivery, ticket 88121';

const customers = [...generateCustomers({ count: BATCHES * BATCH + IDEMPOTENT_ROWS + OVERLAP_ROWS, seed: 20_261_206, duplicateShare: 0, badShare: 0 })].map(
  (c) => c.record,
);
type Customer = (typeof customers)[number];

/** Subject links the customers must leave: their email, their (source, customer id), and one per distinct phone number. */
function expectedLinks(rows: readonly Customer[]): number {
  const phones = new Set(rows.filter((r) => r.phone !== '').map((r) => r.phone.replace(/\D/g, '').slice(-9)));
  return new Set(rows.map((r) => r.email.toLowerCase())).size + new Set(rows.map((r) => r.customer_id)).size + phones.size;
}

describe('two gateway instances on one PostgreSQL database', () => {
  let database: TestDatabase | undefined;
  let db: TestDb | undefined;
  let dataDir: string;
  let policiesDir: string;
  let logDir: string;
  let env: Record<string, string>;
  const started: Instance[] = [];
  let a: Instance;
  let b: Instance;
  /** The instance left after the takeover test killed the other. */
  let survivor: Instance;
  let pseudonymizer: Pseudonymizer;
  const http = new MultiClient();
  /** Audited actions: the requests that carry one, and how many entries they must have written together. */
  const audited: { what: string; ids: string[]; entries: number }[] = [];
  const expectAudited = (what: string, answers: readonly Answer[], entries = answers.length) => {
    audited.push({ what, ids: answers.map((x) => x.requestId), entries });
  };

  /** The log lines an instance wrote about a request (for failure messages). */
  const logOf = (x: Answer): string =>
    [a, b]
      .find((i) => i.name === x.instance)!
      .output()
      .stdout.split('\n')
      .filter((l) => l.includes(x.requestId))
      .join('\n')
      .slice(0, 4000);
  const token = (roles: string[], subject: string) => mintDevToken(dataDir, { roles, subject, ttlSeconds: 900 });
  const pseudonymOf = (c: Customer) => pseudonymizer.keyHash('email', c.email.toLowerCase());
  const sql = (): TestDb => db!;

  async function expectStored(rows: readonly Customer[]): Promise<void> {
    const n = rows.length;
    expect({
      subjects: await sql().count('subjects'),
      vault: await sql().count('vault'),
      subject_links: await sql().count('subject_links'),
      consent_records: await sql().count('consent_records'),
    }).toEqual({ subjects: n, vault: n, subject_links: expectedLinks(rows), consent_records: 3 * n });
    // the right subjects, each once, each with its three consent flags once
    const stored = (await sql().all<{ pseudonym: string }>('SELECT pseudonym FROM subjects')).map((r) => r.pseudonym).sort();
    expect(stored).toEqual(rows.map(pseudonymOf).sort());
    expect(await sql().count('(SELECT subject_id, purpose FROM consent_records GROUP BY subject_id, purpose HAVING count(*) > 1) AS doubled')).toBe(0);
    expect(await sql().count('(SELECT subject_id FROM vault GROUP BY subject_id HAVING count(*) > 1) AS doubled')).toBe(0);
  }

  beforeAll(async () => {
    database = await createTestDatabase('vg_multi');
    db = postgresTestDb(database.url);
    dataDir = tempDir('multi-data');
    logDir = tempDir('multi-logs');
    policiesDir = (await makePolicies()).dir;
    const file = path.join(policiesDir, 'privileges.yaml');
    const doc = parse(fs.readFileSync(file, 'utf8')) as { privileges: Record<string, { reidentify?: { daily_quota: number } }> };
    doc.privileges['reidentifier']!.reidentify!.daily_quota = QUOTA;
    fs.writeFileSync(file, stringify(doc));
    env = {
      VEILGATE_DATABASE_URL: database.url,
      VEILGATE_DATA_DIR: dataDir,
      VEILGATE_POLICIES_DIR: policiesDir,
      VEILGATE_DEV: '1',
      VEILGATE_LOG_LEVEL: 'info',
      VEILGATE_AUTH_FAILURES_PER_MINUTE: '1000000',
      VEILGATE_JOB_LEASE_MS: String(LEASE_MS),
      VEILGATE_JOB_POLL_MS: String(POLL_MS),
    };
    // the first creates the development keys and the dev issuer; the second finds them
    a = await startInstance('A', env);
    started.push(a);
    b = await startInstance('B', env);
    started.push(b);
    const keys = resolveKeyMaterial(loadConfig(env));
    pseudonymizer = new Pseudonymizer(keys.pseudonym, keys.pseudonymVersion);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(started.map((i) => stopInstance(i)));
    await db?.close();
    await database?.drop();
    for (const d of [dataDir, policiesDir, logDir]) if (d) fs.rmSync(d, { recursive: true, force: true });
  }, 30_000);

  it('interleaved ingest: concurrent batches on both instances lose nothing and store nothing twice; one Idempotency-Key is one stored answer', async () => {
    const ingest = await token(['ingest'], 'crm-feed');
    const batches = Array.from({ length: BATCHES }, (_, i) => customers.slice(i * BATCH, (i + 1) * BATCH));
    const answers = await Promise.all(batches.map((rows, i) => http.post(i % 2 === 0 ? a : b, '/v1/ingest/crm/customers', ingest, rows)));
    expectAudited('ingest batches', answers, answers.filter((x) => x.status === 200).length);
    for (const x of answers) {
      expect(x.status, `${x.text.slice(0, 300)}\n${logOf(x)}`).toBe(200);
      expect(x.json).toMatchObject({ accepted: BATCH, rejected: 0, duplicates: 0, errors: [] });
    }
    expect(new Set(answers.map((x) => x.json.batch_id)).size).toBe(BATCHES);
    expect(await sql().count('ingest_batches')).toBe(BATCHES);
    await expectStored(customers.slice(0, BATCHES * BATCH));

    // the same batch, the same key, at the same moment on both instances
    const rows = customers.slice(BATCHES * BATCH, BATCHES * BATCH + IDEMPOTENT_ROWS);
    const key = `multi-instance-${http.sent.length}-${Date.now()}`;
    const pair = await Promise.all([a, b].map((i) => http.post(i, '/v1/ingest/crm/customers', ingest, rows, { 'idempotency-key': key })));
    expectAudited('idempotent batch sent to both instances', pair, 1);
    for (const x of pair) expect(x.status, `${x.text.slice(0, 300)}\n${logOf(x)}`).toBe(200);
    expect(pair[0]!.json).toMatchObject({ accepted: IDEMPOTENT_ROWS, rejected: 0, duplicates: 0 });
    expect(pair[1]!.json, 'both instances answer the one stored answer').toEqual(pair[0]!.json);
    expect(pair.filter((x) => x.headers.get('idempotent-replayed') === 'true')).toHaveLength(1);
    expect(await sql().count('ingest_batches', 'idempotency_key = ?', key)).toBe(1);
    expect(await sql().count('ingest_batches')).toBe(BATCHES + 1);
    await expectStored(customers.slice(0, BATCHES * BATCH + IDEMPOTENT_ROWS));
  }, 45_000);

  it('the same new customers sent to both instances at once, without a key: each becomes one subject, its consent flags recorded once', async () => {
    const ingest = await token(['ingest'], 'crm-feed');
    const rows = customers.slice(BATCHES * BATCH + IDEMPOTENT_ROWS);
    expect(rows).toHaveLength(OVERLAP_ROWS);
    const pair = await Promise.all([a, b].map((i) => http.post(i, '/v1/ingest/crm/customers', ingest, rows)));
    expectAudited('overlapping batches', pair, pair.filter((x) => x.status === 200).length);
    for (const x of pair) {
      expect(x.status, `${x.text.slice(0, 300)}\n${logOf(x)}`).toBe(200);
      expect(x.json).toMatchObject({ accepted: OVERLAP_ROWS, rejected: 0, errors: [] });
    }
    expect(pair[0]!.json.batch_id).not.toBe(pair[1]!.json.batch_id);
    // one of the two found every flag already recorded by the other
    const recorded = pair.map((x) => x.json.consents.recorded as number).sort((m, n) => m - n);
    expect(recorded).toEqual([0, 3 * OVERLAP_ROWS]);
    expect(await sql().count('ingest_batches')).toBe(BATCHES + 3);
    await expectStored(customers);
  }, 30_000);

  it("four eyes across instances: two DPOs approve at once on two instances, one wins (the other gets a second approval's 409); two collections at once, one delivery", async () => {
    const subjects = customers.filter((c) => c.iban !== '').slice(0, RACES);
    expect(subjects).toHaveLength(RACES);
    const [alice, bob, carol, dave] = await Promise.all(['alice', 'bob', 'carol', 'dave'].map((s) => token(['dpo'], s)));
    const ids: string[] = [];
    for (const subject of subjects) {
      const asked = await http.post(a, '/v1/reidentifications', alice!, {
        pseudonyms: [pseudonymOf(subject)],
        fields: ['iban', 'email'],
        purpose: 'customer_service',
        justification: JUSTIFICATION,
      });
      expectAudited('four-eyes request', [asked]);
      expect(asked.status, asked.text).toBe(202);
      expect(asked.json).toEqual({ id: expect.stringMatching(/^reid_/), status: 'pending_approval' });
      ids.push(asked.json.id as string);
    }
    // every token once on each instance first (status reads, not audited), so the races below are not decided by a first verification
    for (const t of [alice!, bob!, carol!])
      for (const inst of [a, b]) expect((await http.get(inst, `/v1/reidentifications/${ids[0]}`, t)).json.status).toBe('pending_approval');

    // every request approved at the same moment by two DPOs, one on each instance (all races at once)
    const pairs = await Promise.all(
      ids.map((id, i) => {
        const [onA, onB] = i % 2 === 0 ? [bob!, carol!] : [carol!, bob!];
        return Promise.all([http.post(a, `/v1/reidentifications/${id}/approve`, onA, {}), http.post(b, `/v1/reidentifications/${id}/approve`, onB, {})]);
      }),
    );
    pairs.forEach((approvals, i) => expectAudited(`concurrent approvals of ${ids[i]}`, approvals, 1));
    const winners: string[] = [];
    for (const [i, approvals] of pairs.entries()) {
      const id = ids[i]!;
      const won = approvals.filter((x) => x.status === 200);
      expect(won, `exactly one approval succeeds:\n${approvals.map((x) => `${x.instance}: ${x.status} ${x.text}`).join('\n')}`).toHaveLength(1);
      expect(won[0]!.json).toEqual({ id, status: 'approved' });
      const winner = (won[0] === approvals[0]) === (i % 2 === 0) ? 'bob' : 'carol';
      winners.push(winner);
      const lost = approvals.find((x) => x !== won[0])!;
      // a second approval on one instance, after the first: what the loser must have got
      for (const inst of [a, b]) {
        const again = await http.post(inst, `/v1/reidentifications/${id}/approve`, dave!, {});
        expect(again.status, again.text).toBe(409);
        expect(lost.status, lost.text).toBe(again.status);
        expect(lost.json.code).toBe(again.json.code);
      }
      expect(await sql().get('SELECT status, decided_by FROM reidentification_requests WHERE id = ?', id)).toEqual({
        status: 'approved',
        decided_by: `dev:${winner}`,
      });
    }

    // the requester collects each at the same moment from both instances (all at once)
    const collections = await Promise.all(ids.map((id) => Promise.all([a, b].map((inst) => http.get(inst, `/v1/reidentifications/${id}`, alice!)))));
    collections.forEach((both, i) => expectAudited(`concurrent collections of ${ids[i]}`, both, 1));
    for (const [i, both] of collections.entries()) {
      const id = ids[i]!;
      const subject = subjects[i]!;
      for (const x of both) {
        expect(x.status, x.text).toBe(200);
        expect(x.json).toMatchObject({ id, status: 'delivered' });
      }
      const delivered = both.filter((x) => x.json.results !== undefined);
      expect(delivered, `exactly one delivery of ${id}`).toHaveLength(1);
      expect(delivered[0]!.json.results).toEqual([
        {
          pseudonym: pseudonymOf(subject),
          status: 'found',
          fields: { iban: subject.iban.replace(/\s/g, '').toUpperCase(), email: subject.email.toLowerCase() },
        },
      ]);
      const other = both.find((x) => x !== delivered[0])!;
      expect(other.text).not.toContain(subject.email.toLowerCase());
      const forId = (
        await sql().all<{ action: string; outcome: string; actor_subject: string }>(
          "SELECT action, outcome, actor_subject FROM audit_log WHERE action LIKE 'reidentification.%' AND detail::jsonb ->> 'request_id' = ? ORDER BY seq",
          id,
        )
      ).map((r) => `${r.action}/${r.outcome}/${r.actor_subject}`);
      expect(forId).toEqual(['reidentification.request/pending/alice', `reidentification.approve/ok/${winners[i]}`, 'reidentification.deliver/granted/alice']);
      const row = await sql().get<{ status: string; delivered_at: number | null }>(
        'SELECT status, delivered_at FROM reidentification_requests WHERE id = ?',
        id,
      );
      expect(row!.status).toBe('delivered');
      expect(row!.delivered_at).not.toBeNull();
    }
  }, 30_000);

  it(`one analyst's daily quota (${QUOTA} pseudonyms) holds across instances: concurrent requests on both never grant more`, async () => {
    const quinn = await token(['reidentifier'], 'quinn');
    const subjects = customers.slice(100, 100 + QUOTA_REQUESTS);
    const answers = await Promise.all(
      subjects.map((c, i) =>
        http.post(i % 2 === 0 ? a : b, '/v1/reidentifications', quinn, {
          pseudonyms: [pseudonymOf(c)],
          fields: ['email'],
          purpose: 'customer_service',
          justification: JUSTIFICATION,
        }),
      ),
    );
    expectAudited('quota requests', answers);
    const statuses = answers.map((x) => x.status);
    expect(
      statuses.filter((s) => s !== 201 && s !== 429),
      answers
        .filter((x) => x.status !== 201 && x.status !== 429)
        .map((x) => x.text)
        .join('\n'),
    ).toEqual([]);
    const granted = answers.filter((x) => x.status === 201);
    expect(granted, 'granted answers').toHaveLength(QUOTA);
    for (const x of granted) {
      expect(x.json.status).toBe('granted');
      const c = subjects.find((s) => pseudonymOf(s) === x.json.results[0].pseudonym)!;
      expect(x.json.results).toEqual([{ pseudonym: pseudonymOf(c), status: 'found', fields: { email: c.email.toLowerCase() } }]);
    }
    for (const x of answers.filter((y) => y.status === 429)) {
      expect(x.json.code).toBe('request.rate_limited');
      expect(x.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
      expect(x.json.results).toBeUndefined();
    }
    const entries = await sql().all<{ outcome: string; reason: string | null; n: number }>(
      "SELECT outcome, detail::jsonb ->> 'reason' AS reason, count(*) AS n FROM audit_log WHERE actor_issuer = 'dev' AND actor_subject = 'quinn' AND action = 'reidentification.request' GROUP BY 1, 2 ORDER BY 1",
    );
    expect(entries.map((e) => ({ ...e, n: Number(e.n) }))).toEqual([
      { outcome: 'denied', reason: 'quota_exceeded', n: QUOTA_REQUESTS - QUOTA },
      { outcome: 'granted', reason: null, n: QUOTA },
    ]);
    expect(await sql().count('reidentification_requests', 'requester = ?', 'dev:quinn')).toBe(QUOTA);
  }, 30_000);

  it('a job whose instance is killed while it holds the claim is taken over by the other after its lease, and completes there', async () => {
    const analyst = await token(['marketing'], 'analyst');
    const body = { purpose: 'segmentation_analytics', method: 'kmeans', features: ['age', 'tenure_days', 'channel_preference'], k_range: [2, 8], seed: 5 };
    const submitted = await http.post(a, '/v1/segmentations', analyst, body);
    expectAudited('segmentation submit', [submitted]);
    expect(submitted.status, submitted.text).toBe(202);
    const id = submitted.json.id as string;
    type RunRow = { status: string; claimed_by: string | null; attempts: number; lease_until: number | null };
    const claimed = await until(
      'the run to be claimed',
      async () => {
        const r = await sql().get<RunRow>('SELECT status, claimed_by, attempts, lease_until FROM segmentation_runs WHERE id = ?', id);
        // claimed and started (a claimed run stays queued until its worker marks it running)
        if (r && r.status !== 'queued' && r.status !== 'running') throw new Error(`the run ended (${r.status}) before it was seen running`);
        return r?.claimed_by && r.status === 'running' ? r : undefined;
      },
      15_000,
      5,
    );
    const parts = claimed.claimed_by!.split(':');
    const pid = Number(parts[parts.length - 2]);
    const victim = [a, b].find((i) => i.pid === pid);
    expect(victim, `claimant ${claimed.claimed_by} is one of the instances (${a.pid}, ${b.pid})`).toBeDefined();
    victim!.child.kill('SIGKILL');
    expect(await victim!.exited).toMatchObject({ signal: 'SIGKILL' });
    survivor = victim === a ? b : a;
    const atKill = await sql().get<RunRow>('SELECT status, claimed_by, attempts, lease_until FROM segmentation_runs WHERE id = ?', id);
    expect(atKill, 'the job was still running when its instance died (else the takeover is not tested)').toMatchObject({
      status: 'running',
      claimed_by: claimed.claimed_by,
      attempts: 1,
    });
    // the other instance shows the run as it stands in the shared database
    const meanwhile = await http.get(survivor, `/v1/segmentations/${id}`, analyst);
    expect(meanwhile.status, meanwhile.text).toBe(200);
    expect(meanwhile.json).toMatchObject({ id, status: 'running' });

    // taken over once the dead instance's lease has lapsed, not before (the claim compares wall clocks of this machine)
    const takeover = await until(
      'another instance to claim the run',
      async () => {
        const r = await sql().get<RunRow>('SELECT status, claimed_by, attempts, lease_until FROM segmentation_runs WHERE id = ?', id);
        return r && r.claimed_by !== claimed.claimed_by ? { row: r, seenAt: Date.now() } : undefined;
      },
      15_000,
      10,
    );
    expect(takeover.seenAt, "the claim was taken while the dead instance's lease still held").toBeGreaterThanOrEqual(atKill!.lease_until!);
    expect(takeover.row.claimed_by!.split(':').at(-2)).toBe(String(survivor.pid));

    const done = await until(
      'the run to finish on the surviving instance',
      async () => {
        const v = await http.get(survivor, `/v1/segmentations/${id}`, analyst);
        expect(v.status, v.text).toBe(200);
        return v.json.status === 'succeeded' || v.json.status === 'failed' ? v : undefined;
      },
      30_000,
      100,
    );
    expect(done.json.status, JSON.stringify(done.json.error)).toBe('succeeded');
    expect(done.json.progress).toBe(1);
    const row = await sql().get<RunRow>('SELECT status, claimed_by, attempts, lease_until FROM segmentation_runs WHERE id = ?', id);
    expect(row!.status).toBe('succeeded');
    expect(row!.attempts).toBeGreaterThanOrEqual(2);
    expect(row!.claimed_by).not.toBe(claimed.claimed_by);
    expect(row!.claimed_by!.split(':').at(-2)).toBe(String(survivor.pid));

    const result = done.json.result as { population: number; segments: { id: string; size: number }[] };
    expect(result.segments.length).toBeGreaterThanOrEqual(2);
    expect(result.population).toBeGreaterThan(0);
    expect(result.population).toBeLessThanOrEqual(customers.length);
    expect(result.segments.reduce((s, g) => s + g.size, 0)).toBe(result.population);
    const everyone = new Set(customers.map(pseudonymOf));
    const seen = new Set<string>();
    for (const segment of result.segments) {
      const members: string[] = [];
      let cursor: string | null = null;
      do {
        const page: Answer = await http.get(
          survivor,
          `/v1/segmentations/${id}/segments/${segment.id}/members?limit=1000${cursor === null ? '' : `&cursor=${cursor}`}`,
          analyst,
        );
        expectAudited(`members of ${segment.id}`, [page]);
        expect(page.status, page.text).toBe(200);
        members.push(...(page.json.members as string[]));
        cursor = page.json.next_cursor as string | null;
      } while (cursor !== null);
      expect(members, `members of ${segment.id}`).toHaveLength(segment.size);
      for (const m of members) {
        expect(everyone.has(m)).toBe(true);
        expect(seen.has(m), 'a subject in two segments').toBe(false);
        seen.add(m);
      }
    }
    expect(seen.size).toBe(result.population);
  }, 45_000);

  it("the audit chain verifies with entries from both instances: gapless, one entry per audited request, each instance's checkpoints accepted", async () => {
    const cliEnv = { VEILGATE_DEV: '1', VEILGATE_DATA_DIR: dataDir, VEILGATE_POLICIES_DIR: policiesDir, VEILGATE_DATABASE_URL: database!.url };
    const verify = await runVeilgate(['audit', 'verify', '--json'], { env: cliEnv, timeoutMs: 30_000 });
    expect(verify.code, verify.stderr + verify.stdout).toBe(0);
    const v = JSON.parse(verify.stdout) as { ok: boolean; entries: number; head: { seq: number } | null; first_invalid_seq: number | null };
    expect(v).toMatchObject({ ok: true, first_invalid_seq: null });

    const span = (await sql().get<{ n: number; lo: number; hi: number }>('SELECT count(*) AS n, min(seq) AS lo, max(seq) AS hi FROM audit_log'))!;
    expect(span.lo).toBe(1);
    expect(Number(span.hi)).toBe(Number(span.n));
    expect(v.entries).toBe(Number(span.n));
    expect(v.head!.seq).toBe(Number(span.hi));
    const head = JSON.parse(fs.readFileSync(path.join(dataDir, 'audit-head.json'), 'utf8')) as { seq: number };
    expect(head.seq, 'the shared head file is current').toBe(Number(span.hi));
    // each start appended its own first entry
    expect(await sql().count('audit_log', "action = 'policy.load'")).toBe(2);

    // one entry per audited request, found by the X-Request-Id we sent; none for any other request
    const entries = await sql().all<{ seq: number; request_id: string; action: string; outcome: string }>(
      'SELECT seq, request_id, action, outcome FROM audit_log WHERE request_id IS NOT NULL ORDER BY seq',
    );
    const sentTo = new Map(http.sent.map((s) => [s.requestId, s.instance]));
    expect(
      entries.filter((e) => !sentTo.has(e.request_id)),
      'entries naming a request we did not send',
    ).toEqual([]);
    const auditedIds = new Set(audited.flatMap((g) => g.ids));
    expect(
      entries.filter((e) => !auditedIds.has(e.request_id)).map((e) => `${e.action}/${e.outcome} ${e.request_id}`),
      'entries of requests that audit nothing',
    ).toEqual([]);
    for (const g of audited) {
      const ids = new Set(g.ids);
      expect(entries.filter((e) => ids.has(e.request_id)).length, g.what).toBe(g.entries);
    }
    expect(entries.length).toBe(audited.reduce((s, g) => s + g.entries, 0));
    expect(new Set(entries.map((e) => sentTo.get(e.request_id))), 'entries written by both instances').toEqual(new Set(['A', 'B']));

    // the checkpoint lines each instance logged (the killed one's too), each log checked on its own
    const logs = [a, b].map((inst) => {
      const stdout = inst.output().stdout;
      const lines = stdout.split('\n').filter((l) => l.includes('"audit_checkpoint"'));
      expect(lines.length, `${inst.name} logged a checkpoint`).toBeGreaterThanOrEqual(1);
      for (const l of lines)
        expect(JSON.parse(l)).toMatchObject({
          audit_checkpoint: { v: 1, seq: expect.any(Number), hash: expect.stringMatching(/^[0-9a-f]{64}$/), mac: expect.any(String) },
        });
      const file = path.join(logDir, `${inst.name}.log`);
      fs.writeFileSync(file, stdout);
      return { inst, file, lines };
    });
    const checked = await Promise.all(logs.map((l) => runVeilgate(['audit', 'verify', '--json', '--checkpoints', l.file], { env: cliEnv, timeoutMs: 30_000 })));
    checked.forEach((c, i) => {
      expect(c.code, `${logs[i]!.inst.name}: ${c.stderr}${c.stdout}`).toBe(0);
      expect(JSON.parse(c.stdout)).toMatchObject({ ok: true, checkpoints: { checked: logs[i]!.lines.length, ignored: 0 } });
    });
  }, 45_000);
});
