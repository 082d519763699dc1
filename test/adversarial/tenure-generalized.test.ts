// Threat T16 (docs/threat-model.md): someone with the database reconstructs a customer's exact
// signup date (a quasi-identifier) from the feature store, where a tenure in days was stored
// beside the day it was computed on. Only the first day of the signup period is stored now, and
// rows written before keep nothing finer after the migration.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS_DIR, openConnection } from '../../src/db/sqlite/open-database.ts';
import { Recorder, pseudonymOfEmail } from '../helpers/access.ts';
import { testGateway, type TestGateway } from '../helpers/test-gateway.ts';

const CLOCK = Date.UTC(2026, 0, 15, 9, 30);
const day = (iso: string) => Math.floor(Date.parse(iso + 'T00:00:00Z') / 86_400_000);
const SIGNUPS = ['2019-03-02', '2019-03-17', '2019-03-31', '2021-11-09'];

/** Every integer in a row, and every difference of two of them: what could encode a day. */
function dayCandidates(row: Record<string, unknown>): Set<number> {
  const ints = Object.values(row).flatMap((v) => (typeof v === 'number' ? [v, Math.floor(v / 86_400_000)] : []));
  const out = new Set<number>(ints);
  for (const a of ints) for (const b of ints) out.add(a - b);
  return out;
}

describe('T16: the feature store does not give back a signup date', () => {
  let gw: TestGateway;
  let rec: Recorder;

  beforeAll(async () => {
    gw = await testGateway({ clockStart: CLOCK });
    rec = new Recorder(gw);
    const a = await rec.ingest(
      'crm',
      'customers',
      SIGNUPS.map((d, i) => ({ customer_id: `TEN-${i}`, email: `tenure.adv${i}@example.test`, signup_date: d })),
    );
    expect(a.accepted).toBe(SIGNUPS.length);
  });
  afterAll(() => gw?.cleanup());

  it("no value of a subject's row, nor the difference of two, is its signup day", async () => {
    for (const [i, d] of SIGNUPS.entries()) {
      const row = await gw.db.get<Record<string, unknown>>('SELECT * FROM subjects WHERE pseudonym = ?', pseudonymOfEmail(gw, `tenure.adv${i}@example.test`));
      expect(row, d).toBeDefined();
      const candidates = dayCandidates(row!);
      if (d.endsWith('-01')) continue;
      expect(candidates.has(day(d)), d).toBe(false);
      expect(candidates.has(day('2026-01-15') - day(d)), d).toBe(false);
    }
  });

  it('three customers who signed up in the same month look the same to every reader, the API included', async () => {
    const marketing = await gw.mint(['marketing']);
    const tenures = await Promise.all(
      SIGNUPS.slice(0, 3).map(async (_, i) => {
        const a = await rec.get(`/v1/subjects/${pseudonymOfEmail(gw, `tenure.adv${i}@example.test`)}?purpose=segmentation_analytics`, marketing);
        expect(a.status, a.text).toBe(200);
        return a.json.features.tenure_days as number;
      }),
    );
    expect(new Set(tenures).size).toBe(1);
    expect(tenures[0]).toBe(day('2026-01-15') - day('2019-03-01'));
  });
});

describe('T16: rows stored before the change keep only the month', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('the migration turns (tenure_days, tenure_as_of) into the first day of the signup month and drops the pair', () => {
    // SQLite: a database file migrated up to the release before, with a row in the old form
    const old = fs.mkdtempSync(path.join(os.tmpdir(), 'veilgate-tenure-'));
    dirs.push(old);
    const journal = JSON.parse(fs.readFileSync(path.join(MIGRATIONS_DIR, 'meta', '_journal.json'), 'utf8')) as { entries: { tag: string }[] };
    const upTo = journal.entries.findIndex((e) => e.tag.endsWith('tenure_generalized'));
    expect(upTo).toBeGreaterThan(0);
    const folder = path.join(old, 'migrations');
    fs.cpSync(MIGRATIONS_DIR, folder, { recursive: true });
    fs.writeFileSync(path.join(folder, 'meta', '_journal.json'), JSON.stringify({ ...journal, entries: journal.entries.slice(0, upTo) }));
    const data = path.join(old, 'data');
    fs.mkdirSync(data);
    const sqlite = new Database(path.join(data, 'veilgate.db'));
    migrate(drizzle(sqlite), { migrationsFolder: folder });
    sqlite
      .prepare(
        `INSERT INTO subject_features (pseudonym, key_version, tenure_days, tenure_as_of, provenance, created_at, updated_at)
      VALUES ('p1_tenuretenuretenuretenu', 1, ?, ?, '{}', 0, 0)`,
      )
      .run(day('2025-06-01') - day('2019-03-17'), day('2025-06-01'));
    sqlite.close();

    // opened by the current code: every later migration applies (the row moves to `subjects`)
    const upgraded = openConnection(data);
    try {
      const rows = upgraded.prepare('SELECT * FROM subjects').all() as Record<string, unknown>[];
      expect(rows).toHaveLength(1);
      const row = rows[0]!;
      expect(row).toMatchObject({ id: 1, pseudonym: 'p1_tenuretenuretenuretenu', key_version: 1, created_at: 0, updated_at: 0 });
      expect(row['tenure_since']).toBe(day('2019-03-01'));
      expect(Object.keys(row)).not.toContain('tenure_days');
      expect(Object.keys(row)).not.toContain('tenure_as_of');
      expect(dayCandidates(row).has(day('2019-03-17'))).toBe(false);
    } finally {
      upgraded.close();
    }
  });
});
