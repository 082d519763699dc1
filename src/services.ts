// The domain services over one store and policy set: shared by the HTTP app, the CLI and benchmarks.
// Knows nothing of HTTP, so command-line tools do not load the web stack.
import type { Config } from './config/load-config.ts';
import type { Store } from './db/open-database.ts';
import { createLogger, type Logger } from './logging/logger.ts';
import type { PolicySet } from './policy/load-policies.ts';
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
import { headFileIn } from './audit/audit-head.ts';
import { sqliteAuditStore } from './db/sqlite-audit-store.ts';
import { VaultReader } from './vault/vault-reader.ts';
import { sqliteReidStore, sqliteVaultStore } from './db/sqlite-reid-store.ts';
import { ReidentificationService } from './reidentification/reidentification-service.ts';
import { DsrService } from './dsr/dsr-service.ts';
import { sqliteDsrStore } from './db/sqlite-dsr-store.ts';

export function buildServices(config: Readonly<Config>, policies: PolicySet, store: Store, clock: () => number, logger: Logger = createLogger({ level: config.logLevel })) {
  const keys = resolveKeyMaterial(config);
  const cipher = new VaultCipher(keys.master);
  const pseudonymizer = new Pseudonymizer(keys.pseudonym, keys.pseudonymVersion);
  // Each sealed checkpoint is also a log line: a copy of the head outside the data directory.
  const audit = new AuditLog(sqliteAuditStore(store.sqlite), keys.audit, headFileIn(config.dataDir), () => policies.version, clock,
    (head) => logger.info({ audit_checkpoint: head }, 'audit checkpoint'));
  const consents = new ConsentRegistry(sqliteConsentStore(store.sqlite), policies.purposes, clock);
  const ingest = new IngestService({
    store: sqliteIngestStore(store.sqlite),
    dictionary: policies.dictionary,
    consents,
    audit,
    purposes: new Set(policies.purposes.keys()),
    sources: policies.sources,
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
  const queue = new JobQueue(runs, logger, clock, { dataDir: config.dataDir, threads: config.segmentationThreads }, config.jobTimeoutMs);
  const segmentations = new SegmentationService({
    runs, queue, population: sqlitePopulationReader(store.sqlite), access: policies.access, dictionary: policies.dictionary,
    consents, pseudonyms, dataDir: config.dataDir, clock, threads: config.segmentationThreads, audit,
    limits: { ruleTerms: config.maxRuleTerms, jobsPerCaller: config.maxJobsPerCaller },
  });
  const vault = new VaultReader(sqliteVaultStore(store.sqlite), cipher);
  const reid = new ReidentificationService({ store: sqliteReidStore(store.sqlite), vault, access: policies.access, consents, audit, clock });
  const dsr = new DsrService({
    store: sqliteDsrStore(store.sqlite), subjects: sqliteSubjectStore(store.sqlite), vault, consents, audit,
    pseudonymizer, dictionary: policies.dictionary, access: policies.access, clock,
    onWalNotTruncated: () => logger.warn('dsr erasure: the WAL could not be truncated within 10 s (a long reader or checkpoint holds it); the erased subject\'s old pages stay in it until its next reset'),
  });
  const rekeyed = dsr.rekeyLegacySuppressions();
  if (rekeyed > 0) logger.info({ suppressions: rekeyed }, 'suppression entries re-keyed in their own hash domain');
  return { ingest, consents, keys, subjects, pseudonyms, segmentations, queue, audit, reid, dsr };
}

