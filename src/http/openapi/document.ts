// GET /openapi.json: the document generated from the routes' zod schemas, completed with the
// outcomes the app's wiring adds (complete-document.ts). `npm run lint:api` lints it and the
// contract test checks every answer the test suites see against it.
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env.ts';
import { completeDocument, type ApiDocument } from './complete-document.ts';
import { ProblemSchema } from './problem-schema.ts';
import { REQUEST_ID_COMPONENT } from './headers.ts';
import { METRICS_PATH } from '../routes/metrics-routes.ts';

/**
 * Where create-app.ts mounts authentication, the refusal limit and the audit of refusals (Hono
 * patterns: a trailing /* covers what is below). A guarded route outside /v1 is added here.
 */
export const GUARDED_ROUTES: readonly string[] = ['/v1/*', METRICS_PATH];

/** Whether a document path (or a request path) is behind the guards. */
export const isGuarded = (path: string): boolean => GUARDED_ROUTES.some((r) => (r.endsWith('/*') ? path.startsWith(r.slice(0, -1)) : path === r));

const TAGS = [
  { name: 'operations', description: 'Probes for orchestrators and load balancers; no token' },
  { name: 'documentation', description: 'This document and its browsable reference; no token' },
  { name: 'console', description: 'The web console: its files, its sign-in settings, and in development mode its token page; no token' },
  { name: 'identity', description: 'Who the gateway takes the caller to be' },
  { name: 'policy', description: 'The effective policy and its version' },
  { name: 'ingest', description: 'Source systems push customers, transactions and consents' },
  { name: 'quality', description: 'Data-quality scorecard per source (counts only)' },
  { name: 'subjects', description: 'One pseudonymous subject under a purpose its consent covers' },
  { name: 'consent', description: "The DPO's consent registry: history and changes" },
  { name: 'segmentation', description: 'Segmentation runs (rules, tree, k-means, RFM) and the members of visible segments' },
  { name: 'audit', description: 'The tamper-evident audit log: queries, exports, chain verification' },
  { name: 're-identification', description: 'Justified, quota-bound, optionally four-eyes re-identification' },
  { name: 'data-subject rights', description: 'Access and erasure requests of data subjects' },
];

const DESCRIPTION = `Privacy-first customer segmentation gateway.

Every error is \`application/problem+json\` (RFC 9457, schema \`Problem\`). Every answer carries \`X-Request-Id\`.
A method a path does not list is answered 405 with \`Allow\` naming the methods it takes (HEAD with GET);
on \`/v1\` paths authentication comes first, so an unauthenticated call is 401 there. A request whose header
fields exceed the HTTP server's limit is refused by the server itself with a bare 431.`;

/** The generated document, completed. */
export function apiDocument(app: OpenAPIHono<AppEnv>): ApiDocument {
  const generated = app.getOpenAPI31Document({
    openapi: '3.1.0',
    info: { title: 'Veilgate', version: '0.1.0', description: DESCRIPTION },
    servers: [{ url: '/', description: 'the gateway that serves this document' }],
    tags: TAGS,
  });
  return completeDocument(generated as unknown as ApiDocument, isGuarded);
}

/** Registers the shared components and serves the document at /openapi.json. */
export function serveDocument(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.register('Problem', ProblemSchema);
  app.openAPIRegistry.registerComponent('headers', 'X-Request-Id', REQUEST_ID_COMPONENT);
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/openapi.json',
    tags: ['documentation'],
    summary: 'This OpenAPI 3.1 document',
    operationId: 'getOpenApiDocument',
    responses: {
      200: { description: 'The document', content: { 'application/json': { schema: { type: 'object' } } } },
    },
  });
  app.get('/openapi.json', (c) => c.json(apiDocument(app)));
}
