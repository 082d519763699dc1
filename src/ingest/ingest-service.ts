// Validates, pseudonymizes and stores one batch of customers or transactions in one transaction.
import crypto from 'node:crypto';
import { AppError } from '../errors/app-error.ts';
import type { Dictionary, RecordTypeName } from '../policy/load-dictionary.ts';
import type { Pseudonymizer } from '../pseudonymization/pseudonymizer.ts';
import type { VaultCipher } from '../vault/vault-cipher.ts';
import { ConsentRegistry } from '../consent/consent-registry.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import { actorFields, type AuditActor } from '../audit/audit-actor.ts';
import { IdempotencyKeyTaken } from './ingest-store.ts';
import type { RowError } from './record-validator.ts';
import { prepareBatch, type BatchBody, type PrepareInput, type PreparedBatch } from './prepare-batch.ts';
import { applyCustomers } from './apply-customers.ts';
import { applyConsents, applyTransactions } from './apply-records.ts';
import type { Storage } from '../storage/storage.ts';
import type { SourcePolicy, Writer } from '../policy/sources.ts';
import { ConsentTally, type ConsentSummary } from './consent-rows.ts';

export interface IngestRequest {
  source: string;
  recordType: RecordTypeName;
  /** The records (the CLI parses its file in chunks), or the body to parse (HTTP): one of the two. */
  rows?: readonly Record<string, unknown>[];
  body?: BatchBody;
  /** Row number of rows[0] minus one (the CLI sends a file in chunks). */
  rowOffset?: number;
  atomic?: boolean;
  idempotencyKey?: string;
  /** Keyed fingerprint of the request body; an idempotency key replays only the same body. */
  requestHash: string;
  auditActor: AuditActor;
  /**
   * The token that writes (its issuer and subject), bound to the sources it may write; absent for
   * the operator's own `veilgate ingest`, which may write any declared source.
   */
  writer?: Writer;
}

export interface IngestResult {
  batch_id: string;
  accepted: number;
  rejected: number;
  duplicates: number;
  errors: RowError[];
  ignored_fields: string[];
  /** Ignored fields whose names do not look like field names, so are not echoed (see ECHOABLE_NAME). */
  ignored_unlisted: number;
  /** Customers and consents batches: what the consent statements did (a record can be written and not take effect). */
  consents?: ConsentSummary;
}

export interface IngestOutcome {
  result: IngestResult;
  replayed: boolean;
  /** Pseudonyms touched by the batch, for the audit log. */
  subjects: readonly string[];
}

export interface IngestDeps {
  storage: Storage;
  dictionary: Dictionary;
  pseudonymizer: Pseudonymizer;
  cipher: VaultCipher;
  consents: ConsentRegistry;
  purposes: ReadonlySet<string>;
  audit: AuditLog;
  sources: SourcePolicy;
  clock: () => number;
  /** Where batches are parsed, validated and prepared (a worker pool); absent: here, inline. */
  preparer?: (input: PrepareInput) => Promise<PreparedBatch>;
}

/**
 * An unknown key is echoed back (and stored with the batch's answer) only if it looks like a
 * field name: a client can put a value in a key (`{"jean.dupont@example.fr": true}`), and an
 * e-mail, phone number or free text must not reach the answer or the database that way.
 */
const ECHOABLE_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

export class IngestService {
  constructor(private readonly deps: IngestDeps) {}

  /** Keyed fingerprint of a body, for Idempotency-Key replays (see Pseudonymizer.fingerprint). */
  fingerprint(body: Uint8Array): string {
    return this.deps.pseudonymizer.fingerprint(body);
  }

  async ingest(req: IngestRequest): Promise<IngestOutcome> {
    const { storage } = this.deps;
    await this.assertWriter(req);
    if (req.idempotencyKey) {
      const prior = await storage.ingest.findBatch(req.source, req.recordType, req.idempotencyKey);
      if (prior) return this.replay(prior, req.requestHash);
    }
    const now = this.deps.clock();
    const input = {
      source: req.source,
      recordType: req.recordType,
      rowOffset: req.rowOffset ?? 0,
      now,
      speculate: false,
      ...(req.body ? { body: req.body } : { rows: req.rows ?? [] }),
    };
    const prepared = await (this.deps.preparer ?? ((i: PrepareInput) => Promise.resolve(prepareBatch(this.deps, i))))(input);
    const { errors } = prepared;
    if (req.atomic && errors.length > 0) throw await this.refuseAtomic(req, prepared.rowCount, errors);

    try {
      return await this.commitBatch(req, prepared, now);
    } catch (e) {
      // Linkage errors are only known inside the unit of work; the refusal is audited after rollback.
      if (e instanceof AtomicLinkageRejection) throw await this.refuseAtomic(req, prepared.rowCount, e.errors);
      // Another instance stored a batch under the same key meanwhile: its answer is the answer.
      if (e instanceof IdempotencyKeyTaken && req.idempotencyKey) {
        const prior = await storage.ingest.findBatch(req.source, req.recordType, req.idempotencyKey);
        if (prior) return this.replay(prior, req.requestHash);
      }
      throw e;
    }
  }

  private commitBatch(req: IngestRequest, prepared: PreparedBatch, now: number): Promise<IngestOutcome> {
    const { valid, tally, rowCount } = prepared;
    const ignored = new Set(prepared.ignored);
    const batchId = crypto.randomUUID();
    const actor = `${req.auditActor.issuer}:${req.auditActor.subject}`;
    // The unit may run again (a concurrent instance wrote the same subject first): everything it
    // accumulates starts afresh each time.
    return this.deps.storage.transaction(async (tx) => {
      const errors = [...prepared.errors];
      const consentTally = new ConsentTally();
      const applied =
        req.recordType === 'customers'
          ? await applyCustomers(this.deps, tx, { source: req.source, now, actor }, prepared.customers, errors, consentTally)
          : req.recordType === 'transactions'
            ? await applyTransactions(this.deps, tx, { source: req.source, batchId, now }, valid, errors)
            : await applyConsents(this.deps, tx, { source: req.source, now, actor }, valid, errors, consentTally);
      if (req.atomic && errors.length > 0) throw new AtomicLinkageRejection(errors);
      errors.sort((a, b) => a.row - b.row);
      const rejectedRows = new Set(errors.map((e) => e.row));
      const result: IngestResult = {
        batch_id: batchId,
        accepted: rowCount - rejectedRows.size,
        rejected: rejectedRows.size,
        duplicates: applied.duplicates,
        errors,
        ignored_fields: [...ignored].filter((k) => ECHOABLE_NAME.test(k)).sort(),
        ignored_unlisted: [...ignored].filter((k) => !ECHOABLE_NAME.test(k)).length,
        ...(req.recordType !== 'transactions' && { consents: consentTally.summary }),
      };
      const rejectedByRule: Record<string, number> = {};
      for (const e of errors) rejectedByRule[e.code] = (rejectedByRule[e.code] ?? 0) + 1;
      await tx.ingest.addQuality({
        source: req.source,
        recordType: req.recordType,
        fields: tally,
        rows: rowCount,
        accepted: result.accepted,
        rejected: result.rejected,
        duplicates: applied.duplicates,
        rejectedByRule,
        at: now,
      });
      await tx.ingest.insertBatch({
        batchId,
        source: req.source,
        recordType: req.recordType,
        idempotencyKey: req.idempotencyKey ?? null,
        requestHash: req.requestHash,
        accepted: result.accepted,
        rejected: result.rejected,
        response: JSON.stringify(result),
        actor,
        createdAt: now,
      });
      // Same unit of work as the batch: the data and its audit entry commit together or not at all.
      await this.deps.audit.append(
        {
          ...actorFields(req.auditActor),
          action: `ingest.${req.recordType}`,
          outcome: 'ok',
          detail: {
            batch_id: batchId,
            source: req.source,
            rows: rowCount,
            accepted: result.accepted,
            rejected: result.rejected,
            duplicates: applied.duplicates,
            subjects: applied.subjects.length,
          },
        },
        tx,
      );
      return { result, replayed: false, subjects: applied.subjects };
    });
  }

  /**
   * The source must be declared, and the token one of its writers; a refusal is audited. The HTTP
   * edge calls it before reading the body, so a refused writer costs no parsing.
   */
  async assertWriter(req: Pick<IngestRequest, 'source' | 'recordType' | 'writer' | 'auditActor'>): Promise<void> {
    const decision = req.writer ? this.deps.sources.decide(req.writer, req.source) : this.deps.sources.has(req.source) ? 'allowed' : 'unknown_source';
    if (decision === 'allowed') return;
    await this.deps.audit.append({
      ...actorFields(req.auditActor),
      action: `ingest.${req.recordType}`,
      outcome: 'denied',
      detail: { source: req.source, reason: decision },
    });
    throw new AppError(
      'auth.forbidden',
      decision === 'unknown_source' ? `The source ${req.source} is not declared in sources.yaml.` : `This token may not write as the source ${req.source}.`,
    );
  }

  private async refuseAtomic(req: IngestRequest, rows: number, errors: RowError[]): Promise<AppError> {
    await this.deps.audit.append({
      ...actorFields(req.auditActor),
      action: `ingest.${req.recordType}`,
      outcome: 'denied',
      detail: { source: req.source, rows, reason: 'atomic_batch_invalid', errors: errors.length },
    });
    return atomicRejection(errors);
  }

  private replay(prior: { requestHash: string; response: string }, requestHash: string): IngestOutcome {
    if (prior.requestHash !== requestHash) {
      throw new AppError('ingest.idempotency_key_reused', 'This Idempotency-Key was already used with a different body.');
    }
    return { result: JSON.parse(prior.response) as IngestResult, replayed: true, subjects: [] };
  }
}

class AtomicLinkageRejection extends Error {
  constructor(readonly errors: RowError[]) {
    super('atomic batch with invalid rows');
  }
}

function atomicRejection(errors: RowError[]): AppError {
  return new AppError('request.validation_failed', 'The batch was rejected as a whole (atomic=true): some rows are invalid.', {
    errors: [...errors].sort((a, b) => a.row - b.row).map((e) => ({ path: e.field, ...e })),
  });
}
