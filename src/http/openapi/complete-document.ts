// Completes the generated document with what the app's wiring, not the route, decides: the
// outcomes every operation behind the /v1 guards can have (authentication, roles, the refusal
// limit, the audit log, validation, the body limit), problem+json on every error, X-Request-Id
// on every answer, security, and operation ids. A route declares only its own outcomes (404 for
// an unknown run, 409, a quota's 429); the contract test checks the sum against real answers.
import { PROBLEM_JSON } from '../problem.ts';
import { REQUEST_ID_REF, responseHeaders, type HeaderName, type Presence } from './headers.ts';

export interface ApiResponse {
  description: string;
  headers?: Record<string, unknown>;
  content?: Record<string, unknown>;
}

export interface ApiOperation {
  operationId?: string;
  parameters?: unknown[];
  requestBody?: unknown;
  responses: Record<string, ApiResponse>;
  security?: Record<string, string[]>[];
  [k: string]: unknown;
}

export interface ApiDocument {
  paths?: Record<string, Record<string, ApiOperation>>;
  [k: string]: unknown;
}

/** What the document says of an operation that decides which common outcomes it has. */
export interface OperationFacts {
  method: string;
  path: string;
  /** Behind the /v1 guards: authentication, the refusal limit, audit, a role check. */
  guarded: boolean;
  /** Takes a request body (so it parses one and checks its media type). */
  body: boolean;
  /** Has parameters or a body, which the edge validates. */
  input: boolean;
}

export interface OutcomeRule {
  status: number;
  when: (op: OperationFacts) => boolean;
  description: string;
  headers?: Partial<Record<HeaderName, Presence>>;
}

/** The outcomes the wiring in create-app.ts gives an operation, whatever its route says. */
export const COMMON_OUTCOMES: readonly OutcomeRule[] = [
  { status: 400, when: (o) => o.guarded && o.body, description: 'The body cannot be parsed' },
  {
    status: 401,
    when: (o) => o.guarded,
    description: 'No valid bearer token (missing, malformed, expired, untrusted issuer...)',
    headers: { 'WWW-Authenticate': 'always' },
  },
  {
    status: 403,
    when: (o) => o.guarded,
    description: "None of the token's roles may perform this operation",
    headers: { 'WWW-Authenticate': 'sometimes' },
  },
  { status: 413, when: (o) => o.guarded && o.method !== 'get', description: 'The body exceeds VEILGATE_MAX_BODY_BYTES' },
  { status: 415, when: (o) => o.guarded && o.body, description: 'The Content-Type is not one this operation takes' },
  { status: 422, when: (o) => o.guarded && o.input, description: 'The request does not satisfy the schema (errors lists the paths, never the values)' },
  {
    status: 429,
    when: (o) => o.guarded,
    description: 'Too many refused authentications from this address in the current minute',
    headers: { 'Retry-After': 'always' },
  },
  { status: 500, when: () => true, description: 'Unexpected failure: the answer carries only the request id' },
  {
    status: 503,
    when: (o) => o.guarded,
    description: 'The database is busy (Retry-After) or the audit log cannot be written: nothing was changed or returned',
    headers: { 'Retry-After': 'sometimes' },
  },
];

/** Headers a status carries wherever a route declares it (a quota's 429 names Retry-After too). */
const STATUS_HEADERS: Readonly<Record<string, Partial<Record<HeaderName, Presence>>>> = {
  401: { 'WWW-Authenticate': 'always' },
  429: { 'Retry-After': 'always' },
};

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** `getSegmentationsByIdSegmentsBySegmentIdMembers` from `GET /v1/segmentations/{id}/segments/{segment_id}/members`. */
export function operationIdOf(method: string, path: string): string {
  const words = path
    .split('/')
    .filter((s) => s !== '' && s !== 'v1')
    .map((s) => {
      const param = /^\{(.+)\}$/.exec(s);
      return (param ? ['by', ...param[1]!.split(/[^A-Za-z0-9]+/)] : s.split(/[^A-Za-z0-9]+/)).filter(Boolean);
    })
    .flat();
  return method + words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
}

function addCause(response: ApiResponse | undefined, description: string): ApiResponse {
  if (!response) return { description };
  if (response.description.includes(description)) return response;
  return { ...response, description: `${response.description}; or: ${description[0]!.toLowerCase()}${description.slice(1)}` };
}

function withHeaders(response: ApiResponse, spec: Partial<Record<HeaderName, Presence>>): ApiResponse {
  const declared = responseHeaders(spec);
  // a presence a route stated stays; an "always" of a rule wins over a "sometimes"
  const headers: Record<string, unknown> = { ...response.headers };
  for (const [name, h] of Object.entries(declared)) {
    const prior = headers[name] as { required?: boolean } | undefined;
    headers[name] = prior && !h.required ? prior : h;
  }
  return { ...response, headers };
}

/**
 * The document with the common outcomes added. `guarded` tells the paths the authentication and
 * audit middleware are mounted on.
 */
export function completeDocument<D extends ApiDocument>(doc: D, guarded: (path: string) => boolean): D {
  const paths: Record<string, Record<string, ApiOperation>> = {};
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    const out: Record<string, ApiOperation> = { ...item };
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const facts: OperationFacts = {
        method,
        path,
        guarded: guarded(path),
        body: op.requestBody !== undefined,
        input: op.requestBody !== undefined || (op.parameters?.length ?? 0) > 0,
      };
      const responses: Record<string, ApiResponse> = { ...op.responses };
      for (const rule of COMMON_OUTCOMES) {
        if (!rule.when(facts)) continue;
        const key = String(rule.status);
        responses[key] = withHeaders(addCause(responses[key], rule.description), rule.headers ?? {});
      }
      for (const [status, response] of Object.entries(responses)) {
        let r = withHeaders(response, STATUS_HEADERS[status] ?? {});
        r = { ...r, headers: { 'X-Request-Id': REQUEST_ID_REF, ...r.headers } };
        if (Number(status) >= 400 && !r.content) r = { ...r, content: { [PROBLEM_JSON]: { schema: { $ref: '#/components/schemas/Problem' } } } };
        responses[status] = r;
      }
      out[method] = {
        ...op,
        operationId: op.operationId ?? operationIdOf(method, path),
        security: facts.guarded ? [{ bearer: [] }] : [],
        responses: Object.fromEntries(Object.entries(responses).sort(([a], [b]) => a.localeCompare(b))),
      };
    }
    paths[path] = out;
  }
  return { ...doc, paths };
}
