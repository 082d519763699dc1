// The metrics on a listener of their own (VEILGATE_METRICS_PORT, bound to 127.0.0.1): a local
// scraper or sidecar reads them without a token; nothing else is served there.
import { Hono } from 'hono';
import type { GatewayMetrics } from '../metrics/gateway-metrics.ts';
import { METRICS_PATH } from './routes/metrics-routes.ts';

export function metricsListenerApp(metrics: GatewayMetrics): Hono {
  const app = new Hono();
  app.get(METRICS_PATH, async (c) => c.body(await metrics.scrape(), 200, { 'Content-Type': metrics.contentType, 'Cache-Control': 'no-store' }));
  app.notFound((c) => c.body(null, 404));
  return app;
}
