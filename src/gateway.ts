// Assembles a running gateway from a config: keys, storage, policies, verifier, app, listener.
import { serve, type ServerType } from '@hono/node-server';
import type { Config } from './config/load-config.ts';
import { openStorage } from './db/open-storage.ts';
import { createLogger, type Logger } from './logging/logger.ts';
import { loadPolicies, type PolicySet } from './policy/load-policies.ts';
import { TokenVerifier } from './auth/token-verifier.ts';
import { devIssuerPolicy, initDevIssuer } from './auth/dev-issuer.ts';
import { createApp, type VeilgateApp } from './http/create-app.ts';
import { buildServices, storageConfigOf } from './services.ts';
import type { PreparePool } from './ingest/prepare-pool.ts';
import type { AuditLog } from './audit/audit-log.ts';
import type { AuditSink } from './audit/sink/audit-sink.ts';
import type { IngestService } from './ingest/ingest-service.ts';
import type { JobQueue } from './segmentation/job-queue.ts';
import { SYSTEM_ACTOR, actorFields } from './audit/audit-actor.ts';
import type { DsrService } from './dsr/dsr-service.ts';
import { RefusalTally } from './audit/refusal-tally.ts';
import type { Storage } from './storage/storage.ts';
import { GatewayMetrics } from './metrics/gateway-metrics.ts';
import { InFlight } from './http/in-flight.ts';
import { metricsListenerApp } from './http/metrics-listener.ts';

export interface Gateway {
  app: VeilgateApp;
  storage: Storage;
  policies: PolicySet;
  logger: Logger;
  verifier: TokenVerifier;
  ingest: IngestService;
  /** Threads that prepare ingest batches; closed with the gateway. */
  preparePool: PreparePool;
  jobs: JobQueue;
  audit: AuditLog;
  dsr: DsrService;
  refusals: RefusalTally;
  metrics: GatewayMetrics;
  inFlight: InFlight;
  /** Where committed audit entries are forwarded (VEILGATE_AUDIT_SINK), if anywhere; closed with the gateway. */
  auditSink: AuditSink | undefined;
}

/** Everything but the listener: what tests and the CLI share with `serve`. */
export async function buildGateway(config: Readonly<Config>, options: { logger?: Logger; clock?: () => number } = {}): Promise<Gateway> {
  const logger = options.logger ?? createLogger({ level: config.logLevel });
  const clock = options.clock ?? Date.now;
  // Policies first: an invalid policy must stop the start before anything is written.
  const policies = loadPolicies(config.policiesDir);
  if (config.dev) {
    const { created } = await initDevIssuer(config.dataDir);
    if (created) logger.warn('development issuer key pair created in the data directory');
  }
  const storage = await openStorage(storageConfigOf(config));
  // before the services: the first start-up units and audit appends count too
  let auditHeadSeq: () => number | undefined = () => undefined;
  let jobsRunning = () => 0;
  const inFlight = new InFlight();
  const metrics = new GatewayMetrics({
    dialect: storage.dialect,
    connections: () => storage.connections(),
    auditHeadSeq: () => auditHeadSeq(),
    requestsInFlight: () => inFlight.count,
    jobsRunning: () => jobsRunning(),
  });
  storage.observeUnits(metrics.unit);
  let services: Awaited<ReturnType<typeof buildServices>> | undefined;
  try {
    services = await buildServices(config, policies, storage, clock, logger);
    const { audit: log, queue: jobs } = services;
    log.onAppend = (seconds, written) => metrics.auditAppend(seconds, written);
    auditHeadSeq = () => log.sealedSeq;
    jobs.onSettled = (method, outcome, seconds) => metrics.job(method, outcome, seconds);
    jobsRunning = () => jobs.running;
    // runs left running by the previous process on a database only it uses resume now; on a
    // shared one, other instances' runs are theirs until their claims lapse
    if (!storage.sharedByInstances) {
      const resumed = await storage.runs.requeueRunning();
      if (resumed > 0) logger.warn({ runs: resumed }, 'segmentation runs interrupted by the last stop are queued again');
    }
    // The first entry of every start: refused (the start with it) when the head cannot vouch for the log.
    await services.audit.append({
      ...actorFields(SYSTEM_ACTOR),
      action: 'policy.load',
      outcome: 'ok',
      detail: { policy_version: policies.version, dev: config.dev },
    });
    await services.audit.syncHead();
    services.audit.checkpoint();
  } catch (e) {
    await services?.auditSink?.close(1000);
    await storage.close();
    throw e;
  }
  const { ingest, preparePool, subjects, segmentations, queue, audit, auditSink, reid, dsr } = services;
  const issuers = config.dev ? [...policies.issuers, devIssuerPolicy(config.dataDir, policies.roles.keys())] : policies.issuers;
  const verifier = new TokenVerifier({ issuers, clock });
  const refusals = new RefusalTally(audit, clock, config.authFailuresPerMinute, (e) =>
    logger.error({ err: e }, 'refused authentications could not be audited yet'),
  );
  const app = createApp({ config, storage, policies, verifier, logger, clock, ingest, subjects, segmentations, audit, reid, dsr, refusals, metrics, inFlight });
  logger.info({ policy_version: policies.version, issuers: issuers.map((i) => i.id), dev: config.dev, storage: storage.dialect }, 'gateway built');
  queue.start();
  return { app, storage, policies, logger, verifier, ingest, preparePool, jobs: queue, audit, dsr, refusals, metrics, inFlight, auditSink };
}

export interface RunningGateway extends Gateway {
  url: string;
  server: ServerType;
  /** The loopback listener serving /metrics without a token, when VEILGATE_METRICS_PORT is set. */
  metricsUrl?: string;
  /** How long close() gives requests and a running job (VEILGATE_SHUTDOWN_GRACE_MS). */
  shutdownGraceMs: number;
  /**
   * Stops accepting, lets requests in flight and a running job finish within the grace period
   * (then cuts the connections off and hands the job back), flushes the audit head and closes the
   * database. Resolves when all of that is done.
   */
  close(): Promise<void>;
}

const listen = (fetch: (r: Request) => Response | Promise<Response>, port: number, hostname: string) =>
  new Promise<ServerType>((resolve, reject) => {
    const s = serve({ fetch, port, hostname }, () => resolve(s));
    s.once('error', reject);
  });

const urlOf = (server: ServerType, host: string): string => {
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
};

type Closable = ServerType & { closeIdleConnections?: () => void; closeAllConnections?: () => void };

/** Stops accepting; connections finish their request (idle ones are closed as they become idle) until the deadline, then are cut. */
function drain(server: Closable, graceMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const idle = setInterval(() => server.closeIdleConnections?.(), 50);
    const cut = setTimeout(() => server.closeAllConnections?.(), graceMs);
    server.close(() => {
      clearInterval(idle);
      clearTimeout(cut);
      resolve();
    });
    // keep-alive connections would hold close() open until the deadline
    server.closeIdleConnections?.();
  });
}

export async function startGateway(config: Readonly<Config>, options: { logger?: Logger; clock?: () => number } = {}): Promise<RunningGateway> {
  const gw = await buildGateway(config, options);
  const server = await listen(gw.app.fetch, config.port, config.host);
  const url = urlOf(server, config.host);
  gw.logger.info({ url }, 'listening');
  // loopback only, whatever HOST says: it answers without a token
  const metricsServer = config.metricsPort === undefined ? undefined : await listen(metricsListenerApp(gw.metrics).fetch, config.metricsPort, '127.0.0.1');
  const metricsUrl = metricsServer && urlOf(metricsServer, '127.0.0.1');
  if (metricsUrl) gw.logger.info({ url: metricsUrl }, 'metrics listening');
  gw.jobs.prewarm();
  gw.preparePool.warm();
  const background = gw.storage.maintenance.startBackground((e) => gw.logger.error({ err: e }, 'storage maintenance stopped'));
  const refusalFlush = gw.refusals.start();
  let closing: Promise<void> | undefined;
  const shutdown = async () => {
    const grace = config.shutdownGraceMs;
    // HTTP and the job queue stop taking work at once and share the grace period
    await Promise.all([drain(server, grace).then(() => gw.inFlight.idle()), gw.jobs.close(grace), metricsServer && drain(metricsServer, 0)]);
    refusalFlush.stop();
    try {
      await Promise.all([gw.preparePool.close(), gw.dsr.maintenanceIdle(), background.stop()]);
      await gw.refusals.flush(true);
      await gw.audit.syncHead();
      gw.audit.checkpoint();
      // the last entries (the refusals flushed above) reach the sink before it closes
      await gw.auditSink?.close();
    } finally {
      await gw.storage.close();
    }
    gw.logger.info('stopped');
  };
  const close = () => (closing ??= shutdown());
  return { ...gw, url, server, ...(metricsUrl && { metricsUrl }), shutdownGraceMs: config.shutdownGraceMs, close };
}

/** SIGTERM/SIGINT: graceful close, then exit 0; 1 if the close failed or outlived the grace period by 10 s. */
export function closeOnSignals(gw: RunningGateway): void {
  const graceMs = gw.shutdownGraceMs;
  const stop = (signal: string) => {
    gw.logger.info({ signal, grace_ms: graceMs }, 'shutting down');
    const force = setTimeout(() => {
      gw.logger.error('shutdown did not complete in time: exiting');
      process.exit(1);
    }, graceMs + 10_000);
    force.unref();
    gw.close().then(
      () => process.exit(0),
      (e: unknown) => {
        gw.logger.error({ err: e }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}
