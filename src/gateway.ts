// Assembles a running gateway from a config: keys, database, policies, verifier, app, listener.
import { serve, type ServerType } from '@hono/node-server';
import type { Config } from './config/load-config.ts';
import { openStore, type Store } from './db/open-database.ts';
import { createLogger, type Logger } from './logging/logger.ts';
import { loadPolicies, type PolicySet } from './policy/load-policies.ts';
import { TokenVerifier } from './auth/token-verifier.ts';
import { devIssuerPolicy, initDevIssuer } from './auth/dev-issuer.ts';
import { createApp, type VeilgateApp } from './http/create-app.ts';
import { resolveKeyMaterial } from './vault/key-material.ts';
import { VaultCipher } from './vault/vault-cipher.ts';
import { Pseudonymizer } from './pseudonymization/pseudonymizer.ts';
import { IngestService } from './ingest/ingest-service.ts';
import { sqliteIngestStore } from './db/sqlite-ingest-store.ts';
import { sqliteConsentStore } from './db/sqlite-consent-store.ts';
import { ConsentRegistry } from './consent/consent-registry.ts';
import { CallerPseudonyms } from './subjects/caller-pseudonyms.ts';
import { PartnerScope } from './pseudonymization/partner-scope.ts';
import { SubjectService } from './subjects/subject-service.ts';
import { sqliteSubjectStore } from './db/sqlite-subject-store.ts';
import { sqliteRunStore } from './db/sqlite-run-store.ts';
import { sqlitePopulationReader } from './db/sqlite-population-reader.ts';
import { JobQueue } from './segmentation/job-queue.ts';
import { SegmentationService } from './segmentation/segmentation-service.ts';
import { AuditLog } from './audit/audit-log.ts';
import { sqliteAuditStore } from './db/sqlite-audit-store.ts';
import { SYSTEM_ACTOR, actorFields } from './audit/audit-actor.ts';
import { VaultReader } from './vault/vault-reader.ts';
import { sqliteReidStore, sqliteVaultStore } from './db/sqlite-reid-store.ts';
import { ReidentificationService } from './reidentification/reidentification-service.ts';
import { DsrService } from './dsr/dsr-service.ts';
import { sqliteDsrStore } from './db/sqlite-dsr-store.ts';

export interface Gateway {
  app: VeilgateApp;
  store: Store;
  policies: PolicySet;
  logger: Logger;
  verifier: TokenVerifier;
  ingest: IngestService;
  jobs: JobQueue;
  audit: AuditLog;
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
  const store = openStore(config.dataDir);
  const { ingest, subjects, segmentations, queue, audit, reid, dsr } = buildServices(config, policies, store, clock, logger);
  audit.append({ ...actorFields(SYSTEM_ACTOR), action: 'policy.load', outcome: 'ok', detail: { policy_version: policies.version, dev: config.dev } });
  audit.syncHead();
  const issuers = config.dev ? [...policies.issuers, devIssuerPolicy(config.dataDir, policies.roles.keys())] : policies.issuers;
  const verifier = new TokenVerifier({ issuers, clock });
  const app = createApp({ config, store, policies, verifier, logger, clock, ingest, subjects, segmentations, audit, reid, dsr });
  logger.info({ policy_version: policies.version, issuers: issuers.map((i) => i.id), dev: config.dev }, 'gateway built');
  return { app, store, policies, logger, verifier, ingest, jobs: queue, audit };
}

/** The domain services over one store: shared by the HTTP app and the CLI. */
export function buildServices(config: Readonly<Config>, policies: PolicySet, store: Store, clock: () => number, logger: Logger = createLogger({ level: config.logLevel })) {
  const keys = resolveKeyMaterial(config);
  const cipher = new VaultCipher(keys.master);
  const pseudonymizer = new Pseudonymizer(keys.pseudonym, keys.pseudonymVersion);
  const audit = new AuditLog(sqliteAuditStore(store.sqlite), keys.audit, config.dataDir, () => policies.version, clock);
  const consents = new ConsentRegistry(sqliteConsentStore(store.sqlite), policies.purposes, clock);
  const ingest = new IngestService({
    store: sqliteIngestStore(store.sqlite),
    dictionary: policies.dictionary,
    consents,
    audit,
    purposes: new Set(policies.purposes.keys()),
    pseudonymizer,
    cipher,
    clock,
  });
  const pseudonyms = new CallerPseudonyms(new PartnerScope(keys.pseudonym), policies.access);
  const subjects = new SubjectService({ store: sqliteSubjectStore(store.sqlite), access: policies.access, consents, pseudonyms, audit, clock });
  const runs = sqliteRunStore(store.sqlite);
  for (const id of runs.interrupted()) {
    runs.fail(id, { code: 'interrupted', message: 'The gateway stopped while this run was in progress; submit it again.' }, clock());
  }
  const queue = new JobQueue(runs, logger, clock);
  const segmentations = new SegmentationService({
    runs, queue, population: sqlitePopulationReader(store.sqlite), access: policies.access, dictionary: policies.dictionary,
    consents, pseudonyms, dataDir: config.dataDir, clock, threads: config.segmentationThreads, audit,
  });
  const vault = new VaultReader(sqliteVaultStore(store.sqlite), cipher);
  const reid = new ReidentificationService({ store: sqliteReidStore(store.sqlite), vault, access: policies.access, consents, audit, clock });
  const dsr = new DsrService({
    store: sqliteDsrStore(store.sqlite), subjects: sqliteSubjectStore(store.sqlite), vault, consents, audit,
    pseudonymizer, dictionary: policies.dictionary, clock,
  });
  return { ingest, consents, keys, subjects, pseudonyms, segmentations, queue, audit, reid, dsr };
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
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= new Promise<void>((resolve) => {
      // Stop accepting, let in-flight requests finish, then close the database.
      server.close(() => {
        void gw.jobs.close().then(() => gw.store.close());
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
