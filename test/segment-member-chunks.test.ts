// Member storage in chunks of MEMBER_CHUNK slots: pages at any offset across chunk boundaries,
// erasure empties a slot without moving the others, and migration 0012 converts member rows.
import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MIGRATIONS_DIR } from '../src/db/sqlite/open-database.ts';
import { MEMBER_CHUNK } from '../src/db/member-chunks.ts';
import { openSqliteStorage } from '../src/db/sqlite/storage.ts';
import type { JobInput } from '../src/segmentation/worker/job-input.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});
const pseudonym = (i: number) => `p1_${String(i).padStart(22, '0')}`;

async function fixture() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'veilgate-members-'));
  dirs.push(dir);
  const storage = openSqliteStorage({ dataDir: dir });
  const runs = storage.runs;
  for (const id of ['run-a', 'run-b']) {
    const job: JobInput = {
      runId: id,
      owner: 'iss:me',
      features: [],
      spec: { purpose: 'segmentation_analytics', method: 'rules', features: [], rules: [] },
      purpose: { name: 'segmentation_analytics', description: '', legalBases: ['legitimate_interest'], basis: 'legitimate_interest', consentValidityDays: 365 },
      minGroupSize: 10,
      profileFeatures: [],
      policyVersion: 'v1',
      now: 1,
    };
    await runs.insert(
      {
        id,
        owner: 'iss:me',
        issuerId: 'iss',
        roles: ['marketing'],
        purpose: 'segmentation_analytics',
        method: 'rules',
        params: {},
        policyVersion: 'v1',
        privilege: null,
        createdAt: id === 'run-a' ? 1 : 2,
      },
      job,
    );
  }
  return { storage, runs };
}

describe('segment members in chunks', () => {
  const n = 2 * MEMBER_CHUNK + 477;
  const all = Array.from({ length: n }, (_, i) => pseudonym(i));

  it('pages at every kind of offset return exactly that slice', async () => {
    const { runs } = await fixture();
    await runs.writeMembers('run-a', 'cluster-1', all);
    const cases: [number, number][] = [
      [0, 10],
      [MEMBER_CHUNK - 3, 7],
      [MEMBER_CHUNK, MEMBER_CHUNK],
      [5, 3 * MEMBER_CHUNK],
      [n - 2, 10],
      [n, 5],
      [n + 100, 5],
      [17, 1],
    ];
    for (const [offset, limit] of cases) expect(await runs.members('run-a', 'cluster-1', offset, limit)).toEqual(all.slice(offset, offset + limit));
    expect(await runs.members('run-a', 'cluster-2', 0, 10)).toEqual([]);
  });

  it('rewriting a segment replaces its members; an empty segment has none', async () => {
    const { runs } = await fixture();
    await runs.writeMembers('run-a', 'cluster-1', all);
    await runs.writeMembers('run-a', 'cluster-1', all.slice(0, 3));
    expect(await runs.members('run-a', 'cluster-1', 0, 100)).toEqual(all.slice(0, 3));
    await runs.writeMembers('run-a', 'cluster-1', []);
    expect(await runs.members('run-a', 'cluster-1', 0, 100)).toEqual([]);
  });

  it("erasure empties the subject's slots in every run and leaves every other offset in place", async () => {
    const { storage, runs } = await fixture();
    await runs.writeMembers('run-a', 'cluster-1', all);
    await runs.writeMembers('run-b', 'cluster-2', [all[5]!, all[MEMBER_CHUNK + 1]!]);
    const dsr = storage.dsr;
    const gone = all[MEMBER_CHUNK + 1]!;
    expect((await dsr.memberships(gone)).map((m) => [m.runId, m.segmentId])).toEqual([
      ['run-a', 'cluster-1'],
      ['run-b', 'cluster-2'],
    ]);
    // a prefix of another pseudonym's line is not a membership
    expect(await dsr.memberships(gone.slice(0, -1))).toEqual([]);
    const counts = await storage.transaction((tx) => tx.dsr.erase(gone, 10, () => '{}'));
    expect(counts.memberships).toBe(2);
    expect(await dsr.memberships(gone)).toEqual([]);
    const page = await runs.members('run-a', 'cluster-1', MEMBER_CHUNK, 3);
    expect(page).toEqual([all[MEMBER_CHUNK], null, all[MEMBER_CHUNK + 2]]);
    expect(await runs.members('run-b', 'cluster-2', 0, 5)).toEqual([all[5], null]);
    expect(await dsr.memberships(all[5]!)).toHaveLength(2);
  });
});

describe('migration 0012', () => {
  it('moves member rows into ordered chunks of MEMBER_CHUNK slots', () => {
    const sql = fs.readFileSync(path.join(MIGRATIONS_DIR, '0012_segment_member_chunks.sql'), 'utf8').split('--> statement-breakpoint');
    const db = new Database(':memory:');
    db.exec(
      'CREATE TABLE segment_members (run_id text NOT NULL, segment_id text NOT NULL, pseudonym text NOT NULL, PRIMARY KEY(run_id, segment_id, pseudonym)) WITHOUT ROWID',
    );
    const ins = db.prepare('INSERT INTO segment_members VALUES (?, ?, ?)');
    const big = Array.from({ length: MEMBER_CHUNK + 5 }, (_, i) => pseudonym(i));
    // inserted out of order: the chunks must still be in pseudonym order
    for (const p of [...big].reverse()) ins.run('r1', 'cluster-1', p);
    ins.run('r1', 'cluster-2', pseudonym(3));
    for (const s of sql) db.exec(s);
    const rows = db.prepare('SELECT run_id, segment_id, chunk, members FROM segment_member_chunks ORDER BY run_id, segment_id, chunk').all() as {
      segment_id: string;
      chunk: number;
      members: string;
    }[];
    expect(rows.map((r) => [r.segment_id, r.chunk])).toEqual([
      ['cluster-1', 0],
      ['cluster-1', 1],
      ['cluster-2', 0],
    ]);
    expect(rows[0]!.members.split('\n')).toEqual(big.slice(0, MEMBER_CHUNK));
    expect(rows[1]!.members.split('\n')).toEqual(big.slice(MEMBER_CHUNK));
    expect(rows[2]!.members).toBe(pseudonym(3));
  });
});
