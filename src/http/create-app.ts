// Builds the gateway's Hono app from its dependencies; no listening, no globals, no side effects.
import { OpenAPIHono } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { requestId } from 'hono/request-id';
import { secureHeaders } from 'hono/secure-headers';
import type { Config } from '../config/load-config.ts';
import type { Storage } from '../storage/storage.ts';
import { AppError } from '../errors/app-error.ts';
import type { Logger } from '../logging/logger.ts';
import type { PolicySet } from '../policy/load-policies.ts';
import type { TokenVerifier } from '../auth/token-verifier.ts';
import type { AppEnv } from './app-env.ts';
import { authenticate } from './middleware/authenticate.ts';
import { requestLog } from './middleware/request-log.ts';
import { methodTable } from './method-table.ts';
import { errorHandler, problemResponse } from './problem.ts';
import { validationHook } from './validation.ts';
import { GUARDED_ROUTES, serveDocument } from './openapi/document.ts';
import { healthRoutes } from './routes/health-routes.ts';
import { docsRoutes } from './routes/docs-routes.ts';
import { meRoutes } from './routes/me-routes.ts';
import { policyRoutes } from './routes/policy-routes.ts';
import { ingestRoutes } from './routes/ingest-routes.ts';
import type { IngestService } from '../ingest/ingest-service.ts';
import { qualityRoutes } from './routes/quality-routes.ts';
import { subjectRoutes } from './routes/subject-routes.ts';
import type { SubjectService } from '../subjects/subject-service.ts';
import { segmentationRoutes } from './routes/segmentation-routes.ts';
import type { SegmentationService } from '../segmentation/segmentation-service.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import { auditRequests } from './middleware/audit-requests.ts';
import { auditRoutes } from './routes/audit-routes.ts';
import { reidentificationRoutes } from './routes/reidentification-routes.ts';
import { dsrRoutes } from './routes/dsr-routes.ts';
import type { ReidentificationService } from '../reidentification/reidentification-service.ts';
import type { DsrService } from '../dsr/dsr-service.ts';
import type { RefusalTally } from '../audit/refusal-tally.ts';
import type { GatewayMetrics } from '../metrics/gateway-metrics.ts';
import { requestMetrics } from './middleware/request-metrics.ts';
import type { InFlight } from './in-flight.ts';
import { metricsRoutes } from './routes/metrics-routes.ts';
import { consoleRoutes } from './routes/console-routes.ts';

/** How long a successful write probe of /readyz stands for the database's writability. */
export const READY_PROBE_MS = 5000;

export interface AppDeps {
  config: Readonly<Config>;
  storage: Storage;
  policies: PolicySet;
  verifier: TokenVerifier;
  logger: Logger;
  clock: () => number;
  ingest: IngestService;
  subjects: SubjectService;
  segmentations: SegmentationService;
  audit: AuditLog;
  reid: ReidentificationService;
  dsr: DsrService;
  refusals: RefusalTally;
  metrics: GatewayMetrics;
  /** Counts the requests being handled (a stopping gateway waits for them). */
  inFlight?: InFlight;
  /** Where the built console is (default: dist/console of the package). */
  consoleDir?: string;
}

export function createApp(deps: AppDeps) {
  const { config, storage, policies, verifier, logger, clock, ingest, subjects, segmentations, audit, reid, dsr, refusals, metrics } = deps;
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.use(requestId({ limitLength: 64 }));
  if (deps.inFlight) app.use(deps.inFlight.middleware);
  app.use(requestMetrics(metrics));
  app.use(requestLog(logger, clock));
  app.use(secureHeaders());
  // the API and the metrics: a token on every request, refusals audited, nothing cached
  const guard = (middleware: MiddlewareHandler<AppEnv>) => {
    for (const r of GUARDED_ROUTES) app.use(r, middleware);
  };
  guard(async (c, next) => {
    await next();
    // on the finished response: c.header() after next() would rebuild it around the body
    c.res.headers.set('Cache-Control', 'no-store');
  });
  guard(auditRequests(audit, refusals));
  guard(authenticate(verifier));
  // After authentication: an anonymous caller cannot make the gateway buffer a large body.
  const limitBody = bodyLimit({
    maxSize: config.maxBodyBytes,
    onError: () => {
      throw new AppError('request.body_too_large', `The body exceeds VEILGATE_MAX_BODY_BYTES (${config.maxBodyBytes} bytes).`);
    },
  });
  // GET and HEAD carry no body; touching it would make the Node adapter build a full Request.
  app.use((c, next) => (c.req.method === 'GET' || c.req.method === 'HEAD' ? next() : limitBody(c, next)));

  // A write per probe would let anyone who can reach /readyz keep the writer busy: at most one
  // write every READY_PROBE_MS proves the database still takes writes.
  let provenAt = -Infinity;
  app.route(
    '/',
    healthRoutes({
      readiness: [
        {
          name: 'database',
          check: async () => {
            const now = clock();
            if (now - provenAt < READY_PROBE_MS) return;
            await storage.readiness.probeWritable(now);
            provenAt = now;
          },
        },
        {
          name: 'migrations',
          check: async () => {
            const s = await storage.readiness.migrations();
            if (s.applied < s.shipped) throw new Error('pending migrations');
          },
        },
        {
          name: 'policies',
          check: async () => {
            if (!policies.version) throw new Error('no policy');
          },
        },
      ],
    }),
  );
  app.route('/', docsRoutes());
  app.route('/', meRoutes({ policies }));
  app.route('/', policyRoutes({ policies }));
  app.route('/', ingestRoutes({ policies, ingest, maxBatchRows: config.maxBatchRows, metrics }));
  app.route('/', subjectRoutes({ policies, subjects }));
  app.route('/', segmentationRoutes({ policies, segmentations, logger }));
  app.route('/', auditRoutes({ policies, audit, logger }));
  app.route('/', reidentificationRoutes({ policies, reid, metrics }));
  app.route('/', dsrRoutes({ policies, dsr }));
  app.route('/', qualityRoutes({ policies, quality: storage.quality, clock }));
  app.route('/', metricsRoutes({ policies, metrics }));
  app.route(
    '/',
    consoleRoutes({
      policies,
      dev: config.dev,
      dataDir: config.dataDir,
      clock,
      logger,
      ...(deps.consoleDir !== undefined && { dir: deps.consoleDir }),
    }),
  );

  serveDocument(app);

  const allowedMethods = methodTable(app);
  app.notFound((c) => {
    const allow = allowedMethods(c.req.path);
    if (allow.length > 0 && !allow.includes(c.req.method)) {
      return problemResponse(c, 'request.method_not_allowed', `${c.req.method} is not allowed here.`, {
        headers: { Allow: allow.join(', ') },
      });
    }
    return problemResponse(c, 'request.not_found', 'No such resource.');
  });
  app.onError(errorHandler(logger));
  return app;
}

export type VeilgateApp = ReturnType<typeof createApp>;
