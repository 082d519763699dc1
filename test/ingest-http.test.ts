// The HTTP edge of ingest: size and row limits (413 naming the variable), content types (415),
// malformed bodies (400), non-array JSON (422), invalid UTF-8 (400), roles (401/403).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoStack, expectProblem } from './helpers/problem.ts';
import { CONTENT_TYPE, counts, encode, ingestClient, type Format, type IngestClient } from './helpers/ingest.ts';
import { testGateway, type TestGateway } from './helpers/test-gateway.ts';

const FORMATS: Format[] = ['json', 'ndjson', 'csv'];
const SECRET = 'canary-http-51e0';
const rows = (n: number, pad = 0) =>
  Array.from({ length: n }, (_, k) => ({ customer_id: `L-${k + 1}`, email: `l${k + 1}.${SECRET}@example.test`, ...(pad > 0 && { street: 'x'.repeat(pad) }) }));

async function send(
  gw: TestGateway,
  body: NonNullable<RequestInit['body']>,
  headers: Record<string, string>,
  token?: string,
  path = '/v1/ingest/crm/customers',
) {
  return gw.request(path, { method: 'POST', headers, body, ...(token && { token }) });
}

describe('limits', () => {
  let gw: TestGateway;
  let token: string;
  beforeAll(async () => {
    gw = await testGateway({ env: { VEILGATE_MAX_BODY_BYTES: '4096', VEILGATE_MAX_BATCH_ROWS: '5' } });
    token = await gw.mint(['ingest']);
  });
  afterAll(() => gw.cleanup());

  it.each(FORMATS)('a %s body over VEILGATE_MAX_BODY_BYTES is refused with 413 naming the limit, storing nothing', async (format) => {
    const before = await counts(gw);
    const body = encode(rows(3, 1500), format);
    expect(Buffer.byteLength(body)).toBeGreaterThan(4096);
    const res = await send(gw, body, { 'content-type': CONTENT_TYPE[format] }, token);
    const { body: p, text } = await expectProblem(res, 413, 'request.body_too_large');
    expect(p.detail).toContain('VEILGATE_MAX_BODY_BYTES');
    expect(text).not.toContain(SECRET);
    expect(await counts(gw)).toEqual(before);
  });

  it('the body limit holds with a Content-Length header and with a streamed body of unknown length', async () => {
    const big = encode(rows(3, 1500), 'json');
    const withLength = await send(gw, big, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(big)) }, token);
    expect(withLength.status).toBe(413);
    const bytes = new TextEncoder().encode(big);
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < bytes.length; i += 1000) c.enqueue(bytes.subarray(i, i + 1000));
        c.close();
      },
    });
    const streamed = await gw.request('/v1/ingest/crm/customers', {
      method: 'POST',
      token,
      headers: { 'content-type': 'application/json' },
      body: stream,
      duplex: 'half',
    } as RequestInit & { token: string });
    const { body: p } = await expectProblem(streamed, 413, 'request.body_too_large');
    expect(p.detail).toContain('VEILGATE_MAX_BODY_BYTES');
  });

  it('a body just under the limit is accepted', async () => {
    const body = encode(rows(2, 1500), 'json');
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(4096);
    const res = await send(gw, body, { 'content-type': 'application/json' }, token, '/v1/ingest/under/customers');
    expect(res.status, await res.clone().text()).toBe(200);
  });

  it.each(FORMATS)('%s: 6 rows with VEILGATE_MAX_BATCH_ROWS=5 is 413 naming VEILGATE_MAX_BATCH_ROWS, 5 rows pass', async (format) => {
    const before = await counts(gw);
    const res = await send(gw, encode(rows(6), format), { 'content-type': CONTENT_TYPE[format] }, token, `/v1/ingest/rows-${format}/customers`);
    const { body: p, text } = await expectProblem(res, 413, 'request.body_too_large');
    expect(p.detail).toContain('VEILGATE_MAX_BATCH_ROWS');
    expect(text).not.toContain(SECRET);
    expect(await counts(gw)).toEqual(before);
    const ok = await send(gw, encode(rows(5), format), { 'content-type': CONTENT_TYPE[format] }, token, `/v1/ingest/rows-${format}/customers`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ accepted: 5 });
  });

  it('blank NDJSON lines and empty CSV lines do not count toward the row limit; rejected rows do', async () => {
    const nd = `\n${encode(rows(5), 'ndjson').split('\n').join('\n\n')}\n\n`;
    const a = await send(gw, nd, { 'content-type': 'application/x-ndjson' }, token, '/v1/ingest/blank/customers');
    expect(a.status).toBe(200);
    const csv = encode(rows(5), 'csv').replaceAll('\n', '\n\n');
    const b = await send(gw, csv, { 'content-type': 'text/csv' }, token, '/v1/ingest/blank/customers');
    expect(b.status).toBe(200);
    const bad = JSON.stringify([...rows(5), { customer_id: 'bad id' }]);
    const c = await send(gw, bad, { 'content-type': 'application/json' }, token, '/v1/ingest/blank/customers');
    expect(c.status).toBe(413);
  });
});

describe('content types and malformed bodies', () => {
  let gw: TestGateway;
  let client: IngestClient;
  beforeAll(async () => {
    gw = await testGateway();
    client = await ingestClient(gw);
  });
  afterAll(() => gw.cleanup());

  async function problem(res: { status: number; text: string; headers: Headers }, status: number, code: string) {
    expect(res.status, res.text).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const p = JSON.parse(res.text) as { code: string; status: number; detail?: string; errors?: unknown[] };
    expect(p.code).toBe(code);
    expect(p.status).toBe(status);
    expect(res.text).not.toContain(SECRET);
    expectNoStack(res.text);
    return p;
  }

  const json = JSON.stringify(rows(2));

  it.each(['text/plain', 'application/xml', 'text/xml', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded', 'text/tab-separated-values'])(
    'Content-Type %s is 415 problem+json',
    async (ct) => {
      const before = await counts(gw);
      await problem(await client.post('/v1/ingest/crm/customers', json, { contentType: ct }), 415, 'request.unsupported_media_type');
      expect(await counts(gw)).toEqual(before);
    },
  );

  it('a missing Content-Type is 415 (on both endpoints)', async () => {
    const bytes = new TextEncoder().encode(json);
    for (const type of ['customers', 'transactions']) {
      const res = await gw.request(`/v1/ingest/crm/${type}`, { method: 'POST', token: await gw.mint(['ingest']), body: bytes });
      const text = await res.text();
      await problem({ status: res.status, text, headers: res.headers }, 415, 'request.unsupported_media_type');
    }
  });

  it('media type parameters and case are tolerated', async () => {
    for (const ct of ['application/json; charset=utf-8', 'APPLICATION/JSON', 'text/csv;charset=UTF-8', 'application/x-ndjson; charset=utf-8']) {
      const body = ct.toLowerCase().includes('csv') ? encode(rows(1), 'csv') : ct.toLowerCase().includes('ndjson') ? encode(rows(1), 'ndjson') : json;
      const res = await client.post('/v1/ingest/ct/customers', body, { contentType: ct });
      expect(res.status, `${ct}: ${res.text}`).toBe(200);
    }
  });

  it.each([
    ['truncated JSON', 'application/json', `[{"customer_id":"M-1","email":"${SECRET}@example.test"`],
    ['JSON with trailing garbage', 'application/json', `[{"customer_id":"M-1"}] {"${SECRET}":1}`],
    ['single-quoted JSON', 'application/json', `[{'customer_id':'${SECRET}'}]`],
    ['empty JSON body', 'application/json', ''],
    ['NDJSON with a broken line', 'application/x-ndjson', `{"customer_id":"M-1"}\n{"customer_id":"${SECRET}"\n{"customer_id":"M-3"}\n`],
    ['NDJSON with a JSON array line', 'application/x-ndjson', `{"customer_id":"M-1"}\n[{"customer_id":"M-2"}]\n{"customer_id":"${SECRET}",}\n`],
    ['CSV with an unclosed quote', 'text/csv', `customer_id,email\nM-1,"${SECRET}@example.test\nM-2,b@example.test\n`],
    ['CSV with a stray quote inside a cell', 'text/csv', `customer_id,email\nM-1,ab"${SECRET}"cd@example.test\n`],
    ['CSV with too many cells', 'text/csv', `customer_id,email\nM-1,a@example.test,${SECRET}\n`],
    ['CSV with too few cells', 'text/csv', `customer_id,email,last_name\nM-1,a@example.test,Nom\nM-2,${SECRET}\n`],
  ])('%s is 400 problem+json without the body in it', async (_name, ct, body) => {
    const before = await counts(gw);
    const p = await problem(await client.post('/v1/ingest/crm/customers', body, { contentType: ct }), 400, 'request.malformed');
    expect(typeof p.detail).toBe('string');
    expect(await counts(gw)).toEqual(before);
  });

  it('a broken NDJSON line is located by record number', async () => {
    const p = await problem(
      await client.post('/v1/ingest/crm/customers', '{"customer_id":"M-1"}\n\n{"customer_id":\n', { contentType: 'application/x-ndjson' }),
      400,
      'request.malformed',
    );
    expect(p.errors).toMatchObject([{ row: 2, code: 'malformed' }]);
  });

  it.each([
    ['an object', `{"customer_id":"${SECRET}"}`],
    ['a string', `"${SECRET}"`],
    ['a number', '42'],
    ['null', 'null'],
  ])('a JSON body that is %s, not an array, is 422', async (_name, body) => {
    const before = await counts(gw);
    const p = await problem(await client.post('/v1/ingest/crm/customers', body), 422, 'request.validation_failed');
    expect(p.errors).toBeDefined();
    expect(await counts(gw)).toEqual(before);
  });

  it.each([
    ['json', [0x5b, 0x7b, 0x22, 0x63, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d, 0x5d]],
    ['ndjson', [...Buffer.from('{"customer_id":"M-1","last_name":"Ren'), 0xe9, ...Buffer.from('"}\n')]],
    ['csv', [...Buffer.from('customer_id,last_name\nM-1,Ren'), 0xe9, 0x0a]],
    ['json', [...Buffer.from('[{"customer_id":"'), 0xc0, 0xaf, ...Buffer.from('"}]')]],
    ['json', [...Buffer.from('[{"customer_id":"'), 0xed, 0xa0, 0x80, ...Buffer.from('"}]')]],
    ['csv', [...Buffer.from('customer_id\nM-'), 0xf0, 0x9f, 0x98, 0x0a]],
  ] as [Format, number[]][])('invalid UTF-8 in a %s body is 400, never replaced', async (format, bytes) => {
    const before = await counts(gw);
    const res = await gw.request('/v1/ingest/crm/customers', {
      method: 'POST',
      token: await gw.mint(['ingest']),
      headers: { 'content-type': CONTENT_TYPE[format] },
      body: new Uint8Array(bytes),
    });
    const { body } = await expectProblem(res, 400, 'request.malformed');
    expect(body.detail).toMatch(/UTF-8/);
    expect(await counts(gw)).toEqual(before);
  });

  it('valid multi-byte UTF-8 and a UTF-8 BOM are fine', async () => {
    const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify([{ customer_id: 'U-1', first_name: 'Zoé 🦊 Łukasz' }]))]);
    const res = await gw.request('/v1/ingest/crm/customers', {
      method: 'POST',
      token: await gw.mint(['ingest']),
      headers: { 'content-type': 'application/json' },
      body: new Uint8Array(body),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ accepted: 1, rejected: 0 });
  });

  it('a lone surrogate escape in a JSON string is a per-row invalid_unicode error', async () => {
    const res = await client.post(
      '/v1/ingest/crm/customers',
      '[{"customer_id":"S-1","first_name":"A\\ud800B"},{"customer_id":"S-2","city":"\\udfff"},{"customer_id":"S-3","last_name":"\\ud83e\\udd8a"}]',
    );
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      accepted: 1,
      rejected: 2,
      errors: [
        { row: 1, field: 'first_name', code: 'invalid_unicode' },
        { row: 2, field: 'city', code: 'invalid_unicode' },
      ],
    });
  });
});

describe('roles on the ingest routes', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await testGateway();
  });
  afterAll(() => gw.cleanup());

  it.each(['marketing', 'dpo', 'admin', 'partner'])('a %s token is 403 on both endpoints, storing nothing', async (role) => {
    const token = await gw.mint([role]);
    const before = await counts(gw);
    for (const type of ['customers', 'transactions']) {
      const res = await send(gw, JSON.stringify(rows(1)), { 'content-type': 'application/json' }, token, `/v1/ingest/crm/${type}`);
      await expectProblem(res, 403, 'auth.forbidden');
    }
    // the role check comes before the body is looked at
    const res = await send(gw, 'not json', { 'content-type': 'text/plain' }, token);
    await expectProblem(res, 403, 'auth.forbidden');
    expect(await counts(gw)).toEqual(before);
  });

  it('no token is 401 with WWW-Authenticate; a garbage token too', async () => {
    for (const token of [undefined, 'not-a-jwt']) {
      const res = await send(gw, JSON.stringify(rows(1)), { 'content-type': 'application/json' }, token);
      await expectProblem(res, 401, 'auth.invalid_token');
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    }
    expect((await counts(gw)).subjects).toBe(0);
  });

  it('a token holding ingest among other roles may ingest', async () => {
    const token = await gw.mint(['marketing', 'ingest']);
    const res = await send(gw, JSON.stringify(rows(1)), { 'content-type': 'application/json' }, token);
    expect(res.status).toBe(200);
  });
});
