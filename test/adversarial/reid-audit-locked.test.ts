// Threat T19 (docs/threat-model.md): re-identification while the audit store is held by another
// writer (a long transaction, a backup tool, an attacker's lock) must not reveal anything
// unaudited, nor answer 500: it is refused with 503 and Retry-After, and nothing is recorded.
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Recorder, seedSubject, type Seeded } from '../helpers/access.ts';
import { auditRows, JUSTIFICATION } from '../helpers/audit.ts';
import { expectProblem } from '../helpers/problem.ts';
import { testGateway, type TestGateway } from '../helpers/test-gateway.ts';

describe('T19: re-identification while the audit store is locked', () => {
  let gw: TestGateway;
  let rec: Recorder;
  let s: Seeded;
  let dpo: string;

  beforeAll(async () => {
    gw = await testGateway({ clockStart: Date.UTC(2026, 0, 15, 9, 30), env: { VEILGATE_DB_BUSY_TIMEOUT_MS: '50' } });
    rec = new Recorder(gw);
    s = await seedSubject(rec, 'advlck', 1, { transactions: false });
    dpo = await gw.mint(['dpo'], { sub: 'alice' });
  });
  afterAll(() => gw?.cleanup());

  /**
   * Runs `fn` while another connection holds the audit store against writers: SQLite's write lock
   * on the file; on PostgreSQL a lock on audit_log that lets readers through (as SQLite's does).
   */
  async function whileLocked<T>(fn: () => Promise<T>): Promise<T> {
    if (gw.backend === 'postgres') {
      const other = new pg.Client({ connectionString: gw.config.database!.url });
      await other.connect();
      try {
        await other.query('BEGIN');
        await other.query('LOCK TABLE audit_log IN EXCLUSIVE MODE');
        try {
          return await fn();
        } finally {
          await other.query('ROLLBACK');
        }
      } finally {
        await other.end();
      }
    }
    const other = new Database(gw.sqliteStorage.file);
    other.exec('BEGIN IMMEDIATE');
    try {
      return await fn();
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
  }

  it('a granted request answers 503 with Retry-After and reveals nothing; nothing is stored or audited', async () => {
    const before = (await auditRows(gw)).length;
    const requests = () => gw.db.count('reidentification_requests');
    const stored = await requests();
    const res = await whileLocked(() =>
      gw.request('/v1/reidentifications', {
        method: 'POST',
        token: dpo,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ pseudonyms: [s.pseudonym], fields: ['email', 'phone'], purpose: 'customer_service', justification: JUSTIFICATION }),
      }),
    );
    const { text } = await expectProblem(res, 503, 'server.unavailable');
    expect(res.headers.get('retry-after')).toBe('1');
    for (const needle of s.identity.needles) expect(text).not.toContain(needle.value);
    expect((await auditRows(gw)).length).toBe(before);
    expect(await requests()).toBe(stored);
    // once the lock is gone the same request goes through, audited
    const ok = await rec.postJson('/v1/reidentifications', dpo, {
      pseudonyms: [s.pseudonym],
      fields: ['email'],
      purpose: 'customer_service',
      justification: JUSTIFICATION,
    });
    expect(ok.status, ok.text).toBe(201);
  });

  it('collecting approved fields while locked: 503, and the delivery is still there afterwards', async () => {
    const pending = await rec.postJson('/v1/reidentifications', dpo, {
      pseudonyms: [s.pseudonym],
      fields: ['iban'],
      purpose: 'customer_service',
      justification: JUSTIFICATION,
    });
    expect(pending.status).toBe(202);
    const bob = await gw.mint(['dpo'], { sub: 'bob' });
    expect((await rec.postJson(`/v1/reidentifications/${pending.json.id}/approve`, bob, {})).status).toBe(200);
    const res = await whileLocked(() => gw.request(`/v1/reidentifications/${pending.json.id}`, { token: dpo }));
    const { text } = await expectProblem(res, 503, 'server.unavailable');
    expect(text).not.toContain(s.identity.normalized['iban']!);
    const later = await rec.get(`/v1/reidentifications/${pending.json.id}`, dpo);
    expect(later.json.results[0].fields).toEqual({ iban: s.identity.normalized['iban'] });
  });
});
