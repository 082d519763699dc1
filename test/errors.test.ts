// Every error path answers application/problem+json, carries the request id, and leaks nothing.
import { createRoute, z } from '@hono/zod-openapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../src/errors/app-error.ts';
import { expectNoneOf, expectNoStack, expectProblem } from './helpers/problem.ts';
import { testGateway, type TestGateway } from './helpers/test-gateway.ts';

const CANARY = 'canary.leak@example.com';
const SQL = `SELECT * FROM vault WHERE email = ${CANARY}`;

describe('problem+json on every error path', () => {
  let gw: TestGateway;
  let token: string;
  const tokens: string[] = [];

  beforeAll(async () => {
    gw = await testGateway();
    // Routes added to the built app before its first request (the router is frozen after that).
    gw.app.get('/v1/boom', () => {
      throw new Error(SQL);
    });
    gw.app.get('/v1/boom-cause', () => {
      throw new Error('wrapped', { cause: Object.assign(new Error(SQL), { code: 'SQLITE_CONSTRAINT' }) });
    });
    gw.app.get('/v1/boom-type', () => {
      const o = undefined as unknown as { email: string };
      return new Response(o.email);
    });
    gw.app.get('/v1/boom-unavailable', () => {
      throw new AppError('server.unavailable', 'The vault is unavailable.', { cause: new Error(SQL) });
    });
    gw.app.openapi(
      createRoute({
        method: 'post',
        path: '/v1/test-echo',
        request: { body: { required: true, content: { 'application/json': { schema: z.object({ email: z.email(), age: z.number().int() }) } } } },
        responses: { 200: { description: 'ok' } },
      }),
      (c) => c.json({ ok: true }, 200),
    );
    token = await gw.mint(['dpo'], { sub: 'errors-user' });
    tokens.push(token);
  });
  afterAll(() => gw?.cleanup());

  it('404 for an unknown /v1 route with a valid token', async () => {
    const res = await gw.request('/v1/no-such-thing', { token });
    const { body } = await expectProblem(res, 404, 'request.not_found');
    expect(body.detail).toBeTruthy();
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('an unknown /v1 route without a token is 401 (authentication runs first, nothing is revealed)', async () => {
    const res = await gw.request('/v1/no-such-thing');
    await expectProblem(res, 401, 'auth.invalid_token');
  });

  it('404 for an unknown public path', async () => {
    const res = await gw.request('/no-such-thing');
    await expectProblem(res, 404, 'request.not_found');
    await expectProblem(await gw.request('/healthz/extra'), 404, 'request.not_found');
  });

  it('404 for an unknown docs asset', async () => {
    await expectProblem(await gw.request('/docs/assets/package.json'), 404, 'request.not_found');
    await expectProblem(await gw.request('/docs/assets/..%2F..%2Fpackage.json'), 404, 'request.not_found');
  });

  it('405 with Allow for POST /healthz', async () => {
    const res = await gw.request('/healthz', { method: 'POST' });
    const { body } = await expectProblem(res, 405, 'request.method_not_allowed');
    expect(res.headers.get('allow')).toBe('GET, HEAD');
    expect(body.detail).toContain('POST');
  });

  it('405 with Allow for DELETE /v1/policies with a valid token', async () => {
    const res = await gw.request('/v1/policies', { method: 'DELETE', token });
    await expectProblem(res, 405, 'request.method_not_allowed');
    expect(res.headers.get('allow')).toBe('GET, HEAD');
  });

  it('401 with WWW-Authenticate', async () => {
    const res = await gw.request('/v1/me', { token: 'abc.def.ghi' });
    const { body } = await expectProblem(res, 401, 'auth.invalid_token');
    expect(body.detail).toBeTruthy();
    expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('403 for a role without the operation', async () => {
    const t = await gw.mint(['marketing']);
    tokens.push(t);
    const res = await gw.request('/v1/policies', { token: t });
    const { body } = await expectProblem(res, 403, 'auth.forbidden');
    expect(body.detail).toContain('policies.read');
  });

  it('422 for a body failing the schema, naming paths and never values', async () => {
    const res = await gw.request('/v1/test-echo', {
      method: 'POST',
      token,
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: `not-an-email ${CANARY}`, age: 'forty-two-canary' }),
    });
    const { body, text } = await expectProblem(res, 422, 'request.validation_failed');
    expect(Array.isArray(body.errors)).toBe(true);
    const paths = (body.errors as { path: string }[]).map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining([expect.stringMatching(/email$/), expect.stringMatching(/age$/)]));
    expectNoneOf(text, [CANARY, 'not-an-email', 'forty-two-canary'], 'problem body');
  });

  it('400 for malformed JSON, with a fixed detail', async () => {
    const res = await gw.request('/v1/test-echo', {
      method: 'POST',
      token,
      headers: { 'Content-Type': 'application/json' },
      body: `{"email": "${CANARY}", oops`,
    });
    const { body, text } = await expectProblem(res, 400, 'request.malformed');
    expect(body.detail).toBe('The request body could not be parsed.');
    expectNoneOf(text, [CANARY, 'oops', 'Unexpected token', 'JSON at position'], 'problem body');
    expectNoStack(text);
  });

  it.each(['/v1/boom', '/v1/boom-cause', '/v1/boom-type'])('500 for an unexpected error (%s): type,title,status,code,request_id only', async (route) => {
    const res = await gw.request(route, { token });
    const { body, text } = await expectProblem(res, 500, 'server.internal');
    expect(Object.keys(body).sort()).toEqual(['code', 'request_id', 'status', 'title', 'type']);
    expectNoneOf(text, [CANARY, 'SELECT', 'vault', 'wrapped', 'email', 'undefined', 'TypeError', 'Cannot read'], 'problem body');
    expectNoStack(text);
  });

  it('an AppError with a 5xx code keeps its safe detail and drops its cause', async () => {
    const res = await gw.request('/v1/boom-unavailable', { token });
    const { body, text } = await expectProblem(res, 503, 'server.unavailable');
    expect(body.detail).toBe('The vault is unavailable.');
    expectNoneOf(text, [CANARY, 'SELECT'], 'problem body');
  });

  it('logs the unexpected errors without their messages', () => {
    const logs = gw.logs.join('');
    expect(logs).toMatch(/"status":500/);
    expect(logs).toMatch(/unexpected error/);
    expectNoneOf(logs, [CANARY, 'SELECT', 'canary', 'Cannot read'], 'logs');
    expectNoStack(logs);
  });

  it('X-Request-Id is generated, echoed, and equals request_id (success and error)', async () => {
    const ok = await gw.request('/healthz');
    expect(ok.status).toBe(200);
    expect(ok.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const a = await expectProblem(await gw.request('/nope'), 404, 'request.not_found');
    const b = await expectProblem(await gw.request('/nope'), 404, 'request.not_found');
    expect(a.body.request_id).not.toBe(b.body.request_id);
  });

  it('reuses a safe client-supplied X-Request-Id on success and error answers, and logs it', async () => {
    const id = 'client-req_42=abc';
    const ok = await gw.request('/v1/me', { token, headers: { 'X-Request-Id': id } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('x-request-id')).toBe(id);
    const { body } = await expectProblem(await gw.request('/v1/me', { headers: { 'X-Request-Id': id } }), 401, 'auth.invalid_token');
    expect(body.request_id).toBe(id);
    expect(gw.logs.join('')).toContain(`"req_id":"${id}"`);
  });

  it.each([
    ['with spaces and markup', 'bad id <script>alert(1)</script>'],
    ['too long', 'a'.repeat(65)],
    ['with a JSON-breaking quote', 'abc"def'],
    ['with a slash', '../../etc'],
  ])('replaces an unsafe client X-Request-Id (%s)', async (_what, id) => {
    const { body, text } = await expectProblem(await gw.request('/nope', { headers: { 'X-Request-Id': id } }), 404, 'request.not_found');
    expect(body.request_id).not.toBe(id);
    expect(body.request_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(text).not.toContain(id);
    expect(gw.logs.join('')).not.toContain(id);
  });

  it('problem answers carry the security headers', async () => {
    const res = await gw.request('/nope');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBeTruthy();
  });

  it('logs the route pattern, never the path: an identifier typed into a path stays out of the logs', async () => {
    const token = await gw.mint(['marketing']);
    const res = await gw.request('/v1/subjects/jane.canary-path@example.com?purpose=segmentation_analytics', { token });
    expect(res.status).toBe(404);
    const logs = gw.logs.join('');
    expect(logs).toContain('"route":"/v1/subjects/:pseudonym"');
    expect(logs).not.toContain('jane.canary-path');
  });

  it('never logs a bearer token', async () => {
    const partnerToken = await gw.partner.sign();
    tokens.push(partnerToken);
    await gw.request('/v1/me', { token: partnerToken });
    await gw.request('/v1/policies', { token: partnerToken });
    const logs = gw.logs.join('');
    expect(logs).toContain('"route":"/v1/me"');
    for (const t of tokens) {
      expectNoneOf(logs, [t, ...t.split('.').filter((s) => s.length >= 12)], 'logs');
    }
    expect(logs).not.toMatch(/Bearer\s/i);
  });
});

describe('413 body limit (VEILGATE_MAX_BODY_BYTES=2048)', () => {
  let gw: TestGateway;
  let token: string;
  beforeAll(async () => {
    gw = await testGateway({ env: { VEILGATE_MAX_BODY_BYTES: '2048' } });
    token = await gw.mint(['dpo']);
  });
  afterAll(() => gw?.cleanup());

  it('refuses a 5 KB body on a /v1 route with a valid token, naming the limit', async () => {
    const res = await gw.request('/v1/me', { method: 'POST', token, body: 'x'.repeat(5 * 1024) });
    const { body } = await expectProblem(res, 413, 'request.body_too_large');
    expect(body.detail).toContain('2048');
    expect(body.detail).toContain('VEILGATE_MAX_BODY_BYTES');
  });

  it('refuses it with a declared Content-Length too', async () => {
    const res = await gw.request('/v1/me', {
      method: 'POST',
      token,
      body: 'x'.repeat(5 * 1024),
      headers: { 'Content-Length': String(5 * 1024) },
    });
    await expectProblem(res, 413, 'request.body_too_large');
  });

  it('authentication runs before the body limit: an anonymous large body is 401, never buffered', async () => {
    const res = await gw.request('/v1/me', { method: 'POST', body: 'x'.repeat(5 * 1024) });
    await expectProblem(res, 401, 'auth.invalid_token');
  });

  it('a body under the limit goes on to routing (405 here, not 413)', async () => {
    const res = await gw.request('/v1/me', { method: 'POST', token, body: 'x'.repeat(1024) });
    await expectProblem(res, 405, 'request.method_not_allowed');
  });
});
