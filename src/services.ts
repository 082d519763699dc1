// The domain services over one storage and policy set: shared by the HTTP app, the CLI and
// benchmarks. Knows nothing of HTTP, so command-line tools do not load the web stack.
import type { Config } from './config/load-config.ts';
import { createLogger, type Logger } from './logging/logger.ts';
import type { PolicySet } from './policy/load-policies.ts';
import type { Storage } from './storage/storage.ts';
import type { StorageConfig } from './storage/storage-config.ts';
import { resolveKeyMaterial } from './vault/key-material.ts';
import { VaultCipher } from './vault/vault-cipher.ts';
import { Pseudonymizer } from './pseudonymization/pseudonymizer.ts';
import { IngestService } from './ingest/ingest-service.ts';
import { prepareBatch } from './ingest/prepare-batch.ts';
import { PreparePool } from './ingest/prepare-pool.ts';
import { ConsentRegistry } from './consent/consent-registry.ts';
import { CallerPseudonyms } from './subjects/caller-pseudonyms.ts';
import { PartnerScope } from './pseudonymization/partner-scope.ts';
import { SubjectService } from './subjects/subject-service.ts';
import { JobQueue } from './segmentation/job-queue.ts';
import { SegmentationService } from './segmentation/segmentation-service.ts';
import { AuditLog } from './audit/audit-log.ts';
import { AuditSink } from './audit/sink/audit-sink.ts';
import { headFileAt } from './audit/audit-head.ts';
import { VaultReader } from './vault/vault-reader.ts';
import { ReidentificationService } from './reidentification/reidentification-service.ts';
import { DsrService } from './dsr/dsr-service.ts';

/** The job worker's entry: it opens its own storage from the config it is booted with. */
/** About 300 customer records: smaller bodies are prepared inline. */
const PREPARE_POOL_MIN_BYTES = 128 * 1024;
const JOB_WORKER = new URL('./workers/segmentation-boot.mjs', import.meta.url);

/** Where storage is, as workers need it. */
export const storageConfigOf = (config: Readonly<Config>): StorageConfig => ({
  dataDir: config.dataDir,
  busyTimeoutMs: config.dbBusyTimeoutMs,
  ...(config.database && { database: config.database }),
});

export async function buildServices(
  config: Readonly<Config>,
  policies: PolicySet,
  storage: Storage,
  clock: () => number,
  logger: Logger = createLogger({ level: config.logLevel }),
) {
  const keys = resolveKeyMaterial(config);
  const cipher = new VaultCipher(keys.master);
  const pseudonymizer = new Pseudonymizer(keys.pseudonym, keys.pseudonymVersion);
  // Each sealed checkpoint is also a log line: a copy of the head outside the data directory.
  // Committed entries are forwarded to the configured log sink, off the request path.
  const auditSink = config.auditSink ? new AuditSink(config.auditSink, logger) : undefined;
  const audit = new AuditLog(
    storage,
    keys.audit,
    headFileAt(config.auditHeadFile),
    () => policies.version,
    clock,
    (head) => logger.info({ audit_checkpoint: head }, 'audit checkpoint'),
    auditSink && ((e) => auditSink.enqueue(e)),
  );
  const consents = new ConsentRegistry(policies.purposes, clock);
  const purposes = new Set(policies.purposes.keys());
  const prepareDeps = { dictionary: policies.dictionary, pseudonymizer, cipher, purposes };
  const preparePool = new PreparePool(
    { dictionary: policies.dictionary, purposes: [...purposes], pseudonymKey: keys.pseudonym, pseudonymVersion: keys.pseudonymVersion, masterKey: keys.master },
    (input) => prepareBatch(prepareDeps, input),
    {
      threads: config.ingestThreads,
      minBytes: PREPARE_POOL_MIN_BYTES,
      onBootFailure: (e) => logger.error({ err: e }, 'ingest preparation threads failed to start: batches are prepared inline'),
    },
  );
  const ingest = new IngestService({
    preparer: preparePool.prepare,
    storage,
    dictionary: policies.dictionary,
    consents,
    audit,
    purposes,
    sources: policies.sources,
    pseudonymizer,
    cipher,
    clock,
  });
  const pseudonyms = new CallerPseudonyms(new PartnerScope(keys.pseudonym), policies.access);
  const subjects = new SubjectService({ storage, access: policies.access, consents, pseudonyms, audit, clock });
  const queue = new JobQueue(
    storage.runs,
    logger,
    { url: JOB_WORKER, boot: { storage: storageConfigOf(config), threads: config.segmentationThreads } },
    {
      timeoutMs: config.jobTimeoutMs,
      leaseMs: config.jobLeaseMs,
      pollMs: config.jobPollMs,
    },
  );
  const segmentations = new SegmentationService({
    storage,
    queue,
    access: policies.access,
    dictionary: policies.dictionary,
    consents,
    pseudonyms,
    clock,
    audit,
    limits: { ruleTerms: config.maxRuleTerms, jobsPerCaller: config.maxJobsPerCaller },
  });
  const vault = new VaultReader(cipher);
  const reid = new ReidentificationService({ storage, vault, access: policies.access, consents, audit, clock });
  const dsr = new DsrService({
    storage,
    vault,
    consents,
    audit,
    pseudonymizer,
    dictionary: policies.dictionary,
    access: policies.access,
    clock,
    onOldCopiesKept: () =>
      logger.warn(
        { step: storage.maintenance.erasureStep },
        'dsr erasure: old copies of the erased subject could not all be removed within 10 s (a long reader holds them); the next erasure or an operator removes them',
      ),
  });
  const rekeyed = await dsr.rekeyLegacySuppressions();
  if (rekeyed > 0) logger.info({ suppressions: rekeyed }, 'suppression entries re-keyed in their own hash domain');
  return { ingest, preparePool, consents, keys, subjects, pseudonyms, segmentations, queue, audit, auditSink, reid, dsr };
}
