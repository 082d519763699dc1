// Streamed audit exports (GET /v1/audit?format=ndjson|csv): without a limit the whole filtered
// range, every seq once and in order, up to the head at the export's start (not its own entry nor
// any appended while it runs), valid RFC 4180 CSV; a limit and a cursor bound and continue it; its
// audit.read entry is written before a byte (or the export is refused); a storage error mid-way
// ends the body without its final line break and aborts the connection.
import type net from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { parse as parseCsv } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSyntheticAuditEntries } from '../src/demo-data/audit-entries.ts';
import { EXPORT_PAGE } from '../src/http/routes/audit-routes.ts';
import { streamedLines, type StreamEnd } from '../src/http/streamed-lines.ts';
import { auditKeyOf, auditRows, lastSeq, type AuditJson } from './helpers/audit.ts';
import { withFailingTrigger } from './helpers/faults.ts';
import { testGateway, type TestGateway } from './helpers/test-gateway.ts';

const CLOCK = Date.UTC(2026, 0, 15, 9, 30);
const SEEDED = 20_000;

describe('a streamed body reads a page only when the client takes one', () => {
  /** Pages of two lines, counting how many were read, and whether the source was closed. */
  function source(pages: number) {
    const seen = { read: 0, closed: false, ends: [] as StreamEnd[] };
    const it = (async function* () {
      try {
        for (let p = 0; p < pages; p++) {
          seen.read++;
          yield [`a${p}`, `b${p}`];
        }
      } finally {
        seen.closed = true;
      }
    })();
    return {
      seen,
      pages: it,
      onEnd: (e: StreamEnd) => {
        seen.ends.push(e);
      },
    };
  }
  const decode = (v: Uint8Array | undefined) => new TextDecoder().decode(v);

  it("the first page before the answer, each next one on the client's read, the last line break at the end", async () => {
    const s = source(3);
    const body = await streamedLines({ header: 'h', eol: '\r\n', pages: s.pages, onEnd: s.onEnd });
    expect(s.seen.read).toBe(1);
    const reader = body.getReader();
    expect(decode((await reader.read()).value)).toBe('h\r\na0\r\nb0');
    await new Promise((r) => setTimeout(r, 20));
    expect(s.seen.read).toBe(1); // nothing read ahead while the client waits
    expect(decode((await reader.read()).value)).toBe('\r\na1\r\nb1');
    expect(s.seen.read).toBe(2);
    expect(decode((await reader.read()).value)).toBe('\r\na2\r\nb2');
    expect(decode((await reader.read()).value)).toBe('\r\n');
    expect((await reader.read()).done).toBe(true);
    expect(s.seen.ends).toEqual([{ complete: true, lines: 6 }]);
  });

  it('a client that goes away closes the source and ends the export as aborted', async () => {
    const s = source(100);
    const reader = (await streamedLines({ eol: '\n', pages: s.pages, onEnd: s.onEnd })).getReader();
    await reader.read();
    await reader.cancel();
    expect(s.seen.closed).toBe(true);
    expect(s.seen.read).toBeLessThanOrEqual(2);
    expect(s.seen.ends).toEqual([{ complete: false, lines: 2, reason: 'aborted' }]);
  });
});

describe('GET /v1/audit streamed exports', () => {
  let gw: TestGateway;
  let dpo: string;

  const get = (query: string, token = dpo) => gw.request(`/v1/audit?${query}`, { token });
  const ndjsonSeqs = (text: string) =>
    text
      .split('\n')
      .filter(Boolean)
      .map((l) => (JSON.parse(l) as AuditJson).seq);
  const readEntry = async (seq: number) => (await auditRows(gw)).find((r) => r.seq === seq)!;

  beforeAll(async () => {
    gw = await testGateway({ clockStart: CLOCK });
    await writeSyntheticAuditEntries(gw.storage, auditKeyOf(gw), SEEDED, { startAt: CLOCK - SEEDED * 1000, policyVersion: gw.policies.version, batch: 5000 });
    await gw.audit.syncHead();
    dpo = await gw.mint(['dpo'], { sub: 'exporter' });
  });
  afterAll(() => gw?.cleanup());

  it('NDJSON without a limit: every entry up to the head at the start, each once and in order, and a final line break', async () => {
    const head = await lastSeq(gw);
    expect(head).toBeGreaterThan(SEEDED);
    const res = await get('format=ndjson');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    expect(res.headers.get('x-next-cursor')).toBeNull();
    const text = await res.text();
    expect(text.endsWith('}\n')).toBe(true);
    expect(ndjsonSeqs(text)).toEqual(Array.from({ length: head }, (_, i) => i + 1));
    // its own entry follows the head it captured, and says what it holds
    const own = await readEntry(head + 1);
    expect(own).toMatchObject({ action: 'audit.read', outcome: 'granted', actor_subject: 'exporter' });
    expect(JSON.parse(own.detail)).toEqual({ format: 'ndjson', streamed: true, through_seq: head, filter: {} });
    // and the log still verifies: the export left the chain as it was
    expect((await gw.audit.verify()).ok).toBe(true);
  });

  it('CSV without a limit: valid RFC 4180 (quoted commas, quotes and line breaks), every seq once, the same values as NDJSON', async () => {
    const head = await lastSeq(gw);
    const res = await get('format=csv');
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    const text = await res.text();
    expect(text.endsWith('\r\n')).toBe(true);
    const rows = parseCsv(text, { columns: true, relax_quotes: false, relax_column_count: false, record_delimiter: '\r\n' }) as Record<string, string>[];
    expect(rows.map((r) => Number(r['seq']))).toEqual(Array.from({ length: head }, (_, i) => i + 1));
    // a justification holding a comma, quotes and CRLF comes back whole (with the formula guard)
    const tricky = rows.find((r) => r['justification']!.includes('\r\n'))!;
    expect(tricky['justification']).toMatch(/^'=ticket \d+, "urgent"\r\ncalled back$/);
    // cell by cell the same as the NDJSON export of the same range
    const json = ndjsonSeqs(await (await get(`format=ndjson&cursor=${Number(tricky['seq']) - 1}&limit=1`)).text());
    expect(json).toEqual([Number(tricky['seq'])]);
    const one = JSON.parse((await (await get(`format=ndjson&cursor=${Number(tricky['seq']) - 1}&limit=1`)).text()).trim()) as AuditJson;
    expect(tricky).toMatchObject({
      actor_subject: one.actor.subject,
      action: one.action,
      hash: one.hash,
      prev_hash: one.prev_hash,
      subjects: one.subjects.join(' '),
    });
  });

  it('filters and a cursor select the range; a limit bounds it and X-Next-Cursor continues it', async () => {
    const head = await lastSeq(gw);
    const rows = await auditRows(gw);
    const wanted = rows.filter((r) => r.seq > 1000 && r.seq <= head && r.action === 'reidentification.request').map((r) => r.seq);
    expect(wanted.length).toBeGreaterThan(EXPORT_PAGE); // more than one page of the filter
    const whole = await get('format=ndjson&action=reidentification.request&cursor=1000');
    expect(ndjsonSeqs(await whole.text())).toEqual(wanted);
    const got: number[] = [];
    let cursor = '1000';
    for (let i = 0; i < 10 && cursor; i++) {
      const page = await get(`format=csv&action=reidentification.request&limit=1500&cursor=${cursor}`);
      const seqs = (parseCsv(await page.text(), { columns: true }) as Record<string, string>[]).map((r) => Number(r['seq']));
      got.push(...seqs);
      cursor = page.headers.get('x-next-cursor') ?? '';
      if (cursor) expect(seqs).toHaveLength(1500);
    }
    expect(got).toEqual(wanted);
  });

  it('entries appended while an export runs (its own included) are not in it', async () => {
    const head = await lastSeq(gw);
    const res = await get('format=ndjson');
    const reader = res.body!.getReader();
    const first = await reader.read();
    expect(first.done).toBe(false);
    // other requests append while the export is half read
    for (let i = 0; i < 3; i++) expect((await get('limit=1')).status).toBe(200);
    let text = new TextDecoder().decode(first.value);
    for (let r = await reader.read(); !r.done; r = await reader.read()) text += new TextDecoder().decode(r.value);
    const seqs = ndjsonSeqs(text);
    expect(seqs.at(-1)).toBe(head);
    expect(await lastSeq(gw)).toBe(head + 4);
  });

  it('refused before a byte when its audit entry cannot be written', async () => {
    await withFailingTrigger(
      gw,
      { name: 'no_audit_read', event: 'BEFORE INSERT ON audit_log', condition: "NEW.action = 'audit.read'", message: 'refused' },
      async () => {
        for (const format of ['ndjson', 'csv']) {
          const res = await get(`format=${format}`);
          expect(res.status).toBe(503);
          expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
          const body = (await res.json()) as { code: string };
          expect(body.code).toBe('server.unavailable');
        }
      },
    );
  });

  it('only the DPO exports', async () => {
    for (const role of ['marketing', 'admin', 'reidentifier']) expect((await get('format=csv', await gw.mint([role]))).status, role).toBe(403);
  });

  describe('over a socket', () => {
    let server: ServerType;
    let base: string;
    beforeAll(async () => {
      server = serve({ fetch: gw.app.fetch, port: 0, hostname: '127.0.0.1' });
      await new Promise<void>((resolve, reject) => {
        server.once('listening', () => resolve());
        server.once('error', reject);
      });
      base = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    });
    afterAll(
      () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          (server as { closeAllConnections?: () => void }).closeAllConnections?.();
        }),
    );

    it('a complete export arrives whole, chunked', async () => {
      const head = await lastSeq(gw);
      const res = await fetch(`${base}/v1/audit?format=csv`, { headers: { authorization: `Bearer ${dpo}` } });
      expect(res.headers.get('transfer-encoding')).toBe('chunked');
      const rows = parseCsv(await res.text(), { columns: true }) as Record<string, string>[];
      expect(rows).toHaveLength(head);
    });

    it('a storage error mid-export: no final line break, the connection aborted, a warning logged', async () => {
      const head = await lastSeq(gw);
      const res = await fetch(`${base}/v1/audit?format=ndjson`, { headers: { authorization: `Bearer ${dpo}` } });
      expect(res.status).toBe(200);
      const reader = res.body!.getReader();
      let text = new TextDecoder().decode((await reader.read()).value);
      // the table goes away under the export: the next page's read fails (no page was read ahead)
      await gw.db.exec('ALTER TABLE audit_log RENAME TO audit_log_away');
      let failed: unknown;
      try {
        for (let r = await reader.read(); !r.done; r = await reader.read()) text += new TextDecoder().decode(r.value);
      } catch (e) {
        failed = e;
      } finally {
        await gw.db.exec('ALTER TABLE audit_log_away RENAME TO audit_log');
      }
      expect(failed, 'the body must not end as a complete one').toBeDefined();
      expect(text.endsWith('\n')).toBe(false);
      const seqs = ndjsonSeqs(text);
      expect(seqs.length).toBeGreaterThan(0);
      expect(seqs.length).toBeLessThan(head);
      expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
      const warning = gw.logs.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l['reason'] === 'storage_error');
      expect(warning).toMatchObject({ level: 40, format: 'ndjson', lines: seqs.length, audit_read_seq: head + 1 });
      expect((await gw.audit.verify()).ok).toBe(true);
    });
  });
});
