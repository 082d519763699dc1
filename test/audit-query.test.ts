// GET /v1/audit for the DPO: filters (time window, actor, action, outcome, subject) checked
// against the table itself, cursor pages that return each entry once, NDJSON and CSV exports
// (CSV cells escaped against formula injection), and no raw identifier in any entry or export.
import { parse as parseCsv } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Recorder, seedSubject, type Answer, type Seeded } from './helpers/access.ts';
import { auditLeaks, auditRows, JUSTIFICATION, type AuditJson, type AuditRow } from './helpers/audit.ts';
import { scan } from './helpers/canaries.ts';
import { testGateway, type TestGateway } from './helpers/test-gateway.ts';

const CLOCK = Date.UTC(2026, 0, 15, 9, 30);
const HOUR = 3_600_000;
const iso = (t: number) => new Date(t).toISOString();

const FORMULAS = [
  '=HYPERLINK("http://evil.example/steal","Click for the ticket")',
  "+SUM(1+1)*cmd|' /C calc'!A0 reopened ticket",
  "-2+3+cmd|' /C notepad'!A0 for the ticket",
  '@SUM(A1:A9) customer asked for a copy of data',
];

const ENTRY_KEYS = [
  'action',
  'actor',
  'at',
  'detail',
  'hash',
  'justification',
  'outcome',
  'policy_version',
  'prev_hash',
  'purpose',
  'request_id',
  'roles',
  'seq',
  'subjects',
];

describe('GET /v1/audit: filters, pages, exports', () => {
  let gw: TestGateway;
  let rec: Recorder;
  let alice: string;
  let bob: string;
  let a1: Seeded;
  let a2: Seeded;

  const list = async (query: string, token = alice): Promise<Answer> => {
    const a = await rec.get(`/v1/audit${query ? `?${query}` : ''}`, token);
    expect(a.status, a.text).toBe(200);
    return a;
  };
  const entries = async (query: string): Promise<AuditJson[]> => (await list(query)).json.entries as AuditJson[];
  const seqs = (xs: { seq: number }[]) => xs.map((e) => e.seq);
  /** The table's rows matching `pred`, up to (not including) the entry appended by the request being checked. */
  const expected = async (pred: (r: AuditRow) => boolean, beforeSeq: number) => seqs((await auditRows(gw)).filter((r) => r.seq < beforeSeq && pred(r)));
  const lastRowSeq = async () => (await auditRows(gw)).at(-1)!.seq;

  beforeAll(async () => {
    gw = await testGateway({ clockStart: CLOCK });
    rec = new Recorder(gw);
    a1 = await seedSubject(rec, 'audqry', 1);
    a2 = await seedSubject(rec, 'audqry', 2);
    const tokens = async () => {
      alice = await gw.mint(['dpo'], { sub: 'alice' });
      bob = await gw.mint(['dpo'], { sub: 'bob' });
    };
    const reid = (token: string, p: string, justification: string) =>
      rec.postJson('/v1/reidentifications', token, { pseudonyms: [p], fields: ['email'], purpose: 'customer_service', justification });
    // hour 1: alice
    gw.advance(HOUR);
    await tokens();
    expect((await reid(alice, a1.pseudonym, FORMULAS[0]!)).status).toBe(201);
    expect((await reid(alice, a2.pseudonym, 'short')).status).toBe(422);
    expect(
      (await rec.postJson('/v1/dsr/access', alice, { reference: 'DSR-TEST-0001', identifier: { type: 'email', value: a1.identity.normalized['email'] } }))
        .status,
    ).toBe(202);
    // hour 2: bob
    gw.advance(HOUR);
    await tokens();
    for (const j of FORMULAS.slice(1)) expect((await reid(bob, a2.pseudonym, j)).status).toBe(201);
    expect((await reid(bob, a1.pseudonym, `${JUSTIFICATION} "quoted", with a comma`)).status).toBe(201);
    expect((await rec.send('/v1/audit')).status).toBe(401);
    await gw.refusals.flush(true); // refused tokens are one entry per client address and minute
    // caller-controlled text in other cells: a token subject and a refused purpose
    expect((await rec.get('/v1/audit?limit=1', await gw.mint(['dpo'], { sub: '=2+5' }))).status).toBe(200);
    expect(
      (await rec.postJson('/v1/reidentifications', bob, { pseudonyms: [a1.pseudonym], fields: ['email'], purpose: '-2+3', justification: JUSTIFICATION }))
        .status,
    ).toBe(422);
    // hour 3
    gw.advance(HOUR);
    await tokens();
  });
  afterAll(() => gw?.cleanup());

  it('an entry carries seq, time, actor, roles, action, outcome, purpose, justification, pseudonyms, policy version, request id and both hashes', async () => {
    const es = await entries('action=reidentification.request&outcome=granted&limit=1');
    expect(es).toHaveLength(1);
    const e = es[0]!;
    expect(Object.keys(e).sort()).toEqual(ENTRY_KEYS);
    const row = (await auditRows(gw)).find((r) => r.seq === e.seq)!;
    expect(e).toEqual({
      seq: row.seq,
      at: iso(CLOCK + HOUR),
      actor: { issuer: 'dev', subject: 'alice' },
      roles: ['dpo'],
      action: 'reidentification.request',
      outcome: 'granted',
      purpose: 'customer_service',
      justification: FORMULAS[0],
      subjects: [a1.pseudonym],
      policy_version: gw.policies.version,
      request_id: row.request_id,
      detail: JSON.parse(row.detail),
      prev_hash: row.prev_hash,
      hash: row.hash,
    });
    expect(e.request_id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('filters by action, outcome, actor and subject match the table', async () => {
    let s = (await lastRowSeq()) + 1;
    expect(seqs(await entries('action=reidentification.request&limit=1000'))).toEqual(await expected((r) => r.action === 'reidentification.request', s));
    s = (await lastRowSeq()) + 1;
    expect(seqs(await entries('outcome=denied&limit=1000'))).toEqual(await expected((r) => r.outcome === 'denied', s));
    s = (await lastRowSeq()) + 1;
    const bobs = await entries('actor=dev:bob&limit=1000');
    expect(seqs(bobs)).toEqual(await expected((r) => r.actor_issuer === 'dev' && r.actor_subject === 'bob', s));
    expect(bobs.length).toBeGreaterThanOrEqual(4);
    s = (await lastRowSeq()) + 1;
    const aboutA1 = await entries(`subject=${a1.pseudonym}&limit=1000`);
    expect(seqs(aboutA1)).toEqual(await expected((r) => (JSON.parse(r.subjects) as string[]).includes(a1.pseudonym), s));
    for (const e of aboutA1) expect(e.subjects).toContain(a1.pseudonym);
    expect(aboutA1.map((e) => e.action)).toEqual(expect.arrayContaining(['reidentification.request', 'dsr.access']));
    // combined: every filter must hold
    s = (await lastRowSeq()) + 1;
    const combined = await entries(`actor=dev:alice&action=reidentification.request&outcome=denied&subject=${a2.pseudonym}`);
    expect(seqs(combined)).toEqual(
      await expected(
        (r) => r.actor_subject === 'alice' && r.action === 'reidentification.request' && r.outcome === 'denied' && r.subjects.includes(a2.pseudonym),
        s,
      ),
    );
    expect(combined).toHaveLength(1);
    expect(await entries('actor=dev:nobody')).toEqual([]);
    expect(await entries('actor=dev')).toEqual([]);
    expect(await entries('subject=p1_AAAAAAAAAAAAAAAAAAAAAA')).toEqual([]);
  });

  it('from and to (ISO) select a time window', async () => {
    let s = (await lastRowSeq()) + 1;
    const hour2 = await entries(`from=${iso(CLOCK + 1.5 * HOUR)}&to=${iso(CLOCK + 2.5 * HOUR)}&limit=1000`);
    expect(seqs(hour2)).toEqual(await expected((r) => r.at >= CLOCK + 1.5 * HOUR && r.at < CLOCK + 2.5 * HOUR, s));
    expect(hour2.map((e) => e.actor.subject)).toEqual(expect.arrayContaining(['bob', 'local']));
    expect(hour2.every((e) => e.at === iso(CLOCK + 2 * HOUR))).toBe(true);
    s = (await lastRowSeq()) + 1;
    const upTo = await entries(`to=${iso(CLOCK + 0.5 * HOUR)}&limit=1000`);
    expect(seqs(upTo)).toEqual(await expected((r) => r.at < CLOCK + 0.5 * HOUR, s));
    expect(upTo[0]!.action).toBe('policy.load');
    s = (await lastRowSeq()) + 1;
    // an offset is accepted: 12:00+01:00 is 11:00Z
    const since = await entries(`from=${encodeURIComponent('2026-01-15T12:00:00+01:00')}&actor=dev:alice&limit=1000`);
    expect(seqs(since)).toEqual(await expected((r) => r.at >= Date.UTC(2026, 0, 15, 11) && r.actor_subject === 'alice', s));
    expect(since.length).toBeGreaterThan(0);
  });

  it('invalid filters are refused with 422', async () => {
    for (const q of [
      'from=yesterday',
      'to=2026-13-01T00:00:00Z',
      'outcome=maybe',
      'cursor=abc',
      'limit=0',
      'limit=10001',
      'format=xml',
      'fields=justification',
    ]) {
      const a = await rec.get(`/v1/audit?${q}`, alice);
      expect(a.status, `${q}: ${a.text}`).toBe(422);
      expect(a.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
  });

  it('cursor pages return every entry exactly once, in order, and end', async () => {
    const got: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const a = await list(`limit=4${cursor ? `&cursor=${cursor}` : ''}`);
      const page = a.json.entries as AuditJson[];
      cursor = a.json.next_cursor as string | null;
      expect(a.headers.get('x-next-cursor')).toBe(cursor);
      if (cursor) {
        expect(page).toHaveLength(4);
        expect(cursor).toBe(String(page.at(-1)!.seq));
      }
      got.push(...seqs(page));
      expect(++pages).toBeLessThan(50);
    } while (cursor);
    // every entry, including the audit.read entries the earlier pages appended, but not the last page's own
    const all = seqs(await auditRows(gw));
    expect(got).toEqual(all.slice(0, -1));
    expect(new Set(got).size).toBe(got.length);
  });

  it('a filtered export pages too: each matching entry once', async () => {
    const s = (await lastRowSeq()) + 1;
    const got: number[] = [];
    let cursor = '';
    for (let i = 0; i < 20; i++) {
      const a = await list(`action=reidentification.request&limit=2&format=ndjson${cursor ? `&cursor=${cursor}` : ''}`);
      got.push(
        ...a.text
          .split('\n')
          .filter(Boolean)
          .map((l) => (JSON.parse(l) as AuditJson).seq),
      );
      cursor = a.headers.get('x-next-cursor') ?? '';
      if (!cursor) break;
    }
    expect(got).toEqual(await expected((r) => r.action === 'reidentification.request', s));
  });

  it('format=ndjson: one JSON entry per line, the same entries as JSON', async () => {
    const json = await entries('actor=dev:bob');
    const a = await list('actor=dev:bob&format=ndjson');
    expect(a.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    expect(a.text.endsWith('\n')).toBe(true);
    const lines = a.text.slice(0, -1).split('\n');
    expect(lines).toHaveLength(json.length);
    expect(lines.map((l) => JSON.parse(l) as AuditJson)).toEqual(json);
    const limited = await list('actor=dev:bob&format=ndjson&limit=2');
    expect(limited.text.trim().split('\n')).toHaveLength(2);
    expect(limited.headers.get('x-next-cursor')).toBe(String(json[1]!.seq));
    expect((await list('actor=dev:nobody&format=ndjson')).text).toBe('');
  });

  it('format=csv: a header, one row per entry, formula-leading cells prefixed with a quote', async () => {
    const json = await entries('action=reidentification.request&outcome=granted');
    const a = await list('action=reidentification.request&outcome=granted&format=csv');
    expect(a.headers.get('content-type')).toMatch(/^text\/csv/);
    const rows = parseCsv(a.text, { columns: true, relax_quotes: false }) as Record<string, string>[];
    expect(Object.keys(rows[0]!)).toEqual([
      'seq',
      'at',
      'actor_issuer',
      'actor_subject',
      'roles',
      'action',
      'outcome',
      'purpose',
      'justification',
      'subjects',
      'policy_version',
      'request_id',
      'detail',
      'prev_hash',
      'hash',
    ]);
    expect(rows.map((r) => Number(r['seq']))).toEqual(seqs(json));
    const byJustification = new Map(rows.map((r) => [r['justification'], r]));
    for (const f of FORMULAS) {
      expect(byJustification.has(`'${f}`), `${f} is escaped`).toBe(true);
      expect(byJustification.has(f)).toBe(false);
    }
    expect(rows.find((r) => r['justification']!.startsWith("'=HYPERLINK"))!['justification']).toBe(`'${FORMULAS[0]}`);
    // an ordinary justification is unchanged (quotes and commas survive quoting)
    expect(byJustification.has(`${JUSTIFICATION} "quoted", with a comma`)).toBe(true);
    // no cell of the raw text starts a formula: every cell is quoted and none opens with = + - @
    for (const line of a.text.trimEnd().split('\r\n').slice(1)) {
      expect(line).toMatch(/^"/);
      expect(line).not.toMatch(/(^|,)"[=+\-@\t\r]/);
    }
    // other cells a caller controls are escaped the same way
    const all = parseCsv((await list('format=csv&limit=10000')).text, { columns: true }) as Record<string, string>[];
    expect(all.some((x) => x['actor_subject'] === "'=2+5")).toBe(true);
    expect(all.some((x) => x['purpose'] === "'-2+3")).toBe(true);
    for (const x of all) for (const [col, cell] of Object.entries(x)) expect(cell, `${col} of seq ${x['seq']}`).not.toMatch(/^[=+\-@\t\r]/);
    const r = rows[0]!;
    const e = json[0]!;
    expect(r).toMatchObject({
      seq: String(e.seq),
      at: e.at,
      actor_issuer: e.actor.issuer,
      actor_subject: e.actor.subject,
      roles: 'dpo',
      subjects: e.subjects.join(' '),
      hash: e.hash,
      prev_hash: e.prev_hash,
    });
    expect(JSON.parse(r['detail']!)).toEqual(e.detail);
  });

  it('only the DPO reads the log', async () => {
    for (const role of ['marketing', 'reidentifier', 'ingest', 'admin']) {
      const a = await rec.get('/v1/audit', await gw.mint([role]));
      expect(a.status, role).toBe(403);
      expect((await rec.get('/v1/audit/verify', await gw.mint([role]))).status).toBe(403);
    }
    expect((await rec.get('/v1/audit', await gw.partner.sign({ iat: Math.floor(gw.now() / 1000), exp: Math.floor(gw.now() / 1000) + 600 }))).status).toBe(403);
  });

  it('no entry and no export carries a raw identifier', async () => {
    const ids = [a1.identity, a2.identity];
    expect(await auditLeaks(gw, ids)).toEqual([]);
    const needles = ids.flatMap((i) => i.needles);
    for (const format of ['json', 'ndjson', 'csv']) {
      const a = await list(`format=${format}&limit=10000`);
      expect(
        scan(a.text, needles).map((h) => h.label),
        format,
      ).toEqual([]);
    }
    // the re-identification and access answers did carry them: the scan is able to find them
    expect(rec.leaks(ids).length).toBeGreaterThan(0);
  });
});
