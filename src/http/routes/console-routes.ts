// The web console: the built single-page app under /console (no CDN, no inline script), its
// start-up settings, and in development mode only a page-side way to mint a development token.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { PolicySet } from '../../policy/load-policies.ts';
import { mintDevToken } from '../../auth/dev-issuer.ts';
import type { Logger } from '../../logging/logger.ts';
import { problemResponse } from '../problem.ts';
import { validationHook } from '../validation.ts';

/** Where `npm run build` writes the console (src/ and dist/ sit at the same depth under the package). */
export const DEFAULT_CONSOLE_DIR = fileURLToPath(new URL('../../../dist/console/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

/** Lifetime of a token minted by the development sign-in page. */
const DEV_CONSOLE_TOKEN_SECONDS = 3600;

export interface ConsoleOidcClient {
  /** The issuer's policy id (issuers.yaml). */
  id: string;
  issuer: string;
  discovery_url: string;
  client_id: string;
  /** Asked for besides `openid`. */
  scopes: string[];
  /** RFC 8707 resource indicator for the authorization and token requests. */
  resource?: string;
}

/** The issuers of issuers.yaml with a `console` section: the console's sign-in buttons. */
export function consoleOidcClients(policies: PolicySet): ConsoleOidcClient[] {
  return policies.issuers.flatMap((i) =>
    i.console
      ? [
          {
            id: i.id,
            issuer: i.issuer,
            discovery_url: i.console.discoveryUrl,
            client_id: i.console.clientId,
            scopes: [...i.console.scopes],
            ...(i.console.resource !== undefined && { resource: i.console.resource }),
          },
        ]
      : [],
  );
}

export interface ConsoleDeps {
  policies: PolicySet;
  dev: boolean;
  dataDir: string;
  clock: () => number;
  logger: Logger;
  dir?: string;
}

/**
 * The console's policy: its own scripts and styles only, answers from this origin and the
 * declared OpenID providers (discovery and token endpoint), never framed. The gateway does not
 * read the providers' discovery documents, so it only knows their discovery URLs: a provider's
 * token endpoint must be on the origin of its discovery URL (the console checks it and says so).
 */
export function consoleCsp(oidcOrigins: readonly string[]): string {
  const connect = ["'self'", ...oidcOrigins].join(' ');
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src ${connect}`,
    "object-src 'none'",
    "base-uri 'none'",
    `form-action 'self'`,
    "frame-ancestors 'none'",
  ].join('; ');
}

const DevTokenRequest = z
  .strictObject({
    role: z.string().min(1).max(64),
    user: z
      .string()
      .regex(/^[a-z0-9][a-z0-9._-]{0,39}$/, 'lower-case letters, digits, dot, dash or underscore (at most 40)')
      .optional(),
  })
  .openapi('DevTokenRequest');

export function consoleRoutes(deps: ConsoleDeps) {
  const dir = deps.dir ?? DEFAULT_CONSOLE_DIR;
  const oidc = consoleOidcClients(deps.policies);
  const csp = consoleCsp([...new Set(oidc.map((o) => new URL(o.discovery_url).origin))]);
  const app = new OpenAPIHono({ defaultHook: validationHook });
  // The file list is read once: only files the build wrote can be answered, whatever the path says.
  let files: Map<string, string> | undefined;
  const listing = () => {
    if (files) return files;
    files = new Map();
    const walk = (d: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const full = path.join(d, e.name);
        if (e.isDirectory()) walk(full);
        else files!.set('/' + path.relative(dir, full).split(path.sep).join('/'), full);
      }
    };
    if (fs.existsSync(dir)) walk(dir);
    return files;
  };
  const headers = (type: string, cache: string) => ({
    'Content-Type': type,
    'Content-Security-Policy': csp,
    'Cache-Control': cache,
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
  });
  const serve = (c: Context, rel: string) => {
    const all = listing();
    let file = all.get(rel);
    // a page of the app (no extension): the app's shell, which routes in the browser
    if (!file && !/\.[a-z0-9]+$/i.test(rel)) file = all.get('/index.html');
    if (!file) {
      if (all.size === 0) return problemResponse(c, 'request.not_found', 'The console is not built: run `npm run build`.');
      return problemResponse(c, 'request.not_found', 'No such console file.');
    }
    const type = TYPES[path.extname(file)] ?? 'application/octet-stream';
    // hashed asset names never change content; the shell must be re-read to find new ones
    const cache = file.includes(`${path.sep}assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache';
    return c.body(new Uint8Array(fs.readFileSync(file)), 200, headers(type, cache));
  };

  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/console',
    tags: ['console'],
    summary: 'The web console (a single-page app; every page under /console answers its shell)',
    operationId: 'getConsole',
    responses: { 200: { description: 'The page', content: { 'text/html': { schema: { type: 'string' } } } } },
  });
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/console/{file}',
    tags: ['console'],
    summary: "A console page (its shell) or one of the console's scripts, style sheets or images",
    operationId: 'getConsoleFile',
    request: { params: z.object({ file: z.string() }) },
    responses: {
      200: {
        description: 'The file',
        content: {
          'text/html': { schema: { type: 'string' } },
          'text/javascript': { schema: { type: 'string' } },
          'text/css': { schema: { type: 'string' } },
          'image/svg+xml': { schema: { type: 'string' } },
        },
      },
      404: { description: 'No such file' },
    },
  });
  app.openapi(
    createRoute({
      method: 'get',
      path: '/console-config.json',
      tags: ['console'],
      summary: 'How the console signs in: development mode and its roles, or the OpenID providers of issuers.yaml',
      responses: {
        200: {
          description: 'Sign-in settings (no secret: OpenID clients of the console are public clients using PKCE)',
          content: {
            'application/json': {
              schema: z.object({
                dev: z.boolean(),
                roles: z.array(z.object({ id: z.string(), description: z.string() })),
                oidc: z.array(
                  z.object({
                    id: z.string(),
                    issuer: z.string(),
                    discovery_url: z.string(),
                    client_id: z.string(),
                    scopes: z.array(z.string()).openapi({ description: 'Asked for besides openid' }),
                    resource: z.string().optional().openapi({ description: 'RFC 8707 resource indicator for the authorization and token requests' }),
                  }),
                ),
              }),
            },
          },
        },
      },
    }),
    (c) =>
      c.json(
        {
          dev: deps.dev,
          roles: deps.dev ? [...deps.policies.roles.values()].map((r) => ({ id: r.name, description: r.description })) : [],
          oidc,
        },
        200,
        { 'Cache-Control': 'no-store' },
      ),
  );
  if (deps.dev) {
    app.openapi(
      createRoute({
        method: 'post',
        path: '/console-dev-token',
        tags: ['console'],
        summary: 'Development mode only (VEILGATE_DEV=1): a token of the development issuer for one role, for the sign-in page',
        request: { body: { content: { 'application/json': { schema: DevTokenRequest } }, required: true } },
        responses: {
          200: {
            description: 'A token, valid one hour',
            content: { 'application/json': { schema: z.object({ token: z.string(), expires_at: z.string() }) } },
          },
          422: { description: 'Unknown role, or an invalid user name' },
        },
      }),
      async (c) => {
        const { role, user } = c.req.valid('json');
        if (!deps.policies.roles.has(role))
          return problemResponse(c, 'request.validation_failed', 'Unknown role.', {
            errors: [{ path: 'role', code: 'unknown_role', message: 'unknown role' }],
          });
        const now = deps.clock();
        const subject = user ?? `${role}-dev`;
        const token = await mintDevToken(deps.dataDir, { roles: [role], subject, ttlSeconds: DEV_CONSOLE_TOKEN_SECONDS, now });
        deps.logger.info({ role, subject }, 'development token minted for the console');
        return c.json({ token, expires_at: new Date(now + DEV_CONSOLE_TOKEN_SECONDS * 1000).toISOString() }, 200, { 'Cache-Control': 'no-store' });
      },
    );
  }
  // outside development mode the development sign-in page does not exist, not even as the shell
  if (!deps.dev) app.get('/console/dev-sign-in', (c) => problemResponse(c, 'request.not_found', 'No such console page.'));
  app.get('/console', (c) => serve(c, '/index.html'));
  app.get('/console/', (c) => serve(c, '/index.html'));
  app.get('/console/*', (c) => serve(c, c.req.path.slice('/console'.length)));
  return app;
}
