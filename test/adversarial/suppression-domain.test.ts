// Threat T15 (docs/threat-model.md): someone with the database learns who was erased. Suppression
// entries used to be the erased subject's link keys, and the email link key is the pseudonym, so
// the table named which pseudonym (still present in old member exports) had asked to be erased.
// They are keyed hashes in their own domain now; entries of the older form are re-keyed at start.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Recorder, seedSubject, type Seeded } from '../helpers/access.ts';
import { expectRowError } from '../helpers/ingest.ts';
import { testGateway, type TestGateway } from '../helpers/test-gateway.ts';

describe('T15: the suppression table does not say who was erased', () => {
  let gw: TestGateway;
  let rec: Recorder;
  let gone: Seeded;
  let links: string[];
  const table = async () => (await gw.db.all<{ key_hash: string }>('SELECT key_hash FROM suppressions ORDER BY key_hash')).map((r) => r.key_hash);

  beforeAll(async () => {
    gw = await testGateway({ clockStart: Date.UTC(2026, 0, 15, 9, 30) });
    rec = new Recorder(gw);
    gone = await seedSubject(rec, 'advsup', 1, { transactions: false });
    links = (
      await gw.db.all<{ key_hash: string }>(
        'SELECT key_hash FROM subject_links WHERE subject_id = (SELECT id FROM subjects WHERE pseudonym = ?)',
        gone.pseudonym,
      )
    ).map((r) => r.key_hash);
    const dpo = await gw.mint(['dpo']);
    const e = await rec.postJson('/v1/dsr/erasure', dpo, {
      reference: 'DSR-2026-0001',
      identifier: { type: 'email', value: gone.identity.normalized['email'] },
    });
    expect(e.status, e.text).toBe(200);
  });
  afterAll(() => gw?.cleanup());

  it('no entry is the pseudonym or a link key, and none can be joined with another table', async () => {
    const keys = await table();
    expect(keys).toHaveLength(3);
    expect(links).toContain(gone.pseudonym); // the email link key is the pseudonym itself
    for (const k of keys) {
      expect(links).not.toContain(k);
      // the vault, consent records and transactions are keyed by subject id, reached through subjects.pseudonym
      for (const [t, col] of [
        ['subjects', 'pseudonym'],
        ['subject_links', 'key_hash'],
        ['erasures', 'pseudonym'],
      ] as const) {
        expect(await gw.db.count(t, `${col} = ?`, k), `${t}.${col}`).toBe(0);
      }
    }
  });

  it('entries of the older form (the link keys themselves) are re-keyed, and still refuse the person', async () => {
    // what a database written before the change holds
    await gw.db.exec('DELETE FROM suppressions');
    for (const l of links) await gw.db.run('INSERT INTO suppressions (key_hash, created_at) VALUES (?, 0)', l);
    expect(await gw.dsr.rekeyLegacySuppressions()).toBe(3);
    const keys = await table();
    expect(keys.every((k) => /^x_/.test(k) && !links.includes(k))).toBe(true);
    expect(await gw.dsr.rekeyLegacySuppressions()).toBe(0);
    const again = await rec.ingest('crm', 'customers', [gone.identity.record]);
    expectRowError(again, 1, 'email', 'erased_subject');
    expect(again.accepted).toBe(0);
  });
});
