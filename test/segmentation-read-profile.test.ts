// The job's population read in two halves (two connections, one snapshot) against a single
// scan, and profile quantiles by selection against the sort-based definition.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type Database from 'better-sqlite3';
import { openConnection } from '../src/db/sqlite/open-database.ts';
import { sqliteConsentStore } from '../src/db/sqlite/consent-store.ts';
import { sqlitePopulationReader } from '../src/db/sqlite/population-reader.ts';
import type { Purpose } from '../src/policy/access-policy.ts';
import { createRng } from '../src/segmentation/kmeans/index.ts';
import { quantileOfSorted, quantiles } from '../src/segmentation/profile.ts';
import { ReadHelper, readPopulation } from '../src/db/sqlite/parallel-read.ts';
import { READ } from '../src/db/sqlite/read-handshake.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

const NOW = Date.UTC(2026, 5, 1);
const TODAY = Math.floor(NOW / 86_400_000);
const consentPurpose: Purpose = { name: 'marketing_email', description: '', legalBases: ['consent'], basis: 'consent', consentValidityDays: 365 };
const contractPurpose: Purpose = { ...consentPurpose, name: 'fulfilment', legalBases: ['contract'], basis: 'contract' };
const features = [
  { name: 'age', kind: 'numeric' },
  { name: 'gender', kind: 'categorical' },
  { name: 'recency_days', kind: 'numeric' },
  { name: 'csp', kind: 'categorical' },
  { name: 'share_web', kind: 'numeric' },
] as const;

/** The i-th seeded subject's pseudonym: random-looking, so pseudonym order is not id (insertion) order. */
const pseudonymOf = (i: number) => `p1_${crypto.createHash('sha256').update(`subject ${i}`).digest().subarray(0, 16).toString('base64url')}`;

/** n subjects, with ids 1..n in seeding order; the upper half of the id range has a csp level the lower half never has. */
async function seededStore(n: number): Promise<{ sqlite: Database.Database; file: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'veilgate-read-'));
  dirs.push(dir);
  const sqlite = openConnection(dir);
  const rng = createRng(5);
  const ins =
    sqlite.prepare(`INSERT INTO subjects (pseudonym, key_version, age, gender, csp, last_purchase_day, frequency, n_web, provenance, created_at, updated_at)
    VALUES (?, 1, ?, ?, ?, ?, ?, ?, '{}', 0, 0)`);
  const records: Parameters<ReturnType<typeof sqliteConsentStore>['append']>[0][number][] = [];
  sqlite
    .transaction(() => {
      for (let i = 0; i < n; i++) {
        const p = pseudonymOf(i);
        const freq = Math.floor(rng.nextFloat() * 5);
        ins.run(
          p,
          rng.nextFloat() < 0.1 ? null : 18 + Math.floor(rng.nextFloat() * 60),
          rng.nextFloat() < 0.5 ? 'f' : 'm',
          i >= n / 2 && i % 7 === 0 ? 'agriculteur' : i % 3 === 0 ? 'cadre' : null,
          freq ? TODAY - Math.floor(rng.nextFloat() * 400) : null,
          freq,
          Math.floor(freq / 2),
        );
        if (i % 4 !== 0) {
          records.push({
            current: true,
            record: {
              pseudonym: p,
              purpose: 'marketing_email',
              status: i % 5 === 0 ? 'denied' : 'granted',
              legalBasis: 'consent',
              source: 'crm',
              collectedAt: NOW - 86_400_000 * (i % 500),
              expiresAt: null,
              noticeVersion: null,
              recordedAt: NOW,
              recordedBy: 'test',
            },
          });
        }
      }
    })
    .immediate();
  await sqliteConsentStore(sqlite).append(records);
  return { sqlite, file: sqlite.name };
}

/** A read helper that has finished booting. */
async function readyHelper(dataDir: string): Promise<ReadHelper> {
  const helper = ReadHelper.start(dataDir);
  // woken by the helper's own store to the flag (it notifies), not by polling
  const w = Atomics.waitAsync(helper.flag, 0, READ.booting, 120_000);
  if (w.async && (await w.value) === 'timed-out') throw new Error('read helper did not boot');
  expect(Atomics.load(helper.flag, 0)).toBe(READ.ready);
  return helper;
}

const columns = (m: ReturnType<typeof sqlitePopulationReader>['read'] extends (...a: never[]) => infer R ? R : never) => ({
  n: m.n,
  pseudonyms: m.pseudonyms,
  numeric: Object.fromEntries([...m.numeric].map(([f, c]) => [f, Array.from(c)])),
  categorical: Object.fromEntries([...m.categorical].map(([f, c]) => [f, Array.from(c.codes, (x) => (x < 0 ? null : c.levels[x]))])),
  levels: Object.fromEntries([...m.categorical].map(([f, c]) => [f, c.levels])),
});

describe('population read in two halves', () => {
  let store: { sqlite: Database.Database; file: string };
  beforeAll(async () => {
    store = await seededStore(3000);
  });
  for (const purpose of [consentPurpose, contractPurpose]) {
    it(`reads exactly what one scan reads (${purpose.basis})`, async () => {
      const q = { purpose, features, now: NOW };
      const single = sqlitePopulationReader(store.sqlite).read(q);
      // The helper boots first (as a warm worker's does): on a loaded machine its boot could
      // outlast the read's wait, and the read would fall back to one thread, which is right for
      // the gateway and not what this test is about.
      const helper = await readyHelper(path.dirname(store.file));
      let halves;
      try {
        halves = readPopulation(store, q, { threads: 2, dataDir: path.dirname(store.file), parallelMin: 0, helper });
      } finally {
        helper.dispose();
      }
      expect(halves.threads).toBe(2);
      // covered under consent: granted (i % 4 != 0, i % 5 != 0) and collected under 365 days ago
      const granted = Array.from({ length: 3000 }, (_, i) => i).filter((i) => i % 4 !== 0 && i % 5 !== 0 && i % 500 < 365).length;
      expect(single.n).toBe(purpose.basis === 'contract' ? 3000 : granted);
      // same rows, same order, same values and the same categorical levels in first-seen order
      expect(columns(halves.matrix)).toEqual(columns(single));
      expect(halves.matrix.categorical.get('csp')!.levels).toContain('agriculteur');
    });
  }

  it('reads in one thread below the size threshold or with one thread configured', () => {
    const q = { purpose: contractPurpose, features, now: NOW };
    expect(readPopulation(store, q, { threads: 2, dataDir: path.dirname(store.file) }).threads).toBe(1);
    expect(readPopulation(store, q, { threads: 1, dataDir: path.dirname(store.file), parallelMin: 0 }).threads).toBe(1);
  });

  it('leaves the connection usable for writes and releases the write lock', () => {
    const q = { purpose: consentPurpose, features, now: NOW };
    readPopulation(store, q, { threads: 2, dataDir: path.dirname(store.file), parallelMin: 0 });
    expect(store.sqlite.inTransaction).toBe(false);
    const other = openConnection(path.dirname(store.file), { migrate: false });
    other.pragma('busy_timeout = 0');
    expect(() => other.prepare('UPDATE subjects SET age = 40 WHERE id = 1').run()).not.toThrow();
    other.close();
  });

  it('falls back to one thread, same rows, when the helper fails (and a warm helper is left to its owner)', () => {
    const q = { purpose: consentPurpose, features, now: NOW };
    // a helper on another (empty, unmigrated) data directory fails its scan
    const bogus = fs.mkdtempSync(path.join(os.tmpdir(), 'veilgate-read-bogus-'));
    dirs.push(bogus);
    const helper = ReadHelper.start(bogus);
    try {
      const r = readPopulation(store, q, { threads: 2, dataDir: path.dirname(store.file), parallelMin: 0, helper });
      expect(r.threads).toBe(1);
      expect(columns(r.matrix)).toEqual(columns(sqlitePopulationReader(store.sqlite).read(q)));
      expect(store.sqlite.inTransaction).toBe(false);
    } finally {
      helper.dispose();
    }
  });

  it('counts a subject once when the split key is its own id, and reads in subject id order', async () => {
    const q = { purpose: contractPurpose, features, now: NOW };
    const split = sqlitePopulationReader(store.sqlite).splitKey()!;
    expect(split).toMatchObject({ key: 1501, subjects: 3000 });
    // a booted helper, so the read really is split (see above)
    const helper = await readyHelper(path.dirname(store.file));
    let read;
    try {
      read = readPopulation(store, q, { threads: 2, dataDir: path.dirname(store.file), parallelMin: 0, helper });
    } finally {
      helper.dispose();
    }
    const { matrix, threads } = read;
    expect(threads).toBe(2);
    expect(new Set(matrix.pseudonyms).size).toBe(3000);
    expect(matrix.pseudonyms.filter((p) => p === pseudonymOf(split.key - 1))).toHaveLength(1);
    // id order is seeding order, not pseudonym order
    const seeded = Array.from({ length: 3000 }, (_, i) => pseudonymOf(i));
    expect(matrix.pseudonyms).toEqual(seeded);
    expect(matrix.pseudonyms).not.toEqual([...matrix.pseudonyms].sort());
  });
});

describe('quantiles by selection', () => {
  const rng = createRng(9);
  const cases: [string, () => Float64Array][] = [
    ['one value', () => Float64Array.of(3)],
    ['two values', () => Float64Array.of(9, 1)],
    ['many ties', () => Float64Array.from({ length: 5001 }, () => Math.floor(rng.nextFloat() * 4))],
    ['continuous, even length', () => Float64Array.from({ length: 10_000 }, () => rng.nextFloat() * 1000 - 300)],
    ['sorted descending', () => Float64Array.from({ length: 1234 }, (_, i) => 1234 - i)],
    ['large odd', () => Float64Array.from({ length: 100_001 }, () => Math.exp(rng.nextFloat() * 8))],
  ];
  for (const [name, make] of cases) {
    it(`equals the sort-based quantiles: ${name}`, () => {
      const values = make();
      const sorted = values.slice().sort();
      const qs = [0.25, 0.5, 0.75, 0.1, 0.9];
      expect(quantiles(values.slice(), qs)).toEqual(qs.map((q) => quantileOfSorted(sorted, q)));
    });
  }
});
