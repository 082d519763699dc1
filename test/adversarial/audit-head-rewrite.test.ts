// Threat T8 (docs/threat-model.md): someone who can write the data directory drops the append-only
// triggers, deletes the last entries and rewrites (or deletes) audit-head.json, so that verify
// answers ok. The head is sealed under the audit key, a missing or unsealed head on a non-empty
// log is a failure (and a restarted gateway refuses to start on it), the head only moves forward,
// and sealed checkpoint lines in the log keep a copy outside the data directory.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditHeadLost, AuditLog, AuditUnavailable } from '../../src/audit/audit-log.ts';
import { HeadSeal, headFileIn } from '../../src/audit/audit-head.ts';
import { buildGateway } from '../../src/gateway.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { Recorder } from '../helpers/access.ts';
import { auditKeyOf, auditRows, cliVerify, dropGuards, fillers, httpVerify, readHead, tamper, veilgateEnv } from '../helpers/audit.ts';
import { runVeilgate } from '../helpers/cli.ts';
import { testGateway, type TestGateway } from '../helpers/test-gateway.ts';

const CLOCK = Date.UTC(2026, 0, 15, 9, 30);
const headPath = (gw: TestGateway) => path.join(gw.dataDir, 'audit-head.json');

/** A gateway with a dozen entries, one checkpoint line logged a minute in. */
async function logged(tag: string): Promise<{ gw: TestGateway; rec: Recorder }> {
  const gw = await testGateway({ clockStart: CLOCK });
  const rec = new Recorder(gw);
  await rec.ingest('crm', 'customers', fillers(tag, 3));
  const dpo = await gw.mint(['dpo'], { ttlSeconds: 3600 });
  for (let i = 0; i < 4; i++) await rec.get('/v1/audit?limit=1', dpo);
  gw.advance(61_000);
  for (let i = 0; i < 6; i++) await rec.get('/v1/audit?limit=1', dpo);
  return { gw, rec };
}

const checkpointLines = (gw: TestGateway) => gw.logs.filter((l) => l.includes('"audit_checkpoint"'));

describe('T8: a cut tail with a deleted or rewritten head is found', () => {
  const gws: TestGateway[] = [];
  afterAll(async () => {
    for (const g of gws) await g.cleanup();
  });

  it('deleted head: verification fails, a restarted gateway refuses to start, and the running one keeps the cut visible', async () => {
    const { gw, rec } = await logged('advhd1');
    gws.push(gw);
    const before = (await auditRows(gw)).length;
    tamper(gw, `${dropGuards(gw)} DELETE FROM audit_log WHERE seq > ${before - 3};`);
    fs.rmSync(headPath(gw));
    const cli = await cliVerify(gw);
    expect(cli.code).toBe(1);
    expect(cli.v).toMatchObject({ ok: false, reason: 'head_missing', first_invalid_seq: before - 2 });
    // a fresh process has no head of its own: it does not paper over the cut with a new one
    const restart = buildGateway(gw.config, { logger: createLogger({ level: 'silent' }), clock: gw.now });
    await expect(restart).rejects.toBeInstanceOf(AuditUnavailable);
    await expect(restart).rejects.toHaveProperty('cause', expect.any(AuditHeadLost));
    // the running process still knows its head: it numbers on from it, so the cut is a gap for good
    expect(await httpVerify(gw, rec)).toMatchObject({ ok: false, reason: 'head_missing' });
    expect(await httpVerify(gw, rec)).toMatchObject({ ok: false, reason: 'seq_gap', first_invalid_seq: before - 2 });
  });

  it('an unsealed head agreeing with the cut table, or one sealed under another key, does not verify', async () => {
    const { gw, rec } = await logged('advhd2');
    gws.push(gw);
    const rows = await auditRows(gw);
    tamper(gw, `${dropGuards(gw)} DELETE FROM audit_log WHERE seq > ${rows.length - 3};`);
    const last = rows[rows.length - 4]!;
    fs.writeFileSync(headPath(gw), JSON.stringify({ seq: last.seq, hash: last.hash }));
    expect((await cliVerify(gw)).v).toMatchObject({ ok: false, reason: 'head_invalid' });
    const forged = new HeadSeal(crypto.createSecretKey(crypto.randomBytes(32))).seal({ seq: last.seq, hash: last.hash, at: CLOCK });
    fs.writeFileSync(headPath(gw), JSON.stringify(forged));
    expect((await cliVerify(gw)).v).toMatchObject({ ok: false, reason: 'head_forged' });
    expect(await httpVerify(gw, rec)).toMatchObject({ ok: false });
  });

  it('re-anchoring is recorded in the chain, and the checkpoint lines of the log still find the cut', async () => {
    const { gw } = await logged('advhd3');
    gws.push(gw);
    const lines = checkpointLines(gw);
    expect(lines.length).toBeGreaterThanOrEqual(2); // at start, and a minute later
    const latest = JSON.parse(lines.at(-1)!).audit_checkpoint as { seq: number; mac: string };
    expect(latest.mac).toMatch(/^[0-9a-f]{64}$/);
    tamper(gw, `${dropGuards(gw)} DELETE FROM audit_log WHERE seq >= ${latest.seq};`);
    fs.rmSync(headPath(gw));
    const env = veilgateEnv(gw);
    const re = await runVeilgate(['audit', 'reanchor', '--reason', 'head lost after a disk incident'], { env, timeoutMs: 30_000 });
    expect(re.code, re.stderr).toBe(0);
    const after = await cliVerify(gw);
    expect(after.v).toMatchObject({ ok: true });
    expect(after.v!.reanchored_at).toEqual([latest.seq]);
    const entry = (await auditRows(gw)).find((r) => r.action === 'audit.reanchor')!;
    expect(JSON.parse(entry.detail)).toMatchObject({ previous_head: 'missing', verification: 'head_missing', reason: 'head lost after a disk incident' });
    // the copy kept outside the data directory: the chain no longer holds that checkpoint's entry
    const logFile = path.join(gw.dataDir, '..', `${path.basename(gw.dataDir)}.log`);
    fs.writeFileSync(logFile, gw.logs.join(''));
    try {
      const r = await runVeilgate(['audit', 'verify', '--json', '--checkpoints', logFile], { env, timeoutMs: 30_000 });
      expect(r.code).toBe(1);
      expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, reason: 'checkpoint_mismatch', first_invalid_seq: latest.seq });
    } finally {
      fs.rmSync(logFile);
    }
    // a head that is fine needs no re-anchoring: the command refuses
    expect((await runVeilgate(['audit', 'reanchor', '--reason', 'again'], { env, timeoutMs: 30_000 })).code).toBe(1);
  });

  it('the head only moves forward: a write that would rewind it is refused, and a cut stays reported after later appends', async () => {
    const { gw, rec } = await logged('advhd4');
    gws.push(gw);
    const rows = await auditRows(gw);
    const key = auditKeyOf(gw);
    // a head ahead of the table (another writer's, or the table lost entries): no rewinding
    const ahead = new HeadSeal(crypto.createSecretKey(key)).seal({ seq: rows.length + 5, hash: 'a'.repeat(64), at: CLOCK });
    fs.writeFileSync(headPath(gw), JSON.stringify(ahead));
    const other = new AuditLog(gw.storage, key, headFileIn(gw.dataDir), () => gw.policies.version, gw.now);
    await expect(other.syncHead()).rejects.toThrow(AuditUnavailable);
    expect(readHead(gw)).toEqual(ahead);
    // the next append numbers on from the head, so the missing entries show as a gap for good;
    // the head, which names an entry the table does not hold, is left as evidence
    await rec.get('/v1/audit?limit=1', await gw.mint(['dpo']));
    expect((await auditRows(gw)).at(-1)!.seq).toBe(rows.length + 6);
    expect(readHead(gw)).toEqual(ahead);
    const v = await httpVerify(gw, rec);
    expect(v).toMatchObject({ ok: false, reason: 'seq_gap', first_invalid_seq: rows.length + 1 });
  });
});

describe('T8: checkpoint lines', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    ({ gw } = await logged('advhd5'));
  });
  afterAll(() => gw?.cleanup());

  it('are sealed heads that verify against the chain, at start and at least every minute the head moves', async () => {
    const lines = checkpointLines(gw).map((l) => JSON.parse(l).audit_checkpoint as { seq: number; hash: string; at: number; mac: string });
    expect(lines[0]!.seq).toBe(1);
    expect(lines.at(-1)!.at - lines[0]!.at).toBeGreaterThanOrEqual(60_000);
    const seal = new HeadSeal(crypto.createSecretKey(auditKeyOf(gw)));
    const rows = await auditRows(gw);
    for (const c of lines) {
      expect(seal.open(c).state).toBe('ok');
      expect(rows[c.seq - 1]!.hash).toBe(c.hash);
    }
    expect(await gw.audit.verify(lines)).toMatchObject({ ok: true, checkpoints: { checked: lines.length, ignored: 0 } });
    // an edited checkpoint (another seq, the same seal) is not believed
    expect(await gw.audit.verify([{ ...lines[0], seq: 2 }])).toMatchObject({ ok: true, checkpoints: { checked: 0, ignored: 1 } });
  });
});
