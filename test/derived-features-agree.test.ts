// Time-relative and ratio features are derived in two places: in SQL for segmentation's bulk
// read (FEATURE_SQL) and in TypeScript for subject reads and DSR access (deriveFeatures). They
// must agree, up to the display rounding deriveFeatures applies, on every kind of stored row.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteStorage, type SqliteStorage } from '../src/db/sqlite/storage.ts';
import { DAY_MS } from '../src/ingest/field-value.ts';
import { FEATURE_NAMES, type FeatureName } from '../src/policy/features.ts';
import { deriveFeatures, type FeatureRow } from '../src/subjects/derive-features.ts';

const CATEGORICAL: ReadonlySet<FeatureName> = new Set(['age_band', 'area', 'gender', 'csp', 'channel_preference']);
const NOW = Date.UTC(2026, 5, 30, 15);
const TODAY = Math.floor(NOW / DAY_MS);

const base: Omit<FeatureRow, 'pseudonym'> = {
  age: 41,
  age_band: '35-44',
  area: '2A',
  gender: 'f',
  csp: 'cadre',
  income: 52_000.5,
  channel_preference: 'web',
  tenure_since: TODAY - 430,
  last_purchase_day: TODAY - 12,
  frequency: 7,
  monetary: 351.777,
  n_web: 3,
  n_store: 2,
  n_phone: 1,
  n_app: 1,
};
const rows: FeatureRow[] = [
  { pseudonym: 'p1_a', ...base },
  // no transactions: ratios have no denominator
  { pseudonym: 'p1_b', ...base, frequency: 0, monetary: 0, n_web: 0, n_store: 0, n_phone: 0, n_app: 0, last_purchase_day: null },
  // everything optional absent
  { pseudonym: 'p1_c', ...base, tenure_since: null, age: null, age_band: null, area: null, gender: null, csp: null, income: null, channel_preference: null },
  { pseudonym: 'p1_d', ...base, tenure_since: TODAY, frequency: 3, monetary: 100, n_web: 1, n_store: 1, n_phone: 1, n_app: 0, last_purchase_day: TODAY },
  // thirds: the rounding differs most from the exact ratio
  { pseudonym: 'p1_e', ...base, frequency: 3, monetary: 10, n_web: 2, n_store: 0, n_phone: 0, n_app: 1, tenure_since: TODAY + 3 },
];

describe('FEATURE_SQL and deriveFeatures agree', () => {
  let dir: string;
  let store: SqliteStorage;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'veilgate-derive-'));
    store = openSqliteStorage({ dataDir: dir });
    const insert = store.connection.prepare(`INSERT INTO subjects (pseudonym, key_version, age, age_band, area, gender, csp, income, channel_preference,
      tenure_since, last_purchase_day, frequency, monetary, n_web, n_store, n_phone, n_app, created_at, updated_at)
      VALUES (@pseudonym, 1, @age, @age_band, @area, @gender, @csp, @income, @channel_preference,
      @tenure_since, @last_purchase_day, @frequency, @monetary, @n_web, @n_store, @n_phone, @n_app, 1, 1)`);
    for (const r of rows) insert.run(r);
  });
  afterAll(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('on every feature of every row', async () => {
    const { matrix: m } = await store.population.read({
      purpose: { name: 'contract_service', description: '', legalBases: ['contract'], basis: 'contract', consentValidityDays: 365 },
      features: FEATURE_NAMES.map((name) => ({ name, kind: CATEGORICAL.has(name) ? ('categorical' as const) : ('numeric' as const) })),
      now: NOW,
    });
    expect(m.pseudonyms).toEqual(rows.map((r) => r.pseudonym));
    let compared = 0;
    rows.forEach((r, i) => {
      const js = deriveFeatures(r, TODAY);
      for (const name of FEATURE_NAMES) {
        const want = js[name];
        const cat = m.categorical.get(name);
        if (cat) {
          const code = cat.codes[i]!;
          expect(code === -1 ? null : cat.levels[code], `${r.pseudonym} ${name}`).toBe(want);
        } else {
          const got = m.numeric.get(name)![i]!;
          if (want === null) expect(got, `${r.pseudonym} ${name}`).toBeNaN();
          // deriveFeatures rounds money to cents and shares to 4 decimals for display
          else expect(Math.abs(got - Number(want)), `${r.pseudonym} ${name}: ${got} vs ${want}`).toBeLessThanOrEqual(0.005);
        }
        compared++;
      }
    });
    expect(compared).toBe(rows.length * FEATURE_NAMES.length);
    // the time-relative ones move with the day, in both
    expect(deriveFeatures(rows[0]!, TODAY).tenure_days).toBe(430);
    expect(m.numeric.get('tenure_days')![0]).toBe(430);
    expect(m.numeric.get('recency_days')![0]).toBe(12);
  });
});
