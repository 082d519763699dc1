// Erasure while the background WAL checkpointer runs (as under `veilgate serve`): the
// checkpointer holds the checkpoint lock for a moment every round, and erasure's WAL
// truncation must still get through, so no frame with the subject's old wrapped key,
// ciphertext or identifiers stays in the WAL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { Checkpointer } from '../src/db/sqlite/checkpointer.ts';
import { compactWal } from '../src/db/sqlite/compact-wal.ts';
import { Recorder, seedSubject, type Seeded } from './helpers/access.ts';
import { dbBytes, dbLeaks, fillers } from './helpers/audit.ts';
import { testGateway, type TestGateway } from './helpers/test-gateway.ts';

describe('erasure with the background checkpointer running', () => {
  let gw: TestGateway;
  let checkpoints: Checkpointer;
  let gone: Seeded;
  let kept: Seeded;

  beforeAll(async () => {
    gw = await testGateway({ clockStart: Date.UTC(2026, 0, 15, 9, 30) });
    // a round every millisecond: the checkpoint lock is taken as often as it can be
    checkpoints = Checkpointer.start(gw.sqlite, { intervalMs: 1 });
    const rec = new Recorder(gw);
    gone = await seedSubject(rec, 'dsrckp', 1);
    kept = await seedSubject(rec, 'dsrckp', 2);
    await rec.ingest('crm', 'customers', fillers('dsrckp', 20));
  });
  afterAll(async () => {
    await checkpoints?.stop();
    await gw?.cleanup();
  });

  it('leaves neither the wrapped key, the ciphertext nor any identifier in the file or its WAL', async () => {
    // the vault row is keyed by the subject id, which outlives the subject's row
    const subjectId = (p: string) => (gw.sqlite.prepare('SELECT id FROM subjects WHERE pseudonym = ?').get(p) as { id: number }).id;
    const goneId = subjectId(gone.pseudonym);
    const vault = () =>
      gw.sqlite.prepare('SELECT wrapped_key, ciphertext FROM vault WHERE subject_id = ?').get(goneId) as {
        wrapped_key: Buffer | null;
        ciphertext: Buffer | null;
      };
    const before = vault();
    expect(dbBytes(gw).includes(before.wrapped_key!)).toBe(true);
    expect(dbLeaks(gw, [gone.identity])).toEqual([]);

    const dpo = await gw.mint(['dpo'], { sub: 'alice' });
    const res = await gw.request('/v1/dsr/erasure', {
      method: 'POST',
      headers: { authorization: `Bearer ${dpo}`, 'content-type': 'application/json' },
      body: JSON.stringify({ reference: 'DSR-TEST-0001', identifier: { type: 'email', value: gone.identity.normalized['email'] } }),
    });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(((await res.json()) as { removed: { vault_data_key: string } }).removed.vault_data_key).toBe('destroyed');
    await gw.dsr.maintenanceIdle();

    expect(vault()).toEqual({ wrapped_key: null, ciphertext: null });
    const bytes = dbBytes(gw);
    expect(bytes.includes(before.wrapped_key!)).toBe(false);
    expect(bytes.includes(before.ciphertext!.subarray(0, 48))).toBe(false);
    expect(bytes.includes(before.ciphertext!.subarray(-32))).toBe(false);
    // the other subject's wrapped key is still there: the scan can see a key when one is on disk
    const other = gw.sqlite.prepare('SELECT wrapped_key FROM vault WHERE subject_id = ?').get(subjectId(kept.pseudonym)) as { wrapped_key: Buffer };
    expect(bytes.includes(other.wrapped_key)).toBe(true);
  });

  it('compaction reports failure while a reader holds old frames, and succeeds once it lets go', async () => {
    const reader = new Database(gw.sqliteStorage.file, { readonly: true });
    try {
      reader.exec('BEGIN');
      reader.prepare('SELECT count(*) FROM vault').get();
      // frames the reader's snapshot does not see: the WAL cannot be reset under it
      await new Recorder(gw).ingest('crm', 'customers', fillers('dsrckq', 3));
      // the event loop stays free while it retries: a timer set now fires before it ends
      let ticked = false;
      setTimeout(() => {
        ticked = true;
      }, 10);
      expect(await compactWal(gw.sqliteStorage.file, 150)).toBe(false);
      expect(ticked).toBe(true);
      // it gave up (within its own budget, on a connection of its own): the writer's busy timeout is untouched
      expect(gw.sqlite.pragma('busy_timeout', { simple: true })).toBe(5000);
      reader.exec('COMMIT');
      expect(await compactWal(gw.sqliteStorage.file, 5000)).toBe(true);
    } finally {
      reader.close();
    }
  });
});
