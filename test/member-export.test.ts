// Streamed member exports (Accept: text/csv) of a segment and of a whole run: every member of the
// visible segments, each once, in the order JSON paging gives, read and audited a part at a time
// (every exported pseudonym is in an entry written before it left); suppressed segments, withdrawn
// consent, erased subjects and the stricter privilege hold as for a page; an entry that cannot be
// written refuses the export before a byte, or cuts it short without its final line break.
import { parse as parseCsv } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPORT_PART } from '../src/segmentation/segmentation-service.ts';
import { SCOPED_PATTERN } from '../src/pseudonymization/partner-scope.ts';
import { Recorder } from './helpers/access.ts';
import { auditRows, fillers, lastSeq, type AuditRow } from './helpers/audit.ts';
import { withFailingTrigger } from './helpers/faults.ts';
import { SegClient, type RunView, type SegResult } from './helpers/segmentation.ts';
import { testGateway, type TestGateway } from './helpers/test-gateway.ts';

const CLOCK = Date.UTC(2026, 0, 15, 9, 30);
const WEB = 2 * EXPORT_PART + 300; // three parts
const STORE = 395;
const APP = 5; // a rule under the minimum: merged into the remainder

describe('streamed member exports', () => {
  let gw: TestGateway;
  let rec: Recorder;
  let seg: SegClient;
  let marketing: string;
  let run: RunView & { result: SegResult };

  const csv = (path: string, token = marketing) => gw.request(path, { token, headers: { accept: 'text/csv' } });
  const rowsOf = (text: string) => parseCsv(text, { columns: true, relax_quotes: false, record_delimiter: '\r\n' }) as Record<string, string>[];
  const exportEntries = async (after: number): Promise<AuditRow[]> =>
    (await auditRows(gw)).filter((r) => r.seq > after && r.action === 'segment.members.export');
  const jsonPages = async (path: string, token = marketing): Promise<{ segment_id: string; pseudonym: string }[]> => {
    const out: { segment_id: string; pseudonym: string }[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 100; i++) {
      const a = await rec.get(`${path}${path.includes('?') ? '&' : '?'}limit=700${cursor ? `&cursor=${cursor}` : ''}`, token);
      expect(a.status, a.text).toBe(200);
      out.push(...(a.json.members as { segment_id: string; pseudonym: string }[]));
      cursor = a.json.next_cursor as string | null;
      if (!cursor) return out;
    }
    throw new Error('paging did not end');
  };

  beforeAll(async () => {
    gw = await testGateway({ clockStart: CLOCK });
    rec = new Recorder(gw);
    seg = new SegClient(gw, rec);
    const channel = (i: number) => (i < WEB ? 'web' : i < WEB + STORE ? 'store' : 'app');
    await rec.ingest(
      'crm',
      'customers',
      fillers('mexp', WEB + STORE + APP, { consent_partner_sharing: true }).map((r, i) => ({ ...r, channel_preference: channel(i) })),
    );
    marketing = await seg.marketing();
    run = await seg.run(marketing, {
      purpose: 'segmentation_analytics',
      method: 'rules',
      rules: [
        { name: 'web', where: { channel_preference: { eq: 'web' } } },
        { name: 'app', where: { channel_preference: { eq: 'app' } } },
      ],
    });
    expect(run.result.segments.map((s) => [s.id, s.size])).toEqual([
      ['rule-1', WEB],
      ['remainder', STORE + APP],
    ]);
  });
  afterAll(() => gw?.cleanup());

  it('a segment as CSV: every member once, in JSON paging order, audited a part at a time before each part left', async () => {
    const before = await lastSeq(gw);
    const res = await csv(`/v1/segmentations/${run.id}/segments/rule-1/members`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    const text = await res.text();
    expect(text.startsWith('pseudonym\r\n')).toBe(true);
    expect(text.endsWith('\r\n')).toBe(true);
    const members = rowsOf(text).map((r) => r['pseudonym']!);
    expect(members).toHaveLength(WEB);
    expect(new Set(members).size).toBe(WEB);
    expect(members).toEqual(await seg.allMembers(marketing, run.id, 'rule-1', 1000));
    const parts = await exportEntries(before);
    expect(parts.filter((p) => JSON.parse(p.detail).streamed === true).map((p) => JSON.parse(p.detail).count)).toEqual([
      EXPORT_PART,
      EXPORT_PART,
      WEB - 2 * EXPORT_PART,
    ]);
    const streamed = parts.filter((p) => JSON.parse(p.detail).streamed === true);
    expect(streamed.map((p) => JSON.parse(p.detail).part)).toEqual([1, 2, 3]);
    expect(streamed.flatMap((p) => JSON.parse(p.subjects) as string[])).toEqual(members); // marketing: internal pseudonyms
    for (const p of streamed) expect(JSON.parse(p.detail)).toMatchObject({ run_id: run.id, segment_id: 'rule-1', partner_scoped: false });
    expect((await gw.audit.verify()).ok).toBe(true);
  });

  it('a whole run as CSV: every visible segment, none suppressed, the same as JSON pages across segments; ?segment narrows it', async () => {
    const text = await (await csv(`/v1/segmentations/${run.id}/members`)).text();
    expect(text.startsWith('segment_id,pseudonym\r\n')).toBe(true);
    const rows = rowsOf(text);
    expect(rows).toHaveLength(WEB + STORE + APP);
    expect(new Set(rows.map((r) => r['segment_id']))).toEqual(new Set(['rule-1', 'remainder']));
    expect(new Set(rows.map((r) => r['pseudonym'])).size).toBe(rows.length);
    const pages = await jsonPages(`/v1/segmentations/${run.id}/members`);
    expect(pages).toEqual(rows);
    const remainder = rowsOf(await (await csv(`/v1/segmentations/${run.id}/members?segment=remainder`)).text());
    expect(remainder).toEqual(rows.filter((r) => r['segment_id'] === 'remainder'));
    expect(await jsonPages(`/v1/segmentations/${run.id}/members?segment=remainder`)).toEqual(remainder);
    // the suppressed rule, an unknown segment, another caller's run: not found, CSV or JSON
    for (const path of [
      `/v1/segmentations/${run.id}/members?segment=rule-2`,
      `/v1/segmentations/${run.id}/segments/rule-2/members`,
      `/v1/segmentations/${run.id}/members?segment=nope`,
    ]) {
      expect((await csv(path)).status, path).toBe(404);
      expect((await rec.get(path, marketing)).status, path).toBe(404);
    }
    expect((await csv(`/v1/segmentations/${run.id}/members`, await seg.marketing('someone-else'))).status).toBe(404);
    expect((await rec.get(`/v1/segmentations/${run.id}/members?cursor=9:0`, marketing)).status).toBe(422);
    // a role without the export right
    expect((await csv(`/v1/segmentations/${run.id}/members`, await gw.mint(['dpo']))).status).toBe(403);
  });

  it('the stricter privilege: a partner-scoped, groups-of-50 export of the same subject sees only segments of 50 or more, scoped', async () => {
    const both = await gw.mint(['marketing', 'partner'], { sub: 'analyst' });
    // a marketing run (minimum 10) read with a token whose minimum is 50 is refused as a result...
    expect((await rec.get(`/v1/segmentations/${run.id}`, both)).status).toBe(403);
    // ...and its export keeps to segments of 50 or more, partner-scoped
    const rows = rowsOf(await (await csv(`/v1/segmentations/${run.id}/members`, both)).text());
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) expect(r['pseudonym']).toMatch(SCOPED_PATTERN);
  });

  it('withdrawn consent and erased subjects are left out of later exports', async () => {
    const before = rowsOf(await (await csv(`/v1/segmentations/${run.id}/segments/remainder/members`)).text()).map((r) => r['pseudonym']!);
    const dpo = await gw.mint(['dpo'], { sub: 'dpo-officer' });
    gw.advance(60_000);
    const withdrawn = before[0]!;
    expect((await rec.postJson(`/v1/subjects/${withdrawn}/consents`, dpo, { purpose: 'segmentation_analytics', status: 'withdrawn' })).status).toBe(201);
    const erased = await rec.postJson('/v1/dsr/erasure', dpo, {
      reference: 'DSR-TEST-0001',
      identifier: { type: 'email', value: `fill.mexp.${WEB + 1}@example-mail.test` },
    });
    expect(erased.status, erased.text).toBe(200);
    const after = rowsOf(await (await csv(`/v1/segmentations/${run.id}/segments/remainder/members`)).text()).map((r) => r['pseudonym']!);
    expect(after).not.toContain(withdrawn);
    expect(after).not.toContain(erased.json.pseudonym);
    expect(before).toContain(erased.json.pseudonym);
    expect(after).toEqual(before.filter((p) => p !== withdrawn && p !== erased.json.pseudonym));
  });

  it('refused before a byte when the first part cannot be audited; cut short without a final line break when a later part cannot', async () => {
    const path = `/v1/segmentations/${run.id}/segments/rule-1/members`;
    await withFailingTrigger(
      gw,
      { name: 'no_export', event: 'BEFORE INSERT ON audit_log', condition: "NEW.action = 'segment.members.export'", message: 'refused' },
      async () => {
        const res = await csv(path);
        expect(res.status).toBe(503);
        expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      },
    );
    const before = await lastSeq(gw);
    await withFailingTrigger(
      gw,
      {
        name: 'no_part_two',
        event: 'BEFORE INSERT ON audit_log',
        condition: `NEW.action = 'segment.members.export' AND NEW.detail LIKE '%"part":2}%'`,
        message: 'refused',
      },
      async () => {
        const res = await csv(path);
        expect(res.status).toBe(200);
        const reader = res.body!.getReader();
        let text = '';
        let failed: unknown;
        try {
          for (let r = await reader.read(); !r.done; r = await reader.read()) text += new TextDecoder().decode(r.value);
        } catch (e) {
          failed = e;
        }
        expect(failed, 'the body must not end as a complete one').toBeDefined();
        expect(text.endsWith('\r\n')).toBe(false);
        const sent = text.split('\r\n').slice(1);
        expect(sent).toHaveLength(EXPORT_PART);
        // what left is exactly what the one written part names
        const parts = await exportEntries(before);
        expect(parts).toHaveLength(1);
        expect(JSON.parse(parts[0]!.subjects)).toEqual(sent);
      },
    );
    const warning = gw.logs
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l['msg'] === 'member export ended before its last member: the file has no final line break');
    expect(warning).toMatchObject({ level: 40, reason: 'storage_error', lines: EXPORT_PART });
  });
});
