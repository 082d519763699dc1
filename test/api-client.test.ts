// A client generated from /openapi.json (openapi-typescript types, openapi-fetch) drives a real
// gateway listening on 127.0.0.1: ingest, a rules segmentation, the members of every visible
// segment. The committed types must be what the current document gives.
import fs from 'node:fs';
import type net from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import createClient, { type Client } from 'openapi-fetch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_TYPES_FILE, apiTypesSource } from '../scripts/api-document.ts';
import type { paths } from './generated/api-types.ts';
import { withConsentTime } from './helpers/access.ts';
import { recordAnswer } from './helpers/contract.ts';
import { expectedRules, SEG_CLOCK, synthPopulation, type RuleSpec, type SegResult } from './helpers/segmentation.ts';
import { testGateway, type TestGateway } from './helpers/test-gateway.ts';

const RULES: RuleSpec[] = [
  { name: 'young web', where: { age: { lte: 30 }, channel_preference: { eq: 'web' } } },
  { name: 'over forty', where: { age: { gte: 40 } } },
];

/** The media types this client reads: JSON answers and problems (the CSV export is another client's). */
type JsonMedia = 'application/json' | 'application/problem+json';

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

describe('the generated client', () => {
  let gw: TestGateway;
  let server: ServerType;
  let client: Client<paths, JsonMedia>;

  beforeAll(async () => {
    gw = await testGateway({ clockStart: SEG_CLOCK });
    server = serve({ fetch: gw.app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise<void>((resolve, reject) => {
      server.once('listening', () => resolve());
      server.once('error', reject);
    });
    client = createClient<paths, JsonMedia>({ baseUrl: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}` });
    // the answers over the wire are checked against the document too, like those of gw.request
    client.use({
      onResponse: ({ request, response }) => {
        recordAnswer(gw.app, request.method, request.url, response);
      },
    });
  });
  afterAll(async () => {
    if (server) {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      });
    }
    await gw?.cleanup();
  });

  it('is generated from the current document (npm run api:types rewrites it)', async () => {
    const res = await gw.request('/openapi.json');
    expect(res.status).toBe(200);
    const fresh = await apiTypesSource(await res.json());
    const committed = fs.readFileSync(API_TYPES_FILE, 'utf8');
    expect(committed === fresh, `${API_TYPES_FILE} is stale: run npm run api:types`).toBe(true);
  });

  it('ingests, segments and lists the members of every visible segment over HTTP', async () => {
    const pop = synthPopulation('client');
    const ingest = await gw.mint(['ingest']);
    const customers = await client.POST('/v1/ingest/{source}/customers', {
      params: { path: { source: 'crm' } },
      headers: bearer(ingest),
      body: withConsentTime(
        pop.map((s) => s.customer),
        gw.now(),
      ),
    });
    expect(customers.response.status, JSON.stringify(customers.error)).toBe(200);
    expect(customers.data?.accepted).toBe(pop.length);
    expect(customers.data?.rejected).toBe(0);
    const transactions = pop.flatMap((s) => s.transactions);
    const tx = await client.POST('/v1/ingest/{source}/transactions', {
      params: { path: { source: 'crm' } },
      headers: bearer(ingest),
      body: transactions,
    });
    expect(tx.response.status, JSON.stringify(tx.error)).toBe(200);
    expect(tx.data?.accepted).toBe(transactions.length);

    const marketing = await gw.mint(['marketing'], { sub: 'client-analyst' });
    const submitted = await client.POST('/v1/segmentations', {
      headers: bearer(marketing),
      body: { purpose: 'segmentation_analytics', method: 'rules', features: [], rules: RULES },
    });
    expect(submitted.response.status, JSON.stringify(submitted.error)).toBe(202);
    const id = submitted.data!.id;
    expect(submitted.response.headers.get('location')).toBe(`/v1/segmentations/${id}`);
    await gw.jobs.idle();

    const run = await client.GET('/v1/segmentations/{id}', { params: { path: { id } }, headers: bearer(marketing) });
    expect(run.response.status).toBe(200);
    expect(run.data?.status, JSON.stringify(run.data?.error)).toBe('succeeded');
    // the document types the result as any JSON: its shape is the segmentation helpers' SegResult
    const result = run.data!.result as SegResult;
    const want = expectedRules(pop, RULES, result.receipt.min_group_size);
    expect(result.population).toBe(want.population);
    expect(new Set(result.segments.map((s) => s.id))).toEqual(new Set(want.visible.keys()));

    const seen = new Set<string>();
    for (const segment of result.segments) {
      const members: string[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < 100; page++) {
        const got = await client.GET('/v1/segmentations/{id}/segments/{segment_id}/members', {
          params: { path: { id, segment_id: segment.id }, query: { limit: 100, ...(cursor !== undefined && { cursor }) } },
          headers: bearer(marketing),
        });
        expect(got.response.status, JSON.stringify(got.error)).toBe(200);
        members.push(...got.data!.members);
        if (got.data!.next_cursor === null) break;
        cursor = got.data!.next_cursor;
      }
      expect(members.length, segment.id).toBeGreaterThan(0);
      expect(members.length, segment.id).toBe(segment.size);
      expect(members.length, segment.id).toBe(want.visible.get(segment.id)!.length);
      for (const m of members) {
        expect(m).toMatch(/^p1_/);
        expect(seen.has(m)).toBe(false);
        seen.add(m);
      }
    }
    expect(seen.size).toBe(result.population);
  });

  it('types a refusal as the Problem of the document', async () => {
    const marketing = await gw.mint(['marketing'], { sub: 'client-analyst' });
    const missing = await client.GET('/v1/segmentations/{id}', { params: { path: { id: 'seg_unknown' } }, headers: bearer(marketing) });
    expect(missing.response.status).toBe(404);
    expect(missing.error?.code).toBe('request.not_found');
    expect(missing.error?.request_id).toBe(missing.response.headers.get('x-request-id'));
    const anonymous = await client.GET('/v1/segmentations/{id}', { params: { path: { id: 'seg_unknown' } } });
    expect(anonymous.response.status).toBe(401);
    expect(anonymous.error?.code).toBe('auth.invalid_token');
    expect(anonymous.response.headers.get('www-authenticate')).toMatch(/^Bearer /);
  });
});
