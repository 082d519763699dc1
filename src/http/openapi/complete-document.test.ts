// The completion of the generated document: which operations get which common outcomes.
import { describe, expect, it } from 'vitest';
import { completeDocument, operationIdOf, type ApiDocument } from './complete-document.ts';

const guarded = (path: string) => path.startsWith('/v1/');

const DOC: ApiDocument = {
  paths: {
    '/healthz': { get: { responses: { 200: { description: 'Up' } } } },
    '/v1/runs': {
      post: {
        requestBody: { content: { 'application/json': {} } },
        responses: {
          202: { description: 'Queued' },
          429: { description: 'Too many runs of this caller' },
        },
      },
    },
    '/v1/runs/{id}': {
      get: {
        operationId: 'readRun',
        parameters: [{ name: 'id', in: 'path' }],
        responses: { 200: { description: 'Run' }, 403: { description: 'Not your run' }, 404: { description: 'Unknown run' } },
      },
    },
    '/v1/me': { get: { responses: { 200: { description: 'Identity' } } } },
  },
};

const done = completeDocument(DOC, guarded);
const op = (path: string, method: string) => done.paths![path]![method]!;
const statuses = (path: string, method: string) => Object.keys(op(path, method).responses).map(Number);

describe('completeDocument', () => {
  it('gives a public operation only the 500 and no security', () => {
    expect(statuses('/healthz', 'get')).toEqual([200, 500]);
    expect(op('/healthz', 'get').security).toEqual([]);
  });

  it('gives a guarded operation the refusals of the guards, its input checks and bearer security', () => {
    expect(statuses('/v1/me', 'get')).toEqual([200, 401, 403, 429, 500, 503]);
    expect(statuses('/v1/runs/{id}', 'get')).toEqual([200, 401, 403, 404, 422, 429, 500, 503]);
    expect(statuses('/v1/runs', 'post')).toEqual([202, 400, 401, 403, 413, 415, 422, 429, 500, 503]);
    expect(op('/v1/me', 'get').security).toEqual([{ bearer: [] }]);
  });

  it("keeps a route's own description first and adds the common cause", () => {
    expect(op('/v1/runs/{id}', 'get').responses['403']!.description).toBe("Not your run; or: none of the token's roles may perform this operation");
    expect(op('/v1/runs', 'post').responses['429']!.description).toMatch(/^Too many runs of this caller; or: too many refused authentications/);
  });

  it('makes every error a Problem and puts the request id and the status headers on every answer', () => {
    for (const [path, item] of Object.entries(done.paths!)) {
      for (const [status, response] of Object.entries(Object.values(item)[0]!.responses)) {
        expect(response.headers?.['X-Request-Id'], `${path} ${status}`).toEqual({ $ref: '#/components/headers/X-Request-Id' });
        if (Number(status) >= 400) expect(Object.keys(response.content ?? {}), `${path} ${status}`).toEqual(['application/problem+json']);
        else expect(response.content, `${path} ${status}`).toBeUndefined();
      }
    }
    const post = op('/v1/runs', 'post').responses;
    expect(post['401']!.headers?.['WWW-Authenticate']).toMatchObject({ required: true });
    expect(post['403']!.headers?.['WWW-Authenticate']).toMatchObject({ required: false });
    // a route's own 429 always carries Retry-After, like the refusal limit's
    expect(post['429']!.headers?.['Retry-After']).toMatchObject({ required: true });
    expect(post['503']!.headers?.['Retry-After']).toMatchObject({ required: false });
  });

  it('keeps an operation id a route set and derives the others', () => {
    expect(op('/v1/runs/{id}', 'get').operationId).toBe('readRun');
    expect(op('/v1/runs', 'post').operationId).toBe('postRuns');
    expect(operationIdOf('get', '/v1/segmentations/{id}/segments/{segment_id}/members')).toBe('getSegmentationsByIdSegmentsBySegmentIdMembers');
    expect(operationIdOf('post', '/v1/dsr/{id}/approve')).toBe('postDsrByIdApprove');
  });
});
