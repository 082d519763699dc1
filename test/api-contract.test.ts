// The API document is complete: a table of real requests drives every operation to its success
// and to each refusal its wiring can give (no token, a role without it, the refusal limit, an
// invalid input, a body too large, of the wrong type or unparseable) and to its own outcomes
// (unknown ids, conflicts, four-eyes); every answer must be declared with its media type and
// headers (test/helpers/contract.ts), and every operation must have been answered with each of
// those statuses. The checker itself is shown to catch what it should.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Recorder, seedSubject, transactionsFor, type Seeded } from './helpers/access.ts';
import { fillers, JUSTIFICATION } from './helpers/audit.ts';
import { contractViolations, documentOf, operationOf, operationsOf, recordedAnswers, violationsOf, type Answered } from './helpers/contract.ts';
import { testGateway, type TestGateway } from './helpers/test-gateway.ts';
import type { ApiDocument } from '../src/http/openapi/complete-document.ts';
import type { Operation } from '../src/policy/operations.ts';
import { isGuarded } from '../src/http/openapi/document.ts';

const MAX_BODY = 64 * 1024;
const REFUSALS_PER_MINUTE = 5;
const BLOCKED = 'blocked-client';

interface Req {
  path: string;
  method?: 'GET' | 'POST';
  role?: string;
  body?: unknown;
  expect: number;
}

describe('every answer of every operation is in /openapi.json', () => {
  let gw: TestGateway;
  let rec: Recorder;
  let s: Seeded;
  let doc: ApiDocument;
  const tokens = new Map<string, string>();
  let probe = 0;

  /** Sends `r` as `role` (a token per role and subject, minted once); JSON bodies. */
  async function send(r: Req, opts: { token?: string | null; clientAddress?: string; headers?: Record<string, string>; raw?: string } = {}) {
    let token = opts.token;
    if (token === undefined && r.role) {
      token = tokens.get(r.role) ?? (await gw.mint([r.role.split(':')[0]!], { sub: r.role.split(':')[1] ?? 'contract' }));
      tokens.set(r.role, token);
    }
    const bodied = r.body !== undefined || opts.raw !== undefined;
    return gw.request(r.path, {
      method: r.method ?? 'GET',
      ...(token && { token }),
      clientAddress: opts.clientAddress ?? 'local',
      headers: { ...(bodied && { 'content-type': 'application/json' }), ...opts.headers },
      ...(bodied && { body: opts.raw ?? JSON.stringify(r.body) }),
    });
  }

  async function expectStatus(r: Req, opts: Parameters<typeof send>[1] = {}, status = r.expect): Promise<any> {
    const res = await send(r, opts);
    const text = await res.text();
    expect(res.status, `${r.method ?? 'GET'} ${r.path}: ${text.slice(0, 300)}`).toBe(status);
    return text.startsWith('{') ? JSON.parse(text) : text;
  }

  beforeAll(async () => {
    gw = await testGateway({ env: { VEILGATE_MAX_BODY_BYTES: String(MAX_BODY), VEILGATE_AUTH_FAILURES_PER_MINUTE: String(REFUSALS_PER_MINUTE) } });
    rec = new Recorder(gw);
    s = await seedSubject(rec, 'cntrct', 1);
    doc = await documentOf(gw.app);
  });
  afterAll(() => gw?.cleanup());

  it('drives every operation to its success and its own outcomes', async () => {
    const email = String(s.identity.record['email']);
    const ok = async (r: Req) => expectStatus(r);
    // public
    for (const path of ['/healthz', '/readyz', '/openapi.json', '/docs', '/docs/assets/init.js', '/docs/assets/swagger-ui.css'])
      await ok({ path, expect: 200 });
    await ok({ path: '/docs/assets/nothing.js', expect: 404 });
    // the console: its shell under any page path, its files, its sign-in settings and the development token
    for (const path of ['/console', '/console/runs', '/console/favicon.svg', '/console-config.json']) await ok({ path, expect: 200 });
    await ok({ path: '/console/nothing.js', expect: 404 });
    await ok({ path: '/console-dev-token', method: 'POST', body: { role: 'marketing' }, expect: 200 });
    await ok({ path: '/console-dev-token', method: 'POST', body: { role: 'nobody' }, expect: 422 });
    // identity, policy, quality, ingest
    await ok({ path: '/v1/me', role: 'marketing', expect: 200 });
    await ok({ path: '/v1/policies', role: 'dpo', expect: 200 });
    await ok({ path: '/v1/quality', role: 'admin', expect: 200 });
    const customers = await ok({ path: '/v1/ingest/crm/customers', method: 'POST', role: 'ingest', body: fillers('contract', 30), expect: 200 });
    expect(customers.accepted).toBe(30);
    await ok({
      path: '/v1/ingest/crm/transactions',
      method: 'POST',
      role: 'ingest',
      body: transactionsFor(String(s.identity.record['customer_id']), 'contract-more'),
      expect: 200,
    });
    await ok({
      path: '/v1/ingest/crm/consents',
      method: 'POST',
      role: 'ingest',
      body: [{ email, purpose: 'marketing_sms', status: 'withdrawn', collected_at: new Date(gw.now()).toISOString() }],
      expect: 200,
    });
    await ok({ path: '/v1/ingest/nowhere/customers', method: 'POST', role: 'ingest', body: fillers('contract-x', 1), expect: 403 });
    // subjects and consents
    await ok({ path: `/v1/subjects/${s.pseudonym}?purpose=segmentation_analytics`, role: 'marketing', expect: 200 });
    await ok({ path: '/v1/subjects/p1_unknown?purpose=segmentation_analytics', role: 'marketing', expect: 404 });
    await ok({ path: `/v1/subjects/${s.pseudonym}/consents`, role: 'dpo', expect: 200 });
    await ok({ path: '/v1/subjects/p1_unknown/consents', role: 'dpo', expect: 404 });
    await ok({
      path: `/v1/subjects/${s.pseudonym}/consents`,
      method: 'POST',
      role: 'dpo',
      body: { purpose: 'marketing_email', status: 'withdrawn' },
      expect: 201,
    });
    await ok({ path: '/v1/subjects/p1_unknown/consents', method: 'POST', role: 'dpo', body: { purpose: 'marketing_email', status: 'withdrawn' }, expect: 404 });
    // segmentation
    const submitted = await ok({
      path: '/v1/segmentations',
      method: 'POST',
      role: 'marketing',
      body: { purpose: 'segmentation_analytics', method: 'rules', rules: [{ name: 'web', where: { channel_preference: { eq: 'web' } } }] },
      expect: 202,
    });
    await gw.jobs.idle();
    const run = await ok({ path: `/v1/segmentations/${submitted.id}`, role: 'marketing', expect: 200 });
    expect(run.status).toBe('succeeded');
    await ok({ path: '/v1/segmentations', role: 'marketing', expect: 200 });
    await ok({ path: '/v1/segmentations/seg_unknown', role: 'marketing', expect: 404 });
    const segment = run.result.segments[0].id as string;
    await ok({ path: `/v1/segmentations/${submitted.id}/segments/${segment}/members?limit=5`, role: 'marketing', expect: 200 });
    await ok({ path: `/v1/segmentations/${submitted.id}/segments/nothing/members`, role: 'marketing', expect: 404 });
    await ok({ path: `/v1/segmentations/${submitted.id}/members?limit=5`, role: 'marketing', expect: 200 });
    await expectStatus({ path: `/v1/segmentations/${submitted.id}/members`, role: 'marketing', expect: 200 }, { headers: { accept: 'text/csv' } });
    await ok({ path: '/v1/segmentations/seg_unknown/members', role: 'marketing', expect: 404 });
    // operations
    await ok({ path: '/metrics', role: 'admin', expect: 200 });
    // audit
    await ok({ path: '/v1/audit?limit=2', role: 'dpo', expect: 200 });
    await ok({ path: '/v1/audit/verify', role: 'dpo', expect: 200 });
    // re-identification: granted, pending (four-eyes field), decided by another DPO, decided twice
    const reid = (fields: string[]) => ({ pseudonyms: [s.pseudonym], fields, purpose: 'customer_service', justification: JUSTIFICATION });
    await ok({ path: '/v1/reidentifications', method: 'POST', role: 'dpo:alice', body: reid(['email']), expect: 201 });
    const pending = await ok({ path: '/v1/reidentifications', method: 'POST', role: 'dpo:alice', body: reid(['iban']), expect: 202 });
    const pending2 = await ok({ path: '/v1/reidentifications', method: 'POST', role: 'dpo:alice', body: reid(['iban']), expect: 202 });
    await ok({ path: `/v1/reidentifications/${pending.id}/approve`, method: 'POST', role: 'dpo:alice', expect: 403 });
    await ok({ path: `/v1/reidentifications/${pending.id}/approve`, method: 'POST', role: 'dpo:bob', expect: 200 });
    await ok({ path: `/v1/reidentifications/${pending.id}/approve`, method: 'POST', role: 'dpo:bob', expect: 409 });
    await ok({ path: `/v1/reidentifications/${pending2.id}/deny`, method: 'POST', role: 'dpo:bob', expect: 200 });
    await ok({ path: `/v1/reidentifications/${pending2.id}/deny`, method: 'POST', role: 'dpo:bob', expect: 409 });
    for (const decision of ['approve', 'deny'])
      await ok({ path: `/v1/reidentifications/reid_unknown/${decision}`, method: 'POST', role: 'dpo:bob', expect: 404 });
    await ok({ path: `/v1/reidentifications/${pending.id}`, role: 'dpo:alice', expect: 200 });
    await ok({ path: '/v1/reidentifications/reid_unknown', role: 'dpo:alice', expect: 404 });
    const listed = await ok({ path: '/v1/reidentifications?status=decided&limit=1', role: 'dpo:bob', expect: 200 });
    await ok({ path: `/v1/reidentifications?status=decided&limit=1&cursor=${listed.next_cursor}`, role: 'dpo:bob', expect: 200 });
    // data-subject rights: a package with withheld fields, decided, decided twice; an erasure
    const dsr = (value: string, reference: string) => ({ identifier: { type: 'email', value }, reference });
    const access = await ok({ path: '/v1/dsr/access', method: 'POST', role: 'dpo:alice', body: dsr(email, 'DSR-C-0001'), expect: 202 });
    const access2 = await ok({ path: '/v1/dsr/access', method: 'POST', role: 'dpo:alice', body: dsr(email, 'DSR-C-0002'), expect: 202 });
    await ok({ path: '/v1/dsr/access', method: 'POST', role: 'dpo:alice', body: dsr('nobody@example-mail.test', 'DSR-C-0003'), expect: 404 });
    await ok({ path: `/v1/dsr/${access.id}/approve`, method: 'POST', role: 'dpo:alice', expect: 403 });
    await ok({ path: `/v1/dsr/${access.id}/approve`, method: 'POST', role: 'dpo:bob', expect: 200 });
    await ok({ path: `/v1/dsr/${access.id}/approve`, method: 'POST', role: 'dpo:bob', expect: 409 });
    await ok({ path: `/v1/dsr/${access2.id}/deny`, method: 'POST', role: 'dpo:bob', expect: 200 });
    await ok({ path: `/v1/dsr/${access2.id}/deny`, method: 'POST', role: 'dpo:bob', expect: 409 });
    for (const decision of ['approve', 'deny']) await ok({ path: `/v1/dsr/dsr_unknown/${decision}`, method: 'POST', role: 'dpo:bob', expect: 404 });
    // a person with nothing a second DPO must approve: the whole package at once
    await ok({ path: '/v1/dsr/access', method: 'POST', role: 'dpo:alice', body: dsr('fill.contract.1@example-mail.test', 'DSR-C-0006'), expect: 200 });
    await ok({ path: `/v1/dsr/${access.id}`, role: 'dpo:alice', expect: 200 });
    await ok({ path: '/v1/dsr/dsr_unknown', role: 'dpo:alice', expect: 404 });
    await ok({ path: '/v1/dsr/erasure', method: 'POST', role: 'dpo:alice', body: dsr('fill.contract.0@example-mail.test', 'DSR-C-0004'), expect: 200 });
    await ok({ path: '/v1/dsr/erasure', method: 'POST', role: 'dpo:alice', body: dsr('fill.contract.0@example-mail.test', 'DSR-C-0005'), expect: 404 });
  });

  it('drives every guarded operation to each refusal its wiring can give', async () => {
    const ops = operationsOf(doc).filter((o) => isGuarded(o.split(' ')[1]!));
    const roles = ['ingest', 'marketing', 'dpo', 'admin'];
    for (const op of ops) {
      const [method, template] = op.split(' ') as ['GET' | 'POST', string];
      const operation = doc.paths![template]![method.toLowerCase()]!;
      // a concrete path: every parameter a plausible value
      const path = template.replace('{source}', 'crm').replace(/\{[a-z_]+\}/g, 'x1');
      const body = operation.requestBody ? {} : undefined;
      const r: Req = { path, method, ...(body !== undefined && { body }), expect: 0 };
      await expectStatus(r, { token: null, clientAddress: `anonymous-${probe++}` }, 401);
      const lacking = roles.find((role) => !gwAllows(role, op));
      if (lacking) await expectStatus({ ...r, role: lacking }, {}, 403);
      const allowed = roles.find((role) => gwAllows(role, op))!;
      // a path parameter too long for its schema (or a source that is no identifier), else a
      // member or a query parameter the schema does not know
      if (template.includes('{')) {
        await expectStatus({ ...r, path: template.replace('{source}', 'NOT_A_SOURCE').replace(/\{[a-z_]+\}/g, 'x'.repeat(65)), role: allowed }, {}, 422);
      } else if (operation.requestBody) {
        await expectStatus({ ...r, body: { unknown_member: 1 }, role: allowed }, {}, 422);
      } else if ((operation.parameters?.length ?? 0) > 0) {
        await expectStatus({ ...r, path: `${template}?unknown=1`, role: allowed }, {}, 422);
      }
      if (method === 'POST') await expectStatus({ ...r, role: allowed }, { raw: 'x'.repeat(MAX_BODY + 1) }, 413);
      if (operation.requestBody) {
        await expectStatus({ ...r, role: allowed }, { headers: { 'content-type': 'text/plain' }, raw: 'x' }, 415);
        await expectStatus({ ...r, role: allowed }, { raw: '{"unterminated' }, 400);
      }
    }
    // past the refusal limit an address is answered 429 on every guarded operation
    for (let i = 0; i < REFUSALS_PER_MINUTE; i++) await expectStatus({ path: '/v1/me', expect: 401 }, { token: 'not-a-token', clientAddress: BLOCKED });
    for (const op of ops) {
      const [method, template] = op.split(' ') as ['GET' | 'POST', string];
      await expectStatus({ path: template.replace(/\{[a-z_]+\}/g, 'x1'), method, role: 'dpo', expect: 429 }, { clientAddress: BLOCKED });
    }
  });

  /** Whether `role` may call `op` under the repository's roles.yaml (as the gateway loaded it). */
  function gwAllows(role: string, op: string): boolean {
    const operation = OPERATION_OF[op];
    if (!operation) throw new Error(`no policy operation known for ${op}: add it to OPERATION_OF`);
    return gw.policies.rolesFor(operation).includes(role);
  }

  it('declares every answer it gave, and each operation gave every status its wiring declares', async () => {
    const answers = recordedAnswers();
    expect(await contractViolations(answers)).toEqual([]);
    const seen = new Map<string, Set<number>>();
    for (const a of answers) {
      const op = operationOf(doc, a);
      if (op) seen.set(op, (seen.get(op) ?? new Set()).add(a.status));
    }
    const missing: string[] = [];
    for (const op of operationsOf(doc)) {
      const [method, template] = op.split(' ') as [string, string];
      const operation = doc.paths![template]![method.toLowerCase()]!;
      const got = seen.get(op) ?? new Set<number>();
      if (![...got].some((st) => st >= 200 && st < 300)) missing.push(`${op}: no success`);
      for (const status of Object.keys(operation.responses).map(Number)) {
        // 500 needs a fault of the gateway itself; 503 a failing database or audit log (test/audit-fail-closed.test.ts)
        if (status >= 500 || got.has(status)) continue;
        if (status === 403 && template === '/v1/me') continue; // every role of roles.yaml may read its identity
        if (status === 429 && !isGuarded(template)) continue;
        if (LEFT_TO_OTHER_SUITES[op]?.includes(status)) continue;
        missing.push(`${op}: ${status} declared, never answered`);
      }
    }
    expect(missing).toEqual([]);
  });
});

/** The policy operation each route authorizes (src/http/routes, authorize(...)). */
const OPERATION_OF: Record<string, Operation> = {
  'GET /v1/me': 'me.read',
  'GET /v1/policies': 'policies.read',
  'GET /v1/quality': 'quality.read',
  'POST /v1/ingest/{source}/customers': 'ingest.customers',
  'POST /v1/ingest/{source}/transactions': 'ingest.transactions',
  'POST /v1/ingest/{source}/consents': 'ingest.consents',
  'GET /v1/subjects/{pseudonym}': 'subjects.read',
  'GET /v1/subjects/{pseudonym}/consents': 'subjects.consents.read',
  'POST /v1/subjects/{pseudonym}/consents': 'subjects.consents.write',
  'POST /v1/segmentations': 'segmentations.create',
  'GET /v1/segmentations': 'segmentations.read',
  'GET /v1/segmentations/{id}': 'segmentations.read',
  'GET /v1/segmentations/{id}/segments/{segment_id}/members': 'segmentations.members',
  'GET /v1/segmentations/{id}/members': 'segmentations.members',
  'GET /metrics': 'metrics.read',
  'GET /v1/audit': 'audit.read',
  'GET /v1/audit/verify': 'audit.verify',
  'POST /v1/reidentifications': 'reidentifications.create',
  'GET /v1/reidentifications': 'reidentifications.read',
  'GET /v1/reidentifications/{id}': 'reidentifications.read',
  'POST /v1/reidentifications/{id}/approve': 'reidentifications.decide',
  'POST /v1/reidentifications/{id}/deny': 'reidentifications.decide',
  'POST /v1/dsr/access': 'dsr.access',
  'POST /v1/dsr/erasure': 'dsr.erasure',
  'GET /v1/dsr/{id}': 'dsr.read',
  'POST /v1/dsr/{id}/approve': 'dsr.decide',
  'POST /v1/dsr/{id}/deny': 'dsr.decide',
};

/** Declared outcomes another suite provokes (quotas, shared phone numbers, body limits of a batch). */
const LEFT_TO_OTHER_SUITES: Record<string, number[]> = {
  'POST /v1/segmentations': [429], // test/adversarial/segmentation-work-bounds.test.ts: the per-caller run limit
  'POST /v1/reidentifications': [429], // test/reid-quota.test.ts
  'POST /v1/dsr/access': [409, 429], // test/dsr-shared-phone.test.ts, test/adversarial/dsr-quota.test.ts
  'POST /v1/dsr/erasure': [409, 429],
};

describe('the contract checker', () => {
  const DOC: ApiDocument = {
    paths: {
      '/v1/runs/{id}': {
        get: {
          responses: {
            200: {
              description: 'ok',
              headers: { 'X-Next-Cursor': { required: false }, 'X-Request-Id': { $ref: '#/components/headers/X-Request-Id' } },
              content: { 'application/json': {} },
            },
            404: { description: 'unknown', content: { 'application/problem+json': {} } },
          },
        },
      },
      '/v1/runs/latest': { post: { responses: { 202: { description: 'queued' } } } },
    },
    components: {
      headers: { 'X-Request-Id': { required: true } },
      schemas: { Problem: { properties: { type: {}, title: {}, status: {}, code: {} }, required: ['type', 'status'] } },
    },
  };
  const app = { request: () => new Response() };
  const answer = (method: string, path: string, status: number, headers: Record<string, string>, problem?: unknown): Answered => ({
    app,
    method,
    path,
    status,
    headers: new Headers(headers),
    ...(problem !== undefined && { problem: Promise.resolve(problem) }),
  });
  const ok = { 'content-type': 'application/json; charset=utf-8', 'x-request-id': 'r1' };

  it('passes an answer the document declares', async () => {
    expect(await violationsOf(DOC, answer('GET', '/v1/runs/r1', 200, { ...ok, 'x-next-cursor': '5' }))).toEqual([]);
    expect(await violationsOf(DOC, answer('HEAD', '/v1/runs/r1', 200, { 'x-request-id': 'r1' }))).toEqual([]);
    expect(
      await violationsOf(DOC, answer('GET', '/v1/runs/r1', 404, { 'content-type': 'application/problem+json' }, { type: 't', status: 404, code: 'c' })),
    ).toEqual([]);
  });

  it('reports an undeclared status, media type or header, a missing required header and a stray problem member', async () => {
    expect(await violationsOf(DOC, answer('GET', '/v1/runs/r1', 409, ok))).toEqual(['GET /v1/runs/{id} -> 409: status not declared']);
    expect(await violationsOf(DOC, answer('GET', '/v1/runs/r1', 200, { ...ok, 'content-type': 'text/csv' }))).toEqual([
      'GET /v1/runs/{id} -> 200: media type text/csv not declared (declared: application/json)',
    ]);
    expect(await violationsOf(DOC, answer('GET', '/v1/runs/r1', 200, { 'content-type': 'application/json' }))).toEqual([
      'GET /v1/runs/{id} -> 200: required header x-request-id missing',
    ]);
    expect(await violationsOf(DOC, answer('GET', '/v1/runs/r1', 200, { ...ok, location: '/x' }))).toEqual([
      'GET /v1/runs/{id} -> 200: header location sent but not declared',
    ]);
    expect(
      await violationsOf(DOC, answer('GET', '/v1/runs/r1', 404, { 'content-type': 'application/problem+json' }, { type: 't', status: 400, email: 'x' })),
    ).toEqual([
      'GET /v1/runs/{id} -> 404: problem member email is not in the Problem schema',
      'GET /v1/runs/{id} -> 404: problem status is not the HTTP status',
    ]);
  });

  it('routes a literal path before a template, and checks a 405 against the methods the document lists', async () => {
    expect(await violationsOf(DOC, answer('POST', '/v1/runs/latest', 202, {}))).toEqual([]);
    expect(await violationsOf(DOC, answer('GET', '/v1/runs/latest', 200, ok))).toEqual([]);
    expect(await violationsOf(DOC, answer('DELETE', '/v1/runs/latest', 405, { allow: 'GET, HEAD, POST' }))).toEqual([]);
    expect(await violationsOf(DOC, answer('DELETE', '/v1/runs/r1', 405, { allow: 'GET, HEAD, POST' }))).toEqual([
      'DELETE /v1/runs/r1 -> 405: Allow is "GET, HEAD, POST", the document gives "GET, HEAD"',
    ]);
  });

  it('reports a success on a path or a method the document does not list', async () => {
    expect(await violationsOf(DOC, answer('GET', '/v1/hidden', 200, ok))).toEqual(['GET /v1/hidden -> 200: the path is in no operation of the document']);
    expect(await violationsOf(DOC, answer('PUT', '/v1/runs/r1', 200, ok))).toEqual(['PUT /v1/runs/r1 -> 200: the document lists no PUT on /v1/runs/{id}']);
    expect(await violationsOf(DOC, answer('GET', '/v1/hidden', 404, ok))).toEqual([]);
  });
});
