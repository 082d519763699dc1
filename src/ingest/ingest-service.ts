// Validates, pseudonymizes and stores one batch of customers or transactions in one transaction.
import crypto from 'node:crypto';
import { AppError } from '../errors/app-error.ts';
import type { Dictionary, RecordTypeName } from '../policy/load-dictionary.ts';
import type { Pseudonymizer } from '../pseudonymization/pseudonymizer.ts';
import type { VaultCipher } from '../vault/vault-cipher.ts';
import { ConsentRegistry } from '../consent/consent-registry.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import { actorFields, type AuditActor } from '../audit/audit-actor.ts';
import type { ConsentStatus } from '../consent/coverage.ts';
import { epochDay, type Cell } from './field-value.ts';
import type { BehaviourDelta, IngestStore, VaultRow } from './ingest-store.ts';
import { compileValidator, type FieldTally, type RowError } from './record-validator.ts';
import { customerFeatures } from './customer-features.ts';
import { firstLinkageField, linkKeys, type LinkKey } from './linkage.ts';
import { NOT_AN_OBJECT } from './parse-records.ts';
import { ERASED_SUBJECT, LINKAGE_CONFLICT, LINKAGE_MISSING, UNKNOWN_SUBJECT, rowError } from './ingest-errors.ts';
import type { SourcePolicy, Writer } from '../policy/sources.ts';
import { CONSENT_COLUMN_PREFIX } from '../policy/load-dictionary.ts';
import { checkConsentColumns, ConsentTally, type ConsentSummary } from './consent-rows.ts';

export interface IngestRequest {
  source: string;
  recordType: RecordTypeName;
  rows: readonly Record<string, unknown>[];
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
  store: IngestStore;
  dictionary: Dictionary;
  pseudonymizer: Pseudonymizer;
  cipher: VaultCipher;
  consents: ConsentRegistry;
  purposes: ReadonlySet<string>;
  audit: AuditLog;
  sources: SourcePolicy;
  clock: () => number;
}

interface PendingVault {
  /** A subject first created by this batch: no consent state can exist for it yet. */
  fresh: boolean;
  dataKey: Buffer;
  wrappedKey: Buffer;
  keyId: string;
  record: Record<string, string>;
  meta: Record<string, [string, number]>;
}

const IDENTITY = new Set(['direct_identifier', 'quasi_identifier']);
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

  ingest(req: IngestRequest): IngestOutcome {
    const { store, dictionary } = this.deps;
    this.assertWriter(req);
    if (req.idempotencyKey) {
      const prior = store.findBatch(req.source, req.recordType, req.idempotencyKey);
      if (prior) return this.replay(prior, req.requestHash);
    }
    const now = this.deps.clock();
    const today = new Date(now).toISOString().slice(0, 10);
    const spec = dictionary.recordTypes[req.recordType];
    const tally = new Map<string, FieldTally>();
    const validate = compileValidator(spec, { region: dictionary.defaultRegion, today, nowIso: new Date(now).toISOString(), purposes: this.deps.purposes }, tally);
    const errors: RowError[] = [];
    const valid: { row: number; values: Record<string, Cell> }[] = [];
    const ignored = new Set<string>();
    const offset = req.rowOffset ?? 0;
    req.rows.forEach((raw, i) => {
      if ((raw as Record<symbol, unknown>)[NOT_AN_OBJECT]) {
        errors.push(rowError(offset + i + 1, '(row)', 'type', 'must be an object'));
        return;
      }
      // A row naming no dictionary field has data for keys (a CSV sent without its header line):
      // those names are values and must not be echoed in the answer, nor stored with it.
      const keys = Object.keys(raw);
      if (keys.some((k) => spec.fields.has(k))) for (const k of keys) if (!spec.fields.has(k) && !k.startsWith(CONSENT_COLUMN_PREFIX)) ignored.add(k);
      const values = validate(raw, offset + i + 1, errors);
      const consentsOk = req.recordType !== 'customers' || checkConsentColumns(spec, raw, values, offset + i + 1, errors);
      if (values && consentsOk) valid.push({ row: offset + i + 1, values });
    });
    if (req.atomic && errors.length > 0) throw this.refuseAtomic(req, errors);

    let outcome: IngestOutcome;
    try {
      outcome = this.commitBatch(req, valid, errors, tally, ignored, now, today);
    } catch (e) {
      // Linkage errors are only known inside the transaction; the refusal is audited after rollback.
      if (e instanceof AtomicLinkageRejection) throw this.refuseAtomic(req, errors);
      throw e;
    }
    return outcome;
  }

  private commitBatch(
    req: IngestRequest, valid: { row: number; values: Record<string, Cell> }[], errors: RowError[],
    tally: Map<string, FieldTally>, ignored: Set<string>, now: number, today: string,
  ): IngestOutcome {
    const { store } = this.deps;
    const batchId = crypto.randomUUID();
    return store.transaction(() => {
      const actor = `${req.auditActor.issuer}:${req.auditActor.subject}`;
      const consentTally = new ConsentTally();
      const applied = req.recordType === 'customers'
        ? this.applyCustomers(req.source, valid, errors, now, today, actor, consentTally)
        : req.recordType === 'transactions'
          ? this.applyTransactions(req.source, batchId, valid, errors, now)
          : this.applyConsents(req.source, valid, errors, now, actor, consentTally);
      if (req.atomic && errors.length > 0) throw new AtomicLinkageRejection();
      errors.sort((a, b) => a.row - b.row);
      const rejectedRows = new Set(errors.map((e) => e.row));
      const result: IngestResult = {
        batch_id: batchId,
        accepted: req.rows.length - rejectedRows.size,
        rejected: rejectedRows.size,
        duplicates: applied.duplicates,
        errors,
        ignored_fields: [...ignored].filter((k) => ECHOABLE_NAME.test(k)).sort(),
        ignored_unlisted: [...ignored].filter((k) => !ECHOABLE_NAME.test(k)).length,
        ...(req.recordType !== 'transactions' && { consents: consentTally.summary }),
      };
      const rejectedByRule: Record<string, number> = {};
      for (const e of errors) rejectedByRule[e.code] = (rejectedByRule[e.code] ?? 0) + 1;
      store.addQuality({
        source: req.source, recordType: req.recordType, fields: tally, rows: req.rows.length,
        accepted: result.accepted, rejected: result.rejected, duplicates: applied.duplicates, rejectedByRule, at: now,
      });
      store.insertBatch({
        batchId, source: req.source, recordType: req.recordType, idempotencyKey: req.idempotencyKey ?? null,
        requestHash: req.requestHash, accepted: result.accepted, rejected: result.rejected,
        response: JSON.stringify(result), actor, createdAt: now,
      });
      // Same transaction as the batch: the data and its audit entry commit together or not at all.
      this.deps.audit.append({
        ...actorFields(req.auditActor), action: `ingest.${req.recordType}`, outcome: 'ok',
        detail: { batch_id: batchId, source: req.source, rows: req.rows.length, accepted: result.accepted, rejected: result.rejected, duplicates: applied.duplicates, subjects: applied.subjects.length },
      });
      return { result, replayed: false, subjects: applied.subjects };
    });
  }

  /**
   * The source must be declared, and the token one of its writers; a refusal is audited. The HTTP
   * edge calls it before reading the body, so a refused writer costs no parsing.
   */
  assertWriter(req: Pick<IngestRequest, 'source' | 'recordType' | 'writer' | 'auditActor'>): void {
    const decision = req.writer ? this.deps.sources.decide(req.writer, req.source) : this.deps.sources.has(req.source) ? 'allowed' : 'unknown_source';
    if (decision === 'allowed') return;
    this.deps.audit.append({
      ...actorFields(req.auditActor), action: `ingest.${req.recordType}`, outcome: 'denied',
      detail: { source: req.source, reason: decision },
    });
    throw new AppError('auth.forbidden', decision === 'unknown_source'
      ? `The source ${req.source} is not declared in sources.yaml.`
      : `This token may not write as the source ${req.source}.`);
  }

  private refuseAtomic(req: IngestRequest, errors: RowError[]): AppError {
    this.deps.audit.append({
      ...actorFields(req.auditActor), action: `ingest.${req.recordType}`, outcome: 'denied',
      detail: { source: req.source, rows: req.rows.length, reason: 'atomic_batch_invalid', errors: errors.length },
    });
    return atomicRejection(errors);
  }

  private replay(prior: { requestHash: string; response: string }, requestHash: string): IngestOutcome {
    if (prior.requestHash !== requestHash) {
      throw new AppError('ingest.idempotency_key_reused', 'This Idempotency-Key was already used with a different body.');
    }
    return { result: JSON.parse(prior.response) as IngestResult, replayed: true, subjects: [] };
  }

  private applyCustomers(
    source: string,
    rows: { row: number; values: Record<string, Cell> }[],
    errors: RowError[],
    now: number,
    today: string,
    actor: string,
    consentTally: ConsentTally,
  ): { duplicates: number; subjects: string[] } {
    const { store, dictionary, pseudonymizer, cipher } = this.deps;
    const spec = dictionary.recordTypes.customers;
    const timeField = spec.consentTimeField;
    const links = new Map<string, string>();
    const pending = new Map<string, PendingVault>();
    const erased = new Set<string>();
    // Most stores have never erased anyone: one query per batch instead of one per key.
    const anySuppressed = store.hasSuppressions();
    const consentFlags = [...spec.fields.values()].filter((f) => f.consent_purpose).map((f) => [f.name, f.consent_purpose!] as const);
    let duplicates = 0;
    for (const { row, values } of rows) {
      const keys = linkKeys(dictionary, pseudonymizer, source, values);
      if (keys.length === 0) {
        errors.push(rowError(row, firstLinkageField(dictionary), LINKAGE_MISSING, 'no linkage key is present'));
        continue;
      }
      if (typeof values['phone'] === 'string') keys.push({ kind: 'phone', hash: pseudonymizer.keyHash('phone', values['phone']), field: 'phone' });
      const suppressed = anySuppressed ? keys.find((k) => store.isSuppressed(pseudonymizer.suppressionKey(k.hash))) : undefined;
      if (suppressed) {
        errors.push(rowError(row, suppressed.field, ERASED_SUBJECT, 'this subject was erased and may not be ingested again'));
        continue;
      }
      // Every identity key must lead to the same subject. Were the first one to win, the row would
      // re-point the other key to it, and the subject that key named would be left unreachable
      // by it (a later erasure by that identifier would miss the data held under it).
      let pseudonym: string | undefined;
      let conflict: LinkKey | undefined;
      for (const k of keys) {
        if (k.kind === 'phone') continue;
        const found = links.get(k.hash) ?? store.findLink(k.hash);
        if (found === undefined) continue;
        if (pseudonym === undefined) pseudonym = found;
        else if (found !== pseudonym) { conflict = k; break; }
      }
      if (conflict) {
        errors.push(rowError(row, conflict.field, LINKAGE_CONFLICT, 'the linkage keys of this row belong to two different subjects, which are not merged'));
        continue;
      }
      pseudonym ??= keys[0]!.hash;

      let vault = pending.get(pseudonym);
      if (vault) duplicates++;
      else {
        const stored = erased.has(pseudonym) ? undefined : store.getVault(pseudonym);
        if (stored && stored.wrappedKey === null) erased.add(pseudonym);
        if (erased.has(pseudonym)) {
          errors.push(rowError(row, keys[0]!.field, ERASED_SUBJECT, 'this subject was erased and may not be ingested again'));
          continue;
        }
        vault = stored ? this.openVault(pseudonym, stored) : this.newVault(pseudonym);
        pending.set(pseudonym, vault);
      }
      for (const rule of spec.fields.values()) {
        const v = values[rule.name];
        if (v === undefined || !IDENTITY.has(rule.classification)) continue;
        vault.record[rule.name] = String(v);
        vault.meta[rule.name] = [source, now];
      }
      const { columns, features } = customerFeatures(spec, values, today);
      store.upsertFeatures({
        pseudonym, keyVersion: pseudonymizer.version, values: columns, now,
        provenance: Object.fromEntries(features.map((f) => [f, [source, now] as [string, number]])),
      });
      for (const k of keys) {
        if (links.get(k.hash) === pseudonym) continue;
        store.putLink(k.hash, k.kind, pseudonym, now);
        links.set(k.hash, pseudonym);
      }
      for (const [field, purpose] of consentFlags) {
        const v = values[field];
        if (typeof v !== 'boolean') continue;
        // when the source collected it (checked present with the row), never when it arrived here
        const collectedAt = Date.parse(String(values[timeField!]));
        const record = {
          pseudonym, purpose, status: ConsentRegistry.statusOfFlag(v), legalBasis: 'consent', source,
          collectedAt, expiresAt: null, noticeVersion: null, recordedAt: now, recordedBy: actor,
        };
        // A subject created by this very row has no state to compare with: skip the lookups.
        consentTally.add(row, purpose, this.deps.consents.recordFlag(record, vault.fresh));
      }
      vault.fresh = false;
    }
    for (const [pseudonym, v] of pending) {
      const { ciphertext, fields } = cipher.encryptRecord(v.dataKey, pseudonym, v.record);
      store.putVault(pseudonym, { keyId: v.keyId, wrappedKey: v.wrappedKey, ciphertext, fields, fieldMeta: JSON.stringify(v.meta) }, now);
      v.dataKey.fill(0);
    }
    return { duplicates, subjects: [...pending.keys()] };
  }

  private newVault(pseudonym: string): PendingVault {
    const { cipher } = this.deps;
    const dataKey = cipher.newDataKey();
    return { fresh: true, dataKey, wrappedKey: cipher.wrap(dataKey, pseudonym), keyId: cipher.keyId, record: {}, meta: {} };
  }

  private openVault(pseudonym: string, stored: VaultRow): PendingVault {
    const { cipher } = this.deps;
    const dataKey = cipher.unwrap(stored.wrappedKey!, pseudonym, stored.keyId);
    const record = stored.ciphertext ? cipher.decryptRecord(dataKey, pseudonym, stored.fields, stored.ciphertext) : {};
    return { fresh: false, dataKey, wrappedKey: stored.wrappedKey!, keyId: stored.keyId, record, meta: JSON.parse(stored.fieldMeta) as PendingVault['meta'] };
  }

  /** The subject a transaction or consent row links to, by the dictionary's linkage order. */
  private resolveExisting(source: string, values: Record<string, Cell>, row: number, errors: RowError[], cache: Map<string, string | undefined>): string | undefined {
    const { store, dictionary, pseudonymizer } = this.deps;
    const keys = linkKeys(dictionary, pseudonymizer, source, values);
    if (keys.length === 0) {
      errors.push(rowError(row, firstLinkageField(dictionary), LINKAGE_MISSING, 'no linkage key is present'));
      return undefined;
    }
    for (const k of keys) {
      if (!cache.has(k.hash)) cache.set(k.hash, store.findLink(k.hash));
      const p = cache.get(k.hash);
      if (p) return p;
    }
    const erased = keys.find((k) => store.isSuppressed(pseudonymizer.suppressionKey(k.hash)));
    if (erased) errors.push(rowError(row, erased.field, ERASED_SUBJECT, 'this subject was erased and may not be ingested again'));
    else errors.push(rowError(row, keys[0]!.field, UNKNOWN_SUBJECT, 'no customer with this linkage key is known'));
    return undefined;
  }

  private applyConsents(
    source: string,
    rows: { row: number; values: Record<string, Cell> }[],
    errors: RowError[],
    now: number,
    actor: string,
    consentTally: ConsentTally,
  ): { duplicates: number; subjects: string[] } {
    const links = new Map<string, string | undefined>();
    const subjects = new Set<string>();
    for (const { row, values } of rows) {
      const pseudonym = this.resolveExisting(source, values, row, errors, links);
      if (!pseudonym) continue;
      const expires = values['expires_at'] === undefined ? null : Date.parse(String(values['expires_at']));
      const collected = Date.parse(String(values['collected_at']));
      if (expires !== null && expires <= collected) {
        errors.push(rowError(row, 'expires_at', 'range', 'must be after collected_at'));
        continue;
      }
      const purpose = String(values['purpose']);
      consentTally.add(row, purpose, this.deps.consents.recordOnce({
        pseudonym, purpose, status: String(values['status']) as ConsentStatus,
        legalBasis: values['legal_basis'] === undefined ? 'consent' : String(values['legal_basis']), source,
        collectedAt: collected, expiresAt: expires,
        noticeVersion: values['notice_version'] === undefined ? null : String(values['notice_version']),
        recordedAt: now, recordedBy: actor,
      }));
      subjects.add(pseudonym);
    }
    return { duplicates: 0, subjects: [...subjects] };
  }

  private applyTransactions(
    source: string,
    batchId: string,
    rows: { row: number; values: Record<string, Cell> }[],
    errors: RowError[],
    now: number,
  ): { duplicates: number; subjects: string[] } {
    const { store } = this.deps;
    const deltas = new Map<string, BehaviourDelta>();
    const links = new Map<string, string | undefined>();
    let duplicates = 0;
    for (const { row, values } of rows) {
      const pseudonym = this.resolveExisting(source, values, row, errors, links);
      if (!pseudonym) continue;
      const day = epochDay(String(values['date']));
      const amount = Number(values['amount']);
      const channel = String(values['channel']) as keyof BehaviourDelta['byChannel'];
      const inserted = store.insertTransaction({
        pseudonym, source, sourceTxnId: values['transaction_id'] === undefined ? null : String(values['transaction_id']),
        day, amount, currency: values['currency'] === undefined ? 'EUR' : String(values['currency']), channel,
        category: values['category'] === undefined ? null : String(values['category']), batchId,
      });
      if (!inserted) {
        duplicates++;
        continue;
      }
      const d = deltas.get(pseudonym) ?? { pseudonym, source, firstDay: day, lastDay: day, count: 0, amount: 0, byChannel: { web: 0, store: 0, phone: 0, app: 0 } };
      d.firstDay = Math.min(d.firstDay, day);
      d.lastDay = Math.max(d.lastDay, day);
      d.count++;
      d.amount += amount;
      d.byChannel[channel]++;
      deltas.set(pseudonym, d);
    }
    for (const d of deltas.values()) store.addBehaviour(d, now);
    return { duplicates, subjects: [...deltas.keys()] };
  }
}

class AtomicLinkageRejection extends Error {}

function atomicRejection(errors: RowError[]): AppError {
  return new AppError('request.validation_failed', 'The batch was rejected as a whole (atomic=true): some rows are invalid.', {
    errors: [...errors].sort((a, b) => a.row - b.row).map((e) => ({ path: e.field, ...e })),
  });
}
