// The audit sink (VEILGATE_AUDIT_SINK): every committed entry is forwarded once, in order, in the
// export's entry shape, and none that rolled back; JSON lines to a file, RFC 5424 over real UDP and
// TCP sockets on 127.0.0.1 (octet-counted frames), CEF to a file; nothing of the vault reaches it
// after an ingest, re-identifications and data-subject requests; a full queue or a sink that is
// down drops entries, counted and logged, and never fails a request.
import dgram from 'node:dgram';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actorFields, SYSTEM_ACTOR } from '../src/audit/audit-actor.ts';
import { auditEntryJson } from '../src/audit/audit-json.ts';
import { SD_ID } from '../src/audit/sink/audit-messages.ts';
import { Recorder, seedSubject, type Seeded } from './helpers/access.ts';
import { auditRows, fillers, JUSTIFICATION, toEntry, type AuditRow } from './helpers/audit.ts';
import { scan } from './helpers/canaries.ts';
import { tempDir, testGateway, type TestGateway } from './helpers/test-gateway.ts';

const CLOCK = Date.UTC(2026, 0, 15, 9, 30);

const asEntry = (r: AuditRow) => auditEntryJson(toEntry(r));

/** Requests that write entries: a re-identification, a data-subject access and an erasure of canary subjects. */
async function auditedTraffic(gw: TestGateway, rec: Recorder, tag: string): Promise<Seeded[]> {
  const subjects = [await seedSubject(rec, tag, 1), await seedSubject(rec, tag, 2)];
  await rec.ingest('crm', 'customers', fillers(tag, 3));
  const alice = await gw.mint(['dpo'], { sub: 'alice' });
  const reid = await rec.postJson('/v1/reidentifications', alice, {
    pseudonyms: [subjects[0]!.pseudonym],
    fields: ['email', 'phone'],
    purpose: 'customer_service',
    justification: JUSTIFICATION,
  });
  expect(reid.status, reid.text).toBe(201);
  const access = await rec.postJson('/v1/dsr/access', alice, {
    reference: 'DSR-TEST-0001',
    identifier: { type: 'email', value: subjects[0]!.identity.normalized['email'] },
  });
  expect([200, 202]).toContain(access.status);
  const erase = await rec.postJson('/v1/dsr/erasure', alice, {
    reference: 'DSR-TEST-0002',
    identifier: { type: 'email', value: subjects[1]!.identity.normalized['email'] },
  });
  expect(erase.status, erase.text).toBe(200);
  expect((await rec.get('/v1/audit?limit=3', alice)).status).toBe(200);
  return subjects;
}

/** Polls until `done` holds (the sink is asynchronous by design), at most 10 s. */
async function eventually(done: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await done()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the sink did not receive everything in time');
}

describe('audit sink: JSON lines to a file', () => {
  let gw: TestGateway;
  let rec: Recorder;
  let subjects: Seeded[];
  const dir = tempDir('sink');
  const file = path.join(dir, 'audit.jsonl');

  beforeAll(async () => {
    gw = await testGateway({ clockStart: CLOCK, env: { VEILGATE_AUDIT_SINK: `jsonl:${file}` } });
    rec = new Recorder(gw);
    subjects = await auditedTraffic(gw, rec, 'sinkjl');
    await gw.auditSink!.idle();
  });
  afterAll(async () => {
    await gw?.cleanup();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("every committed entry, once and in order, in the NDJSON export's shape", async () => {
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    expect(lines.pop()).toBe('');
    const rows = await auditRows(gw);
    expect(lines.map((l) => JSON.parse(l) as unknown)).toEqual(rows.map(asEntry));
    expect(rows.map((r) => r.action)).toEqual(
      expect.arrayContaining(['policy.load', 'ingest.customers', 'ingest.transactions', 'reidentification.request', 'dsr.access', 'dsr.erasure', 'audit.read']),
    );
    expect(gw.auditSink!.snapshot()).toEqual({ sent: rows.length, dropped: 0, queued: 0 });
    expect((fs.statSync(file).mode & 0o777).toString(8)).toBe('600');
  });

  it('nothing of the vault reaches the sink, though the answers carried it', () => {
    const needles = subjects.flatMap((s) => s.identity.needles);
    expect(scan(fs.readFileSync(file), needles).map((h) => h.label)).toEqual([]);
    expect(rec.leaks(subjects.map((s) => s.identity)).length).toBeGreaterThan(0);
  });

  it('an entry whose unit of work rolls back is not forwarded; the next committed one is', async () => {
    const before = gw.auditSink!.snapshot().sent;
    await expect(
      gw.storage.transaction(async (tx) => {
        await gw.audit.append({ ...actorFields(SYSTEM_ACTOR), action: 'test.rolled_back', outcome: 'ok' }, tx);
        throw new Error('the action failed after its entry');
      }),
    ).rejects.toThrow('the action failed');
    await gw.audit.append({ ...actorFields(SYSTEM_ACTOR), action: 'test.committed', outcome: 'ok' });
    await gw.auditSink!.idle();
    const lines = fs
      .readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { action: string; seq: number });
    expect(lines.map((l) => l.action)).not.toContain('test.rolled_back');
    expect(lines.at(-1)!.action).toBe('test.committed');
    expect(gw.auditSink!.snapshot().sent).toBe(before + 1);
    expect(lines.map((l) => l.seq)).toEqual((await auditRows(gw)).map((r) => r.seq));
  });

  it('a full queue drops what does not fit, counted and logged; the audit table keeps every entry', async () => {
    const small = await testGateway({
      clockStart: CLOCK,
      env: { VEILGATE_AUDIT_SINK: `jsonl:${path.join(dir, 'small.jsonl')}`, VEILGATE_AUDIT_SINK_QUEUE: '5' },
    });
    try {
      await small.auditSink!.idle();
      const base = small.auditSink!.snapshot().sent;
      // fifty entries committed by one unit reach the queue at once
      await small.storage.transaction(async (tx) => {
        for (let i = 0; i < 50; i++) await small.audit.append({ ...actorFields(SYSTEM_ACTOR), action: 'test.burst', outcome: 'ok', detail: { i } }, tx);
      });
      await small.auditSink!.idle();
      const s = small.auditSink!.snapshot();
      expect(s.sent - base + s.dropped).toBe(50);
      expect(s.dropped).toBeGreaterThanOrEqual(40);
      expect(await small.db.count('audit_log', "action = 'test.burst'")).toBe(50);
      // the first drop is reported at once, the rest within 10 s or at close: every drop is told
      await small.auditSink!.close();
      const warnings = small.logs
        .map((l) => JSON.parse(l) as { msg: string; level: number; audit_sink: { queue_full: number } })
        .filter((l) => l.msg === 'audit sink dropped entries: the audit table remains the record');
      expect(warnings.length).toBeGreaterThanOrEqual(1);
      expect(warnings.every((w) => w.level === 40)).toBe(true);
      expect(warnings.reduce((n, w) => n + w.audit_sink.queue_full, 0)).toBe(s.dropped);
    } finally {
      await small.cleanup();
    }
  });
});

describe('audit sink: RFC 5424 syslog over UDP and TCP on 127.0.0.1', () => {
  /** <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA BOM MSG, as RFC 5424's ABNF has it. */
  const SYSLOG = /^<(\d{1,3})>1 (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) ([\x21-\x7e]{1,255}) veilgate (\d+) ([\x21-\x7e]{1,32}) (\[.*?[^\\]\])+ \ufeff(.*)$/s;

  async function check(gw: TestGateway, messages: string[]): Promise<void> {
    await eventually(async () => messages.length >= (await auditRows(gw)).length);
    const rows = await auditRows(gw);
    expect(messages).toHaveLength(rows.length);
    messages.forEach((m, i) => {
      const row = rows[i]!;
      const p = SYSLOG.exec(m);
      expect(p, m.slice(0, 200)).not.toBeNull();
      const [, pri, time, , procId, msgId, , msg] = p!;
      const severity = { failed: 3, denied: 4, pending: 5, granted: 6, ok: 6 }[row.outcome]!;
      expect(Number(pri)).toBe(13 * 8 + severity);
      expect(time).toBe(new Date(row.at).toISOString());
      expect(procId).toBe(String(process.pid));
      expect(msgId).toBe(row.action);
      expect(m).toContain(`[${SD_ID} seq="${row.seq}" `);
      expect(JSON.parse(msg!)).toEqual(asEntry(row));
    });
  }

  it('UDP: one datagram per entry', async () => {
    const socket = dgram.createSocket('udp4');
    const got: string[] = [];
    socket.on('message', (b) => got.push(b.toString('utf8')));
    await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
    const gw = await testGateway({ clockStart: CLOCK, env: { VEILGATE_AUDIT_SINK: `syslog:udp://127.0.0.1:${socket.address().port}` } });
    try {
      const rec = new Recorder(gw);
      const subjects = await auditedTraffic(gw, rec, 'sinkud');
      await check(gw, got);
      expect(
        scan(
          got.join('\n'),
          subjects.flatMap((s) => s.identity.needles),
        ),
      ).toEqual([]);
    } finally {
      await gw.cleanup();
      socket.close();
    }
  });

  it('TCP: octet-counted frames on one connection', async () => {
    let buffered = Buffer.alloc(0);
    const got: string[] = [];
    const server = net.createServer((s) =>
      s.on('data', (d: Buffer) => {
        buffered = Buffer.concat([buffered, d]);
        // MSG-LEN SP SYSLOG-MSG, the length in octets (RFC 6587 §3.4.1)
        for (;;) {
          const sp = buffered.indexOf(0x20);
          if (sp < 0) return;
          const len = Number(buffered.subarray(0, sp).toString('ascii'));
          expect(Number.isInteger(len) && len > 0).toBe(true);
          if (buffered.length < sp + 1 + len) return;
          got.push(buffered.subarray(sp + 1, sp + 1 + len).toString('utf8'));
          buffered = buffered.subarray(sp + 1 + len);
        }
      }),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const gw = await testGateway({ clockStart: CLOCK, env: { VEILGATE_AUDIT_SINK: `syslog:tcp://127.0.0.1:${(server.address() as net.AddressInfo).port}` } });
    try {
      await auditedTraffic(gw, new Recorder(gw), 'sinktc');
      await check(gw, got);
      expect(buffered.length).toBe(0);
    } finally {
      await gw.cleanup();
      server.close();
    }
  });

  it('a sink that is down: requests are answered as usual, entries dropped, counted and logged', async () => {
    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const gw = await testGateway({ clockStart: CLOCK, env: { VEILGATE_AUDIT_SINK: `syslog:tcp://127.0.0.1:${port}` } });
    try {
      const rec = new Recorder(gw);
      await auditedTraffic(gw, rec, 'sinkdn');
      await gw.auditSink!.idle();
      const rows = await auditRows(gw);
      expect(gw.auditSink!.snapshot()).toMatchObject({ sent: 0, dropped: rows.length, queued: 0 });
      const warning = gw.logs
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .find((l) => l['msg'] === 'audit sink dropped entries: the audit table remains the record');
      expect(warning).toMatchObject({ level: 40, audit_sink: { target: 'tcp' }, err: { code: 'ECONNREFUSED' } });
      expect((await gw.audit.verify()).ok).toBe(true);
    } finally {
      await gw.cleanup();
    }
  });
});

describe('audit sink: CEF to a file', () => {
  it('one CEF event per entry, the justification escaped, nothing of the vault', async () => {
    const dir = tempDir('sink');
    const file = path.join(dir, 'audit.cef');
    const gw = await testGateway({ clockStart: CLOCK, env: { VEILGATE_AUDIT_SINK: `cef:${file}` } });
    try {
      const rec = new Recorder(gw);
      const subjects = await auditedTraffic(gw, rec, 'sinkcf');
      const alice = await gw.mint(['dpo'], { sub: 'alice' });
      const tricky = 'Ticket 4711 = "callback" | see C:\\notes\nsecond line of the ticket';
      expect(
        (
          await rec.postJson('/v1/reidentifications', alice, {
            pseudonyms: [subjects[0]!.pseudonym],
            fields: ['email'],
            purpose: 'customer_service',
            justification: tricky,
          })
        ).status,
      ).toBe(201);
      await gw.auditSink!.idle();
      const lines = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
      const rows = await auditRows(gw);
      expect(lines).toHaveLength(rows.length);
      lines.forEach((l, i) => {
        expect(l.startsWith(`CEF:0|Veilgate|Veilgate|0.1.0|${rows[i]!.action}|${rows[i]!.action} ${rows[i]!.outcome}|`)).toBe(true);
        expect(l).toContain(` externalId=${rows[i]!.seq} `);
      });
      expect(lines.at(-1)).toContain('cs2=Ticket 4711 \\= "callback" | see C:\\\\notes\\nsecond line of the ticket cs3Label=subjects');
      expect(
        scan(
          fs.readFileSync(file),
          subjects.flatMap((s) => s.identity.needles),
        ),
      ).toEqual([]);
    } finally {
      await gw.cleanup();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
