// Tampering with the audit log from outside the gateway, with the sqlite3 shell (psql on
// PostgreSQL) on the live database (the gateway keeps its connection open): an edited, deleted, swapped or inserted row,
// a cut-off tail, a rewritten head file and a chain recomputed without the audit key are each
// detected and located, by GET /v1/audit/verify and by `veilgate audit verify` (exit 1), and
// stay detected after the gateway has appended further entries.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HeadSeal } from '../src/audit/audit-head.ts';
import { afterAll, describe, expect, it } from 'vitest';
import { ALL_CONSENT_FLAGS, Recorder, pseudonymOfEmail } from './helpers/access.ts';
import {
  auditKeyOf,
  auditRows,
  cliVerify,
  dropGuards,
  dropTrigger,
  fillers,
  httpVerify,
  insertSql,
  JUSTIFICATION,
  readHead,
  rechain,
  tamper,
  type AuditRow,
  type Verification,
} from './helpers/audit.ts';
import { canaryIdentity } from './helpers/canaries.ts';
import { runVeilgate } from './helpers/cli.ts';
import { testGateway, type TestGateway } from './helpers/test-gateway.ts';

const CLOCK = Date.UTC(2026, 0, 15, 9, 30);
const gateways: TestGateway[] = [];
// a dozen gateways (on PostgreSQL, a database each): closed together
afterAll(async () => {
  await Promise.all(gateways.map((gw) => gw.cleanup()));
}, 120_000);

/** A fresh gateway whose log holds exactly 10 entries; seq 5 is a denied re-identification. */
async function tenEntries(tag: string): Promise<{ gw: TestGateway; rec: Recorder; rows: AuditRow[] }> {
  const gw = await testGateway({ clockStart: CLOCK });
  gateways.push(gw);
  const rec = new Recorder(gw);
  const id = canaryIdentity(tag, 1);
  const p = pseudonymOfEmail(gw, id.normalized['email']!);
  const dpo = await gw.mint(['dpo'], { sub: 'alice' });
  const marketing = await gw.mint(['marketing'], { sub: 'analyst' });
  const step = async (n: number, fn: () => Promise<unknown>) => {
    await fn();
    gw.advance(1000);
    expect(await auditRows(gw)).toHaveLength(n);
  };
  // 1: policy.load
  await step(2, () => rec.ingest('crm', 'customers', [{ ...id.record, ...ALL_CONSENT_FLAGS }, ...fillers(tag, 3)]));
  await step(3, () => rec.get(`/v1/subjects/${p}?purpose=segmentation_analytics`, marketing));
  await step(4, () =>
    rec.postJson('/v1/reidentifications', dpo, { pseudonyms: [p], fields: ['email'], purpose: 'customer_service', justification: JUSTIFICATION }),
  );
  await step(5, () =>
    rec.postJson('/v1/reidentifications', dpo, { pseudonyms: [p], fields: ['email'], purpose: 'customer_service', justification: 'because' }),
  );
  await step(6, () => rec.postJson(`/v1/subjects/${p}/consents`, dpo, { purpose: 'marketing_sms', status: 'withdrawn' }));
  await step(7, () => rec.postJson('/v1/dsr/access', dpo, { reference: 'DSR-TEST-0001', identifier: { type: 'email', value: id.normalized['email'] } }));
  await step(8, async () => {
    await rec.send('/v1/audit');
    await gw.refusals.flush(true); // the refused token's entry (one per address and minute)
  });
  await step(9, () => rec.get('/v1/subjects/p1_AAAAAAAAAAAAAAAAAAAAAA?purpose=segmentation_analytics', marketing));
  await step(10, () => rec.get('/v1/audit?limit=3', dpo));
  const rows = await auditRows(gw);
  expect(rows[4]).toMatchObject({ seq: 5, action: 'reidentification.request', outcome: 'denied' });
  expect(readHead(gw)).toMatchObject({ seq: 10, hash: rows[9]!.hash });
  return { gw, rec, rows };
}

/**
 * Verifies through the CLI (first: it appends nothing) and then through the API; both must agree.
 * `cli: false` checks the API only (each CLI run costs a process start).
 */
async function expectBroken(gw: TestGateway, rec: Recorder, at: number, reason?: string, opts: { cli?: boolean } = {}): Promise<Verification> {
  const want = { ok: false, first_invalid_seq: at, ...(reason && { reason }) };
  let cli: Verification | undefined;
  if (opts.cli !== false) {
    const r = await cliVerify(gw);
    expect(r.code, r.stderr).toBe(1);
    expect(r.v).toMatchObject(want);
    cli = r.v;
  }
  const http = await httpVerify(gw, rec);
  expect(http).toMatchObject(want);
  if (cli) expect(http).toEqual(cli);
  return http;
}

describe('tampering through the sqlite3 shell (psql) is detected and located', { timeout: 90_000 }, () => {
  it.concurrent('an untampered log verifies ok through the API and the CLI (exit 0), head file included', async () => {
    const { gw, rec, rows } = await tenEntries('tmpokk');
    const json = await cliVerify(gw);
    expect(json.code, json.stderr).toBe(0);
    expect(json.v).toEqual({ ok: true, entries: 10, head: { seq: 10, hash: rows[9]!.hash }, first_invalid_seq: null });
    const http = await httpVerify(gw, rec);
    expect(http).toEqual(json.v);
    // the verification itself was appended, chained and reflected in the head file
    const after = await auditRows(gw);
    expect(after).toHaveLength(11);
    expect(after[10]).toMatchObject({ action: 'audit.verify', outcome: 'ok', prev_hash: rows[9]!.hash });
    expect(readHead(gw)).toMatchObject({ seq: 11, hash: after[10]!.hash });
    const text = await cliVerify(gw, false);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`audit chain ok: 11 entries, head seq 11 ${after[10]!.hash}`);
  });

  it.concurrent('an edited field is a hash mismatch at that seq', async () => {
    const { gw, rec, rows } = await tenEntries('tmpedt');
    tamper(gw, `${dropTrigger(gw, 'audit_log_no_update')} UPDATE audit_log SET outcome='granted' WHERE seq=5;`);
    expect((await auditRows(gw))[4]!.outcome).toBe('granted');
    const v = await expectBroken(gw, rec, 5, 'hash_mismatch');
    expect(v.entries).toBe(5);
    expect(v.head).toEqual({ seq: 4, hash: rows[3]!.hash });
  });

  it.concurrent('an edited justification, actor or time is detected as well', async () => {
    const { gw, rec } = await tenEntries('tmpjus');
    tamper(gw, `${dropTrigger(gw, 'audit_log_no_update')} UPDATE audit_log SET justification='${JUSTIFICATION} (amended)' WHERE seq=4;`);
    await expectBroken(gw, rec, 4, 'hash_mismatch');
    tamper(gw, `UPDATE audit_log SET justification='${JUSTIFICATION}' WHERE seq=4; UPDATE audit_log SET actor_subject='mallory' WHERE seq=7;`);
    await expectBroken(gw, rec, 7, 'hash_mismatch', { cli: false });
    tamper(gw, "UPDATE audit_log SET actor_subject='alice' WHERE seq=7; UPDATE audit_log SET at=at+1 WHERE seq=3;");
    await expectBroken(gw, rec, 3, 'hash_mismatch', { cli: false });
    tamper(gw, 'UPDATE audit_log SET at=at-1 WHERE seq=3;');
    expect((await httpVerify(gw, rec)).ok).toBe(true);
  });

  it.concurrent('a deleted row is detected at the deleted seq', async () => {
    const { gw, rec } = await tenEntries('tmpdel');
    tamper(gw, `${dropTrigger(gw, 'audit_log_no_delete')} DELETE FROM audit_log WHERE seq=6;`);
    const v = await expectBroken(gw, rec, 6, 'seq_gap');
    expect(v.head?.seq).toBe(5);
  });

  it.concurrent('two rows with swapped contents are detected at the first swapped seq', async () => {
    const { gw, rec, rows } = await tenEntries('tmpswp');
    const cols =
      'at, actor_issuer, actor_subject, roles, action, outcome, purpose, justification, subjects, policy_version, request_id, detail, prev_hash, hash';
    tamper(
      gw,
      `${dropTrigger(gw, 'audit_log_no_update')}
      CREATE TEMP TABLE swap AS SELECT * FROM audit_log WHERE seq IN (4, 7);
      UPDATE audit_log SET (${cols}) = (SELECT ${cols} FROM swap WHERE swap.seq = 11 - audit_log.seq) WHERE seq IN (4, 7);`,
    );
    const now = await auditRows(gw);
    expect(now[3]!.hash).toBe(rows[6]!.hash);
    expect(now[6]!.hash).toBe(rows[3]!.hash);
    await expectBroken(gw, rec, 4);
  });

  it.concurrent('a forged row inserted in the middle, with plausible hashes, is detected at its seq', async () => {
    const { gw, rec, rows } = await tenEntries('tmpins');
    // renumber 6..10 to 7..11, then slip in a copy of seq 5 that claims a granted request,
    // chained to seq 5 and carrying the hash the next row points back to
    const forged: AuditRow = { ...rows[4]!, seq: 6, outcome: 'granted', justification: JUSTIFICATION, prev_hash: rows[4]!.hash, hash: rows[5]!.hash };
    tamper(
      gw,
      `${dropGuards(gw)}
      UPDATE audit_log SET seq = -seq WHERE seq >= 6;
      UPDATE audit_log SET seq = 1 - seq WHERE seq < 0;
      ${insertSql(forged)}`,
    );
    expect((await auditRows(gw)).map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    await expectBroken(gw, rec, 6, 'hash_mismatch');
  });

  it.concurrent('a forged row appended after the head, copying the last row, is detected at its seq', async () => {
    const { gw, rec, rows } = await tenEntries('tmpapp');
    const forged: AuditRow = { ...rows[9]!, seq: 11, prev_hash: rows[9]!.hash };
    tamper(gw, insertSql(forged));
    await expectBroken(gw, rec, 11, 'hash_mismatch');
  });

  it.concurrent('a cut-off tail (last 3 rows deleted) is detected through the head file as truncated at last+1, and stays detected', async () => {
    const { gw, rec } = await tenEntries('tmptrn');
    tamper(gw, `${dropTrigger(gw, 'audit_log_no_delete')} DELETE FROM audit_log WHERE seq > 7;`);
    const kept = await auditRows(gw);
    expect(kept).toHaveLength(7);
    expect(await httpVerify(gw, rec)).toEqual({ ok: false, entries: 7, head: { seq: 7, hash: kept[6]!.hash }, first_invalid_seq: 8, reason: 'truncated' });
    // the gateway keeps working; what it appends next must not paper over the missing entries
    const dpo = await gw.mint(['dpo'], { sub: 'alice' });
    for (let i = 0; i < 4; i++) await rec.get('/v1/audit?limit=1', dpo);
    const later = await cliVerify(gw);
    expect(later.code).toBe(1);
    expect(later.v).toMatchObject({ ok: false, first_invalid_seq: 8 });
    expect((await httpVerify(gw, rec)).first_invalid_seq).toBe(8);
  });

  it.concurrent('every row deleted is detected as truncated at seq 1', async () => {
    const { gw, rec } = await tenEntries('tmpall');
    tamper(gw, `${dropTrigger(gw, 'audit_log_no_delete')} DELETE FROM audit_log;`);
    expect(await httpVerify(gw, rec)).toMatchObject({ ok: false, entries: 0, head: null, first_invalid_seq: 1, reason: 'truncated' });
    const cli = await cliVerify(gw);
    expect(cli.code).toBe(1);
    expect(cli.v).toMatchObject({ ok: false, first_invalid_seq: 1 });
  });

  it.concurrent('a head file that does not match the last entry is detected: sealed, unsealed or sealed with another key', async () => {
    const { gw, rec } = await tenEntries('tmphed');
    const write = (head: unknown) => fs.writeFileSync(path.join(gw.dataDir, 'audit-head.json'), JSON.stringify(head));
    const sealed = (key: Buffer) => new HeadSeal(crypto.createSecretKey(key)).seal({ seq: 10, hash: 'f'.repeat(64), at: CLOCK });
    write(sealed(auditKeyOf(gw)));
    await expectBroken(gw, rec, 10, 'head_mismatch', { cli: false });
    // the mismatching head is evidence: the gateway does not overwrite it
    await expectBroken(gw, rec, 10, 'head_mismatch', { cli: false });
    write({ seq: 10, hash: 'f'.repeat(64) });
    await expectBroken(gw, rec, 13, 'head_invalid', { cli: false });
    write(sealed(crypto.randomBytes(32)));
    await expectBroken(gw, rec, 14, 'head_forged');
  });

  it.concurrent('without the audit key a consistent chain cannot be recomputed; with it, it can (the key is what protects it)', async () => {
    const { gw, rec, rows } = await tenEntries('tmpkey');
    const edited = rows.map((r) => (r.seq === 5 ? { ...r, outcome: 'granted', justification: JUSTIFICATION } : r));
    const rewrite = (chain: AuditRow[], key: Buffer) => {
      tamper(gw, `${dropGuards(gw, 'audit_log', { ifExists: true })} DELETE FROM audit_log; ${chain.map(insertSql).join('\n')}`);
      // the forger also rewrites the head file to the forged head, sealed under the key they hold
      const head = new HeadSeal(crypto.createSecretKey(key)).seal({ seq: chain.at(-1)!.seq, hash: chain.at(-1)!.hash, at: CLOCK });
      fs.writeFileSync(path.join(gw.dataDir, 'audit-head.json'), JSON.stringify(head));
    };
    const forgerKey = crypto.randomBytes(32);
    const forged = rechain(edited, forgerKey);
    // the forged chain is internally consistent: every prev_hash is the previous hash
    forged.forEach((r, i) => expect(r.prev_hash).toBe(i === 0 ? '0'.repeat(64) : forged[i - 1]!.hash));
    rewrite(forged, forgerKey);
    await expectBroken(gw, rec, 1, 'hash_mismatch');
    // and a verifier holding another key (VEILGATE_AUDIT_KEY) cannot vouch for the real chain either
    rewrite(rows, auditKeyOf(gw));
    expect((await httpVerify(gw, rec)).ok).toBe(true);
    const wrongKey = await cliVerify(gw, false, { VEILGATE_AUDIT_KEY: crypto.randomBytes(32).toString('base64') });
    expect(wrongKey.code, wrongKey.stderr).toBe(1);
    expect(wrongKey.stdout).toContain('audit chain BROKEN at seq 1 (hash_mismatch)');
    // control: the same rewrite under the real audit key passes, so the recomputation above was faithful
    rewrite(rechain(edited, auditKeyOf(gw)), auditKeyOf(gw));
    expect(await httpVerify(gw, rec)).toMatchObject({ ok: true, entries: 10 });
  });

  it.concurrent("the chain is an HMAC under VEILGATE_AUDIT_KEY when it is set (else the dev key file's audit key)", async () => {
    const key = crypto.randomBytes(32);
    const gw = await testGateway({ clockStart: CLOCK, env: { VEILGATE_AUDIT_KEY: key.toString('base64') } });
    gateways.push(gw);
    const rec = new Recorder(gw);
    await rec.ingest('crm', 'customers', fillers('tmpenv', 2));
    await rec.send('/v1/audit');
    await gw.refusals.flush(true);
    const rows = await auditRows(gw);
    expect(rows).toHaveLength(3);
    expect(rechain(rows, key)).toEqual(rows);
    expect(rechain(rows, auditKeyOf(gw))[0]!.hash).not.toBe(rows[0]!.hash);
    expect(await httpVerify(gw, rec)).toMatchObject({ ok: true, entries: 3 });
  });

  it.concurrent('`audit verify` on a data directory without a database exits 1 with one clear line and creates nothing', async () => {
    const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'veilgate-noaudit-')), 'data');
    try {
      const r = await runVeilgate(['audit', 'verify', '--json'], { env: { VEILGATE_DEV: '1', VEILGATE_DATA_DIR: dir } });
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain('no database');
      expect(r.stderr).not.toMatch(/\n\s+at\s/);
      expect(fs.existsSync(dir)).toBe(false);
    } finally {
      fs.rmSync(path.dirname(dir), { recursive: true, force: true });
    }
  });
});
