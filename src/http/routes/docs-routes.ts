// Offline API reference: Swagger UI assets served from the installed package, no CDN.
import fs from 'node:fs';
import path from 'node:path';
import { OpenAPIHono, z } from '@hono/zod-openapi';
// absolute-path only: the package index would load the whole 1.5 MB bundle into the process.
import getAbsoluteFSPath from 'swagger-ui-dist/absolute-path.js';

const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
};

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Veilgate API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head>
<body><div id="ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/assets/init.js"></script></body></html>`;

const INIT = `window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#ui', deepLinking: true });`;

const CSP = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'";

export function docsRoutes() {
  const dir = getAbsoluteFSPath();
  const cache = new Map<string, Buffer>();
  const app = new OpenAPIHono();
  // Documented only: these answers are plain files, not validated JSON (an unknown file is 404).
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/docs',
    tags: ['documentation'],
    summary: 'The browsable API reference (Swagger UI, served offline)',
    operationId: 'getDocs',
    responses: { 200: { description: 'The page', content: { 'text/html': { schema: { type: 'string' } } } } },
  });
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/docs/assets/{file}',
    tags: ['documentation'],
    summary: 'A script or style sheet of the reference page',
    operationId: 'getDocsAsset',
    request: { params: z.object({ file: z.enum(['init.js', ...Object.keys(ASSETS)]) }) },
    responses: {
      200: { description: 'The file', content: { 'text/javascript': { schema: { type: 'string' } }, 'text/css': { schema: { type: 'string' } } } },
      404: { description: 'No such asset' },
    },
  });
  app.get('/docs', (c) => c.html(PAGE, 200, { 'Content-Security-Policy': CSP }));
  app.get('/docs/assets/init.js', (c) => c.body(INIT, 200, { 'Content-Type': 'text/javascript; charset=utf-8' }));
  app.get('/docs/assets/:file', (c) => {
    const file = c.req.param('file');
    const type = ASSETS[file];
    if (!type) return c.notFound();
    let body = cache.get(file);
    if (!body) {
      body = fs.readFileSync(path.join(dir, file));
      cache.set(file, body);
    }
    return c.body(new Uint8Array(body), 200, { 'Content-Type': type, 'Cache-Control': 'public, max-age=3600' });
  });
  return app;
}
