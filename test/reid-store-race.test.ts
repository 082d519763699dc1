// Re-identification status changes are compare-and-set in storage: of two gateway instances
// deciding or collecting the same request at once, only one write takes effect.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteStorage } from '../src/db/sqlite/storage.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

describe('re-identification status writes', () => {
  it('decide and deliver only move a request on from the status they follow', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'veilgate-reid-'));
    dirs.push(dir);
    // two storages on one database: two instances
    const a = openSqliteStorage({ dataDir: dir });
    const b = openSqliteStorage({ dataDir: dir, migrate: false });
    const one = a.reid;
    const two = b.reid;
    await one.insert({
      id: 'r1',
      requester: 'iss:alice',
      issuerId: 'iss',
      roles: ['reidentifier'],
      purpose: 'fraud',
      justification: 'x'.repeat(30),
      pseudonyms: ['p1_' + 'a'.repeat(22)],
      fields: ['iban'],
      status: 'pending_approval',
      decidedBy: null,
      decidedAt: null,
      deliveredAt: null,
      createdAt: 1,
    });
    // both instances read "pending"; the first decision wins, the second is refused
    expect((await one.get('r1'))!.status).toBe('pending_approval');
    expect((await two.get('r1'))!.status).toBe('pending_approval');
    expect(await one.setStatus('r1', 'approved', 'iss:dpo1', 2)).toBe(true);
    expect(await two.setStatus('r1', 'denied', 'iss:dpo2', 3)).toBe(false);
    expect(await one.get('r1')).toMatchObject({ status: 'approved', decidedBy: 'iss:dpo1', decidedAt: 2 });
    // delivered exactly once
    expect(await two.setStatus('r1', 'delivered', null, 4)).toBe(true);
    expect(await one.setStatus('r1', 'delivered', null, 5)).toBe(false);
    expect(await one.get('r1')).toMatchObject({ status: 'delivered', deliveredAt: 4 });
    // nothing is delivered that was not approved
    await one.insert({ ...(await one.get('r1'))!, id: 'r2', status: 'pending_approval', decidedBy: null, decidedAt: null, deliveredAt: null });
    expect(await one.setStatus('r2', 'delivered', null, 6)).toBe(false);
    await a.close();
    await b.close();
  });
});
