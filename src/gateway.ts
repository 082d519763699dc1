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
  let services: Awaited<ReturnType<typeof buildServices>> | undefined;
  try {
    services = await buildServices(config, policies, storage, clock, logger);
    // runs left running by the previous process on a database only it uses resume now; on a
    // shared one, other instances' runs are theirs until their claims lapse
    if (!storage.sharedByInstances) {
      const resumed = await storage.runs.requeueRunning();
      if (resumed > 0) logger.warn({ runs: resumed }, 'segmentation runs interrupted by the last stop are queued again');
    }
    // The first entry of every start: refused (the start with it) when the head cannot vouch for the log.
    await services.audit.append({ ...actorFields(SYSTEM_ACTOR), action: 'policy.load', outcome: 'ok', detail: { policy_version: policies.version, dev: config.dev } });
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
  const refusals = new RefusalTally(audit, clock, config.authFailuresPerMinute, (e) => logger.error({ err: e }, 'refused authentications could not be audited yet'));
  const app = createApp({ config, storage, policies, verifier, logger, clock, ingest, subjects, segmentations, audit, reid, dsr, refusals });
  logger.info({ policy_version: policies.version, issuers: issuers.map((i) => i.id), dev: config.dev, storage: storage.dialect }, 'gateway built');
  queue.start();
  return { app, storage, policies, logger, verifier, ingest, preparePool, jobs: queue, audit, dsr, refusals, auditSink };
}

export interface RunningGateway extends Gateway {
  url: string;
  server: ServerType;
  close(): Promise<void>;
}

export async function startGateway(config: Readonly<Config>, options: { logger?: Logger } = {}): Promise<RunningGateway> {
  const gw = await buildGateway(config, options);
  const server = await new Promise<ServerType>((resolve, reject) => {
    const s = serve({ fetch: gw.app.fetch, port: config.port, hostname: config.host }, () => resolve(s));
    s.once('error', reject);
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.port;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  gw.logger.info({ url }, 'listening');
  gw.jobs.prewarm();
  gw.preparePool.warm();
  const background = gw.storage.maintenance.startBackground((e) => gw.logger.error({ err: e }, 'storage maintenance stopped'));
  const refusalFlush = gw.refusals.start();
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= new Promise<void>((resolve) => {
      // Stop accepting, let in-flight requests finish, then close the storage.
      server.close(() => {
        refusalFlush.stop();
        void Promise.all([gw.jobs.close(), gw.preparePool.close(), gw.dsr.maintenanceIdle(), background.stop()])
          .then(() => gw.refusals.flush(true))
          .then(() => gw.audit.checkpoint())
          // the last entries (the refusals flushed above) reach the sink before it closes
          .then(() => gw.auditSink?.close())
          .finally(() => gw.storage.close());
        gw.logger.info('stopped');
        resolve();
      });
      // keep-alive connections would hold close() open forever
      (server as { closeIdleConnections?: () => void }).closeIdleConnections?.();
    }));
  return { ...gw, url, server, close };
}

/** SIGTERM/SIGINT: graceful close, then exit. */
export function closeOnSignals(gw: RunningGateway): void {
  const stop = (signal: string) => {
    gw.logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    void gw.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}
