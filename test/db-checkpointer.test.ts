// The background checkpointer: it copies committed WAL frames into the database file while the
// writer keeps writing, raises the writer's own threshold only while it runs, and stops cleanly.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Checkpointer, SAFETY_NET_PAGES } from '../src/db/sqlite/checkpointer.ts';
import { AUTOCHECKPOINT_PAGES, openConnection } from '../src/db/sqlite/open-database.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

describe('background checkpointer', () => {
  it('moves committed frames into the database file without the writer checkpointing', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'veilgate-ckpt-'));
    dirs.push(dir);
    const sqlite = openConnection(dir);
    const cp = Checkpointer.start(sqlite, { intervalMs: 20 });
    expect(sqlite.pragma('wal_autocheckpoint', { simple: true })).toBe(SAFETY_NET_PAGES);
    const before = fs.statSync(sqlite.name).size;
    const ins = sqlite.prepare('INSERT INTO service_state (key, value, updated_at) VALUES (?, ?, 0)');
    sqlite
      .transaction(() => {
        for (let i = 0; i < 5000; i++) ins.run(`k${i}`, 'x'.repeat(400));
      })
      .immediate();
    // the writer wrote ~2 MB to the WAL only; the thread backfills it into the file
    const deadline = Date.now() + 10_000;
    while (fs.statSync(sqlite.name).size < before + 1_500_000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(fs.statSync(sqlite.name).size).toBeGreaterThan(before + 1_500_000);
    await cp.stop();
    expect(sqlite.pragma('wal_autocheckpoint', { simple: true })).toBe(AUTOCHECKPOINT_PAGES);
    // the writer is unaffected and the data reads back
    expect((sqlite.prepare('SELECT count(*) AS n FROM service_state WHERE key LIKE ?').get('k%') as { n: number }).n).toBe(5000);
    sqlite.close();
  });
});
