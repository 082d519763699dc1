// The API contract, checked on real answers: every answer a test gets through a test gateway is
// recorded (method, path, status, media type, headers, problem body) and, at the end of each
// test file (test/setup/contract-check.ts), checked against the gateway's own /openapi.json:
// the operation and status are declared, the media type is one the response lists, the headers
// it marks required are there and every other header it sends is declared.
import type { ApiDocument, ApiOperation, ApiResponse } from '../../src/http/openapi/complete-document.ts';

export interface Answered {
  /** Where the document comes from: the app that answered. */
  app: { request(path: string): Response | Promise<Response> };
  method: string;
  path: string;
  status: number;
  headers: Headers;
  /** The parsed body of a problem+json answer. */
  problem?: Promise<unknown>;
}

/**
 * Headers of the transport, the representation or the security middleware (identical on every
 * answer): not part of any operation's contract. Allow is checked on 405 answers.
 */
const INFRASTRUCTURE_HEADERS = new Set([
  'content-type',
  'content-length',
  'cache-control',
  'date',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'vary',
  'content-security-policy',
  'cross-origin-opener-policy',
  'cross-origin-resource-policy',
  'origin-agent-cluster',
  'referrer-policy',
  'strict-transport-security',
  'x-content-type-options',
  'x-dns-prefetch-control',
  'x-download-options',
  'x-frame-options',
  'x-permitted-cross-domain-policies',
  'x-xss-protection',
  'allow',
]);

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

const recorded: Answered[] = [];

/** Keeps an answer for the check; reads (a copy of) the body only of problem answers. */
export function recordAnswer(app: Answered['app'], method: string, url: string, res: Response): void {
  const path = new URL(url, 'http://gateway.test').pathname;
  const problem =
    mediaType(res.headers) === 'application/problem+json' && method !== 'HEAD'
      ? res
          .clone()
          .text()
          .then(
            (t) => JSON.parse(t) as unknown,
            () => undefined,
          )
      : undefined;
  recorded.push({ app, method: method.toUpperCase(), path, status: res.status, headers: new Headers(res.headers), ...(problem && { problem }) });
}

/** Every answer recorded so far in this test file (a copy). */
export const recordedAnswers = (): Answered[] => [...recorded];

const mediaType = (h: Headers): string | undefined => h.get('content-type')?.split(';')[0]!.trim().toLowerCase();

interface Template {
  path: string;
  segments: string[];
  literals: number;
  item: Record<string, ApiOperation>;
}

function templates(doc: ApiDocument): Template[] {
  return Object.entries(doc.paths ?? {}).map(([path, item]) => {
    const segments = path.split('/');
    return { path, segments, literals: segments.filter((s) => !s.startsWith('{')).length, item };
  });
}

const matches = (t: Template, path: string): boolean => {
  const parts = path.split('/');
  return parts.length === t.segments.length && t.segments.every((s, i) => (s.startsWith('{') ? parts[i] !== '' : s === parts[i]));
};

const methodsOf = (item: Record<string, unknown>): string[] => METHODS.filter((m) => item[m] !== undefined);

/** The Allow header the gateway must send for `templates` (GET brings HEAD). */
function allowOf(found: Template[]): string {
  const set = new Set<string>();
  for (const t of found) {
    for (const m of methodsOf(t.item)) {
      set.add(m.toUpperCase());
      if (m === 'get') set.add('HEAD');
    }
  }
  return [...set].sort().join(', ');
}

function resolveHeader(doc: ApiDocument, h: unknown): { required?: boolean } {
  const ref = (h as { $ref?: string }).$ref;
  if (!ref) return h as { required?: boolean };
  const name = decodeURIComponent(ref.replace('#/components/headers/', ''));
  const components = (doc['components'] as { headers?: Record<string, { required?: boolean }> } | undefined)?.headers ?? {};
  const found = components[name];
  if (!found) throw new Error(`unresolved header reference ${ref}`);
  return found;
}

/** The members a problem body may have, and those it must have (from the Problem schema). */
function problemSchema(doc: ApiDocument): { properties: Set<string>; required: string[] } {
  const schema = (doc['components'] as { schemas?: Record<string, { properties?: object; required?: string[] }> } | undefined)?.schemas?.['Problem'];
  if (!schema?.properties) throw new Error('the document has no Problem schema');
  return { properties: new Set(Object.keys(schema.properties)), required: schema.required ?? [] };
}

/** The templates whose path matches, and among those taking the method the one routing picks. */
function route(doc: ApiDocument, a: Pick<Answered, 'method' | 'path'>): { all: Template[]; template: Template | undefined; method: string } {
  const all = templates(doc).filter((t) => matches(t, a.path));
  const method = a.method === 'HEAD' ? 'get' : a.method.toLowerCase();
  // as Hono routes: among the templates that take the method, the most literal one
  const template = all.filter((t) => t.item[method] !== undefined).sort((x, y) => y.literals - x.literals)[0];
  return { all, template, method };
}

/** The operation ("GET /v1/segmentations/{id}") that answered, if the document has it. */
export function operationOf(doc: ApiDocument, a: Pick<Answered, 'method' | 'path'>): string | undefined {
  const { template, method } = route(doc, a);
  return template && `${method.toUpperCase()} ${template.path}`;
}

/** What is wrong with one answer against `doc`: an empty list when it keeps the contract. */
export async function violationsOf(doc: ApiDocument, a: Answered): Promise<string[]> {
  const { all, template, method } = route(doc, a);
  const where = `${a.method} ${a.path} -> ${a.status}`;
  if (all.length === 0) return a.status < 400 ? [`${where}: the path is in no operation of the document`] : [];
  if (!template) {
    if (a.status === 405) {
      const allow = a.headers.get('allow');
      return allow === allowOf(all) ? [] : [`${where}: Allow is ${JSON.stringify(allow)}, the document gives ${JSON.stringify(allowOf(all))}`];
    }
    return a.status < 400 ? [`${where}: the document lists no ${a.method} on ${all.map((t) => t.path).join(', ')}`] : [];
  }
  const op = `${a.method} ${template.path} -> ${a.status}`;
  const response: ApiResponse | undefined = template.item[method]!.responses[String(a.status)];
  if (!response) return [`${op}: status not declared`];
  const out: string[] = [];
  const type = mediaType(a.headers);
  const declaredTypes = Object.keys(response.content ?? {});
  if (type !== undefined && a.method !== 'HEAD' && !declaredTypes.some((d) => d.toLowerCase() === type)) {
    out.push(`${op}: media type ${type} not declared (declared: ${declaredTypes.join(', ') || 'no content'})`);
  }
  if (type === undefined && declaredTypes.length > 0 && a.method !== 'HEAD') out.push(`${op}: no Content-Type, declared ${declaredTypes.join(', ')}`);
  const declaredHeaders = Object.fromEntries(Object.entries(response.headers ?? {}).map(([n, h]) => [n.toLowerCase(), resolveHeader(doc, h)]));
  for (const [name, h] of Object.entries(declaredHeaders)) {
    if (h.required && !a.headers.has(name)) out.push(`${op}: required header ${name} missing`);
  }
  for (const name of a.headers.keys()) {
    if (!INFRASTRUCTURE_HEADERS.has(name) && !(name in declaredHeaders)) out.push(`${op}: header ${name} sent but not declared`);
  }
  if (a.problem) {
    const body = await a.problem;
    const schema = problemSchema(doc);
    if (body === null || typeof body !== 'object') out.push(`${op}: problem body is not a JSON object`);
    else {
      for (const k of Object.keys(body)) if (!schema.properties.has(k)) out.push(`${op}: problem member ${k} is not in the Problem schema`);
      for (const k of schema.required) if (!(k in body)) out.push(`${op}: problem member ${k} missing`);
      if ((body as { status?: unknown }).status !== a.status) out.push(`${op}: problem status is not the HTTP status`);
    }
  }
  return out;
}

const documents = new WeakMap<object, Promise<ApiDocument>>();

/** The document the app serves (fetched once per app). */
export async function documentOf(app: Answered['app']): Promise<ApiDocument> {
  let doc = documents.get(app);
  if (!doc) {
    doc = Promise.resolve(app.request('/openapi.json')).then(async (res) => {
      if (res.status !== 200) throw new Error(`GET /openapi.json answered ${res.status}`);
      return (await res.json()) as ApiDocument;
    });
    documents.set(app, doc);
  }
  return doc;
}

/** The contract violations among `answers` (each distinct one once, with how often it occurred). */
export async function contractViolations(answers: readonly Answered[] = recorded): Promise<string[]> {
  const counts = new Map<string, number>();
  for (const a of answers) {
    for (const v of await violationsOf(await documentOf(a.app), a)) counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  return [...counts].map(([v, n]) => (n > 1 ? `${v} (${n} times)` : v));
}

/** Every operation of `doc` as "METHOD /template". */
export function operationsOf(doc: ApiDocument): string[] {
  return Object.entries(doc.paths ?? {}).flatMap(([path, item]) => methodsOf(item).map((m) => `${m.toUpperCase()} ${path}`));
}
