// The storage boundary's contract, run against the adapter of the suite's backend (SQLite by
// default, PostgreSQL under `npm run test:postgres`): both must answer the ports alike, including
// where one statement does the work of many (a batch touching a row twice, a phone number sent for
// two subjects in one batch, duplicate transaction ids, counters merged across batches).
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStorage } from '../src/db/open-storage.ts';
import { IdempotencyKeyTaken, SHARED_LINK, type FeatureUpdate } from '../src/ingest/ingest-store.ts';
import type { Purpose } from '../src/policy/access-policy.ts';
import type { Storage } from '../src/storage/storage.ts';
import type { JobInput } from '../src/segmentation/worker/job-input.ts';
import { createTestDatabase, TEST_BACKEND, type TestDatabase } from './helpers/test-database.ts';
import { tempDir } from './helpers/test-gateway.ts';

const NOW = Date.UTC(2026, 5, 1, 12);
const p = (i: number) => `p1_${String(i).padStart(22, '0')}`;
const feature = (pseudonym: string, values: FeatureUpdate['values'], source = 'crm', now = NOW): FeatureUpdate => ({
  pseudonym,
  keyVersion: 1,
  values,
  provenance: Object.fromEntries(Object.keys(values).map((k) => [k, [source, now]])),
  now,
});
const vault = (pseudonym: string, tag: string, created = true) => ({
  pseudonym,
  created,
  keyId: 'k1',
  wrappedKey: Buffer.from(`wrapped-${tag}`),
  ciphertext: Buffer.from(`cipher-${tag}`),
  fields: 'email',
  fieldMeta: '{}',
});
const consent = (pseudonym: string, purpose: string, status: 'granted' | 'denied' | 'withdrawn', collectedAt: number) => ({
  pseudonym,
  purpose,
  status,
  legalBasis: 'consent',
  source: 'crm',
  collectedAt,
  expiresAt: null,
  noticeVersion: null,
  recordedAt: NOW,
  recordedBy: 'test',
});
const emailPurpose: Purpose = { name: 'marketing_email', description: '', legalBases: ['consent'], basis: 'consent', consentValidityDays: 365 };

describe(`storage ports on ${TEST_BACKEND}`, () => {
  let storage: Storage;
  let dir: string;
  let database: TestDatabase | undefined;

  beforeAll(async () => {
    dir = tempDir('contract');
    database = TEST_BACKEND === 'postgres' ? await createTestDatabase() : undefined;
    const url = database?.url;
    storage = await openStorage({
      dataDir: dir,
      ...(url && { database: { url, poolSize: 4, statementTimeoutMs: 30_000, tls: 'disable' as const } }),
    });
    expect(storage.dialect).toBe(TEST_BACKEND);
  });
  afterAll(async () => {
    await storage?.close();
    await database?.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('customers: one batch may upsert a subject twice; links, shared phones and vault rows land by subject', async () => {
    await storage.transaction(async (tx) => {
      await tx.ingest.findLinks(['h-email-1', 'h-email-2', 'h-phone']);
      await tx.ingest.writeCustomers({
        features: [feature(p(1), { age: 30, gender: 'f' }), feature(p(2), { age: 41 }), feature(p(1), { csp: 'cadre', age: null }, 'shop')],
        links: [
          { keyHash: 'h-email-1', kind: 'email', pseudonym: p(1), known: false },
          { keyHash: 'h-email-2', kind: 'email', pseudonym: p(2), known: false },
          // one phone number sent for both subjects in the same batch: it leads to nobody
          { keyHash: 'h-phone', kind: 'phone', pseudonym: p(1), known: false },
          { keyHash: 'h-phone', kind: 'phone', pseudonym: p(2), known: false },
        ],
        vaults: [vault(p(1), 'a'), vault(p(2), 'b')],
        now: NOW,
      });
    });
    const f1 = await storage.subjects.features(p(1));
    expect(f1).toMatchObject({ pseudonym: p(1), age: 30, gender: 'f', csp: 'cadre' });
    const links = await storage.ingest.findLinks(['h-email-1', 'h-email-2', 'h-phone', 'h-none']);
    expect(Object.fromEntries(links)).toEqual({ 'h-email-1': p(1), 'h-email-2': p(2), 'h-phone': SHARED_LINK });
    const v = await storage.vault.get(p(2));
    expect(v).toMatchObject({ keyId: 'k1', fields: 'email' });
    expect(Buffer.from(v!.wrappedKey!).toString()).toBe('wrapped-b');
    expect((await storage.ingest.vaults([p(1), p(2), p(3)])).size).toBe(2);
    // a phone sent later for a third subject stays shared; an email re-pointed follows the write
    await storage.transaction((tx) =>
      tx.ingest.writeCustomers({
        features: [feature(p(3), { age: 50 })],
        links: [{ keyHash: 'h-phone', kind: 'phone', pseudonym: p(3), known: true }],
        vaults: [vault(p(3), 'c')],
        now: NOW + 1,
      }),
    );
    expect((await storage.ingest.findLinks(['h-phone'])).get('h-phone')).toBe(SHARED_LINK);
  });

  it('two units creating the same new subject at once: the later one runs again on what the first wrote, nothing is lost', async () => {
    let runs = 0;
    let arrived = 0;
    let release!: () => void;
    const bothRead = new Promise<void>((r) => {
      release = r;
    });
    const unit = (tag: string, field: string) =>
      storage.transaction(async (tx) => {
        runs++;
        const links = await tx.ingest.findLinks(['h-race']);
        const held = (await tx.ingest.vaults([p(50)])).get(p(50));
        // both read before either writes, where the backend lets two units run at once
        if (++arrived === 2) release();
        await Promise.race([bothRead, new Promise((r) => setTimeout(r, 200))]);
        const fields = held ? `${held.fields},${field}` : field;
        await tx.ingest.writeCustomers({
          features: [feature(p(50), { age: 20 })],
          links: [{ keyHash: 'h-race', kind: 'email', pseudonym: p(50), known: links.has('h-race') }],
          vaults: [{ ...vault(p(50), tag, !held), fields }],
          now: NOW,
        });
      });
    await Promise.all([unit('r1', 'email'), unit('r2', 'phone')]);
    // on a backend where both read at once, one wrote over nothing it had read: it ran again
    expect(runs).toBe(TEST_BACKEND === 'postgres' ? 3 : 2);
    const stored = await storage.vault.get(p(50));
    expect(stored!.fields.split(',').sort()).toEqual(['email', 'phone']);
    expect((await storage.ingest.findLinks(['h-race'])).get('h-race')).toBe(p(50));
  });

  it('transactions: duplicates of a source id, in the batch or stored before, are reported and not stored', async () => {
    const t = (id: string | null, pseudonym = p(1)) => ({
      pseudonym,
      source: 'shop',
      sourceTxnId: id,
      day: 20_000,
      amount: 10,
      currency: 'EUR',
      channel: 'web',
      category: null,
      batchId: 'b1',
    });
    const first = await storage.transaction((tx) => tx.ingest.insertTransactions([t('t1'), t('t2', p(2)), t('t1'), t(null), t(null)]));
    expect(first).toEqual([true, true, false, true, true]);
    const again = await storage.transaction((tx) => tx.ingest.insertTransactions([t('t2', p(2)), t('t3')]));
    expect(again).toEqual([false, true]);
    await storage.transaction((tx) =>
      tx.ingest.addBehaviour(
        [{ pseudonym: p(1), source: 'shop', firstDay: 19_990, lastDay: 20_000, count: 4, amount: 40, byChannel: { web: 4, store: 0, phone: 0, app: 0 } }],
        NOW,
      ),
    );
    expect(await storage.subjects.features(p(1))).toMatchObject({ frequency: 4, monetary: 40, n_web: 4, last_purchase_day: 20_000 });
  });

  it('batches: an idempotency key is taken once, and the unit that found it taken can still commit', async () => {
    const b = {
      batchId: 'bat-1',
      source: 'crm',
      recordType: 'customers',
      idempotencyKey: 'k-1',
      requestHash: 'h',
      accepted: 1,
      rejected: 0,
      response: '{}',
      actor: 'a',
      createdAt: NOW,
    };
    await storage.transaction((tx) => tx.ingest.insertBatch(b));
    const outcome = await storage.transaction(async (tx) => {
      try {
        await tx.ingest.insertBatch({ ...b, batchId: 'bat-2' });
        return 'stored';
      } catch (e) {
        if (!(e instanceof IdempotencyKeyTaken)) throw e;
        // the unit goes on after the refusal (a PostgreSQL error would have aborted it)
        return (await tx.ingest.findBatch('crm', 'customers', 'k-1'))?.requestHash;
      }
    });
    expect(outcome).toBe('h');
  });

  it('quality counters add up across batches, rule counts merged', async () => {
    const delta = (rules: Record<string, number>) => ({
      source: 'crm',
      recordType: 'customers',
      rows: 3,
      accepted: 2,
      rejected: 1,
      duplicates: 0,
      rejectedByRule: rules,
      at: NOW,
      fields: new Map([['email', { seen: 3, present: 3, valid: 2, invalidByRule: rules }]]),
    });
    await storage.transaction((tx) => tx.ingest.addQuality(delta({ format: 1 })));
    await storage.transaction((tx) => tx.ingest.addQuality(delta({ format: 2, range: 1 })));
    const [src] = await storage.quality.sources();
    expect(src).toMatchObject({ batches: 2, rows: 6, accepted: 4, rejected: 2, rejectedByRule: { format: 3, range: 1 } });
    const [field] = await storage.quality.fields();
    expect(field).toMatchObject({ field: 'email', seen: 6, present: 6, valid: 4, invalidByRule: { format: 3, range: 1 } });
  });

  it('consent: history appended, the current record becomes the state, states of several subjects at once', async () => {
    const ids = await storage.transaction((tx) =>
      tx.consents.append([
        { record: consent(p(1), 'marketing_email', 'granted', NOW - 1000), current: true },
        { record: consent(p(1), 'marketing_sms', 'denied', NOW - 1000), current: true },
        { record: consent(p(2), 'marketing_email', 'granted', NOW - 2000), current: true },
        // an older statement goes into the history only
        { record: consent(p(2), 'marketing_email', 'withdrawn', NOW - 5000), current: false },
      ]),
    );
    expect(ids).toHaveLength(4);
    expect(new Set(ids).size).toBe(4);
    expect(await storage.consents.state(p(1), 'marketing_sms')).toEqual({ status: 'denied', legalBasis: 'consent', collectedAt: NOW - 1000, expiresAt: null });
    const states = await storage.consents.states([p(1), p(2), p(3)]);
    expect([...states.keys()].sort()).toEqual([p(1), p(2)]);
    expect(states.get(p(2))!.get('marketing_email')!.status).toBe('granted');
    const history = await storage.consents.history(p(2));
    expect(history.map((h) => [h.status, h.collectedAt])).toEqual([
      ['withdrawn', NOW - 5000],
      ['granted', NOW - 2000],
    ]);
    const known = await storage.consents.existing([
      consent(p(2), 'marketing_email', 'withdrawn', NOW - 5000),
      consent(p(2), 'marketing_email', 'withdrawn', NOW - 4000),
    ]);
    expect(known.size).toBe(1);
  });

  it('population: coverage by purpose, features as typed columns, in one read', async () => {
    expect(await storage.population.count(emailPurpose, NOW)).toBe(2);
    const { matrix } = await storage.population.read({
      purpose: emailPurpose,
      now: NOW,
      features: [
        { name: 'age', kind: 'numeric' },
        { name: 'gender', kind: 'categorical' },
        { name: 'recency_days', kind: 'numeric' },
      ],
    });
    expect([...matrix.pseudonyms].sort()).toEqual([p(1), p(2)]);
    const i1 = matrix.pseudonyms.indexOf(p(1));
    expect(matrix.numeric.get('age')![i1]).toBe(30);
    expect(matrix.numeric.get('recency_days')![i1]).toBe(Math.floor(NOW / 86_400_000) - 20_000);
    const g = matrix.categorical.get('gender')!;
    expect(g.levels[g.codes[i1]!]).toBe('f');
    expect(g.codes[matrix.pseudonyms.indexOf(p(2))]).toBe(-1);
    const contract: Purpose = { ...emailPurpose, name: 'fulfilment', basis: 'contract', legalBases: ['contract'] };
    expect(await storage.population.count(contract, NOW)).toBe(4);
  });

  it('runs: one claim per run however many ask, a lapsed claim is taken over, and the old holder writes nothing', async () => {
    const job = { runId: 'seg_contract', owner: 'dev:a' } as JobInput;
    await storage.transaction((tx) =>
      tx.runs.insert(
        {
          id: 'seg_contract',
          owner: 'dev:a',
          issuerId: 'dev',
          roles: ['marketing'],
          purpose: 'marketing_email',
          method: 'rules',
          params: {},
          policyVersion: 'v',
          privilege: null,
          createdAt: NOW,
        },
        job,
      ),
    );
    const t = Date.now();
    const claims = await Promise.all([storage.runs.claim('a', t, t + 60_000), storage.runs.claim('b', t, t + 60_000)]);
    expect(claims.filter(Boolean)).toHaveLength(1);
    const holder = claims[0] ? 'a' : 'b';
    const other = holder === 'a' ? 'b' : 'a';
    expect(claims.find(Boolean)!.job.runId).toBe('seg_contract');
    expect(await storage.runs.holds('seg_contract', holder)).toBe(true);
    expect(await storage.runs.renew('seg_contract', other, t + 1)).toBe(false);
    // the holder's lease lapses: the other takes it over, and the first's writes change nothing
    expect(await storage.runs.renew('seg_contract', holder, t - 1)).toBe(true);
    const taken = await storage.runs.claim(other, t, t + 60_000);
    expect(taken?.attempts).toBe(2);
    // the run shows as queued until the holder's worker starts it
    expect((await storage.runs.get('seg_contract'))!.status).toBe('queued');
    expect(await storage.runs.markRunning('seg_contract', t, holder)).toBe(false);
    expect(await storage.runs.markRunning('seg_contract', t, other)).toBe(true);
    await storage.runs.progress('seg_contract', 0.5, holder);
    expect(await storage.runs.succeed('seg_contract', { late: true }, t, holder)).toBe(false);
    await storage.runs.progress('seg_contract', 0.7, other);
    expect((await storage.runs.get('seg_contract'))!.progress).toBeCloseTo(0.7);
    expect(await storage.runs.succeed('seg_contract', { ok: true }, t, other)).toBe(true);
    expect(await storage.runs.fail('seg_contract', { code: 'x', message: 'y' }, t, null)).toBe(false);
    expect(await storage.runs.get('seg_contract')).toMatchObject({ status: 'succeeded', result: { ok: true }, progress: 1 });
    expect(await storage.runs.claim('a', t, t + 60_000)).toBeUndefined();
  });

  it('members: chunks at any offset, excluded slots left empty', async () => {
    const members = Array.from({ length: 2500 }, (_, i) => p(1000 + i));
    const left = await storage.runs.writeMembers('seg_contract', 'seg-1', members, async () => new Map([[p(1010), 'not_covered' as const]]));
    expect(left).toBe(1);
    const page = await storage.runs.members('seg_contract', 'seg-1', 1000, 30);
    expect(page).toEqual(members.slice(1000, 1030).map((m) => (m === p(1010) ? null : m)));
    const around = await storage.runs.members('seg_contract', 'seg-1', 5, 10);
    expect(around[5]).toBeNull();
    expect(await storage.runs.members('seg_contract', 'seg-1', 2490, 100)).toHaveLength(10);
  });

  it('audit: appends take the chain lock inside a unit; queries by actor, action and subject', async () => {
    const entry = (seq: number, subjects: string[]) => ({
      seq,
      at: NOW + seq,
      actorIssuer: 'dev',
      actorSubject: seq % 2 ? 'alice' : 'bob',
      roles: 'dpo',
      action: seq % 2 ? 'subject.read' : 'dsr.access',
      outcome: 'ok',
      purpose: null,
      justification: null,
      subjects: JSON.stringify(subjects),
      policyVersion: 'v',
      requestId: null,
      detail: '{}',
      prevHash: 'x',
      hash: `h${seq}`,
    });
    await storage.transaction(async (tx) => {
      await tx.audit.lockChain();
      for (let s = 1; s <= 5; s++) await tx.audit.insert(entry(s, s === 3 ? [p(7), p(8)] : [p(9)]));
    });
    expect(await storage.audit.last()).toEqual({ seq: 5, hash: 'h5' });
    expect(await storage.audit.hashAt(3)).toBe('h3');
    expect((await storage.audit.query({ actor: 'dev:alice', limit: 10 })).map((e) => e.seq)).toEqual([1, 3, 5]);
    expect((await storage.audit.query({ subject: p(8), limit: 10 })).map((e) => e.seq)).toEqual([3]);
    expect((await storage.audit.aboutSubject(p(9), ['dsr.access'])).map((e) => e.seq)).toEqual([2, 4]);
    const all: number[] = [];
    for await (const e of storage.audit.iterate({ afterSeq: 1 })) all.push(e.seq);
    expect(all).toEqual([2, 3, 4, 5]);
    // keyset pages for exports: bounded by a captured head, read as asked, the last page short
    const pages: number[][] = [];
    for await (const page of storage.audit.pages({ afterSeq: 1, throughSeq: 4 }, 2)) pages.push(page.map((e) => e.seq));
    expect(pages).toEqual([[2, 3], [4]]);
    const alice: number[][] = [];
    for await (const page of storage.audit.pages({ actor: 'dev:alice' }, 2)) alice.push(page.map((e) => e.seq));
    expect(alice).toEqual([[1, 3], [5]]);
    expect(await storage.audit.seqs({ action: 'dsr.access', throughSeq: 4, limit: 10 })).toEqual([2, 4]);
    expect(await storage.audit.seqs({ afterSeq: 2, limit: 2 })).toEqual([3, 4]);
  });

  it('erasure: everything of the subject goes, the vault row stays shredded and is still found, suppression keys recorded', async () => {
    const counts = await storage.transaction((tx) => tx.dsr.erase(p(1), NOW, (k) => `x_${k}`));
    expect(counts).toMatchObject({ links: 1, transactions: 4, consents: 2, features: 1, vaultKeyDestroyed: true });
    expect(await storage.subjects.features(p(1))).toBeUndefined();
    expect(await storage.vault.get(p(1))).toMatchObject({ wrappedKey: null, ciphertext: null });
    expect((await storage.ingest.vaults([p(1)])).get(p(1))?.wrappedKey).toBeNull();
    expect(await storage.dsr.isSuppressed('x_h-email-1')).toBe(true);
    expect(await storage.dsr.findLink('h-email-1')).toBeUndefined();
    expect(await storage.consents.history(p(1))).toEqual([]);
    const mark = { erasures: 0, consents: 0 };
    expect((await storage.runs.changedSince(mark, 'marketing_email')).erased).toContain(p(1));
    expect(await storage.maintenance.afterErasure()).toBe(true);
  });

  it('readiness: the probe writes, migrations are all applied', async () => {
    await storage.readiness.probeWritable(NOW);
    const m = await storage.readiness.migrations();
    expect(m.applied).toBe(m.shipped);
    expect(m.shipped).toBeGreaterThan(0);
  });
});
