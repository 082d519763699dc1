// Turning pseudonyms back into identities: role, purpose, justification, quota, field rules,
// optional four-eyes approval; every request, decision and delivery is one audit entry.
import crypto from 'node:crypto';
import { AppError } from '../errors/app-error.ts';
import type { AccessPolicy, Caller } from '../policy/access-policy.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import { actorFields, type AuditActor } from '../audit/audit-actor.ts';
import type { ConsentRegistry } from '../consent/consent-registry.ts';
import { PSEUDONYM_PATTERN } from '../pseudonymization/pseudonymizer.ts';
import type { VaultReader, SealedIdentity } from '../vault/vault-reader.ts';
import { VaultKeyError } from '../vault/vault-cipher.ts';
import type { ReidRequest, RequestStatus } from './reidentification-store.ts';
import { DAY_MS } from '../ingest/field-value.ts';
import type { Ports, Storage } from '../storage/storage.ts';

export interface ReidInput {
  pseudonyms: string[];
  fields: string[];
  purpose: string;
  justification?: string | undefined;
}

export interface ReidResult {
  pseudonym: string;
  status: 'found' | 'not_found' | 'erased' | 'no_consent' | 'unreadable';
  fields?: Record<string, string>;
}

/** Which requests a listing shows: those waiting for a second DPO, or those decided (or granted at once). */
export type ReidListStatus = 'pending_approval' | 'decided';

export interface ReidListInput {
  status?: ReidListStatus | undefined;
  /** Only the caller's own requests. */
  mine: boolean;
  /** Whether the caller may see everyone's requests (an approver); otherwise only their own. */
  everyone: boolean;
  cursor?: string | undefined;
  limit: number;
}

/** A listed request: pseudonyms, fields and the justification, never a revealed value. */
export interface ReidListing {
  id: string;
  requester: string;
  own: boolean;
  purpose: string;
  justification: string;
  pseudonyms: string[];
  /** Entries of the request that were no pseudonym (whatever was typed there is not shown). */
  not_pseudonyms: number;
  fields: string[];
  status: RequestStatus;
  decided_by: string | null;
  decided_at: string | null;
  delivered_at: string | null;
  created_at: string;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** `granted`: the fields are in the answer; `pending_approval`: a second DPO must approve first. */
export type ReidOutcome = { outcome: 'granted'; body: Record<string, unknown> } | { outcome: 'pending_approval'; body: Record<string, unknown> };

export class ReidentificationService {
  constructor(
    private readonly d: {
      storage: Storage;
      vault: VaultReader;
      access: AccessPolicy;
      consents: ConsentRegistry;
      audit: AuditLog;
      clock: () => number;
    },
  ) {}

  async request(caller: Caller, actor: AuditActor, input: ReidInput): Promise<ReidOutcome> {
    const { access, audit, storage } = this.d;
    const privilege = access.callerPrivilege(caller);
    const subjects = input.pseudonyms.filter((p) => PSEUDONYM_PATTERN.test(p));
    const refuse = async (err: AppError, reason: string): Promise<AppError> => {
      await audit.append({
        ...actorFields(actor),
        action: 'reidentification.request',
        outcome: 'denied',
        purpose: input.purpose,
        justification: input.justification ?? null,
        subjects,
        detail: { reason, fields: input.fields },
      });
      return err;
    };
    if (privilege.reidentifyPurposes.size === 0)
      throw await refuse(new AppError('auth.forbidden', "The token's roles have no re-identification right."), 'no_right');
    if (!this.d.consents.purposes.has(input.purpose)) {
      throw await refuse(
        new AppError('request.validation_failed', 'Unknown purpose.', { errors: [{ path: 'purpose', code: 'enum', message: 'not a purpose of the policy' }] }),
        'unknown_purpose',
      );
    }
    if (!privilege.reidentifyPurposes.has(input.purpose))
      throw await refuse(new AppError('auth.forbidden', `Re-identification is not allowed under ${input.purpose}.`), 'purpose_not_allowed');
    const justification = (input.justification ?? '').trim();
    if (justification.length < privilege.minJustification) {
      throw await refuse(
        new AppError('request.validation_failed', `A justification of at least ${privilege.minJustification} characters is required.`, {
          errors: [{ path: 'justification', code: 'too_short', message: `at least ${privilege.minJustification} characters` }],
        }),
        'justification_missing',
      );
    }
    for (const f of input.fields) {
      const category = access.fieldCategory(f);
      if (!category)
        throw await refuse(
          new AppError('request.validation_failed', `Unknown vault field ${f}.`, {
            errors: [{ path: 'fields', code: 'enum', message: `${f} is not a vault field` }],
          }),
          'unknown_field',
        );
      if (access.decide(caller, input.purpose, 'reidentify', category).decision !== 'ALLOW') {
        throw await refuse(new AppError('auth.forbidden', `The field ${f} may not be re-identified by this role under ${input.purpose}.`), 'field_forbidden');
      }
    }
    const now = this.d.clock();
    const dayStart = Math.floor(now / DAY_MS) * DAY_MS;
    const r: ReidRequest = {
      id: 'reid_' + crypto.randomUUID(),
      requester: `${actor.issuer}:${actor.subject}`,
      issuerId: actor.issuer,
      roles: [...caller.roles],
      purpose: input.purpose,
      justification,
      pseudonyms: input.pseudonyms,
      fields: input.fields,
      status: 'pending_approval',
      decidedBy: null,
      decidedAt: null,
      deliveredAt: null,
      createdAt: now,
    };
    const fourEyes = input.fields.some((f) => privilege.fourEyesFields.has(f));
    // Quota, decision, audit entry and ciphertext read commit together (the chain's lock also
    // serializes quota counts across instances); decryption comes after.
    const out = await storage.transaction(async (tx): Promise<{ quota: true } | { sealed?: (SealedIdentity & { covered: boolean })[] }> => {
      await tx.audit.lockChain();
      const used = await audit.reidentifiedSince(actor.issuer, actor.subject, dayStart, tx);
      if (used + input.pseudonyms.length > privilege.dailyQuota) return { quota: true };
      if (fourEyes) {
        await tx.reid.insert(r);
        await audit.append(
          {
            ...actorFields(actor),
            action: 'reidentification.request',
            outcome: 'pending',
            purpose: r.purpose,
            justification,
            subjects,
            detail: { request_id: r.id, fields: r.fields, four_eyes: true },
          },
          tx,
        );
        return {};
      }
      await tx.reid.insert({ ...r, status: 'delivered', deliveredAt: now });
      await audit.append(
        {
          ...actorFields(actor),
          action: 'reidentification.request',
          outcome: 'granted',
          purpose: r.purpose,
          justification,
          subjects,
          detail: { request_id: r.id, fields: r.fields },
        },
        tx,
      );
      return { sealed: await this.fetchAll(tx, r) };
    });
    if ('quota' in out) {
      throw await refuse(
        new AppError('request.rate_limited', `The daily re-identification quota (${privilege.dailyQuota} pseudonyms) is used up.`, {
          headers: { 'Retry-After': String(Math.ceil((dayStart + DAY_MS - now) / 1000)) },
        }),
        'quota_exceeded',
      );
    }
    if (!out.sealed) return { outcome: 'pending_approval', body: { id: r.id, status: 'pending_approval' } };
    return { outcome: 'granted', body: { id: r.id, status: 'granted', results: this.open(r, out.sealed) } };
  }

  async decide(actor: AuditActor, id: string, decision: 'approve' | 'deny'): Promise<{ id: string; status: string }> {
    const { storage, audit } = this.d;
    const r = await storage.reid.get(id);
    if (!r) throw new AppError('request.not_found', 'No such re-identification request.');
    const me = `${actor.issuer}:${actor.subject}`;
    if (me === r.requester) {
      await audit.append({
        ...actorFields(actor),
        action: `reidentification.${decision}`,
        outcome: 'denied',
        purpose: r.purpose,
        subjects: r.pseudonyms,
        detail: { request_id: id, reason: 'own_request' },
      });
      throw new AppError('auth.forbidden', 'A request cannot be decided by the person who made it.');
    }
    if (r.status !== 'pending_approval') throw new AppError('request.conflict', `The request is already ${r.status}.`);
    const status = decision === 'approve' ? 'approved' : 'denied';
    await storage.transaction(async (tx) => {
      // the status read above may be stale (another instance): the write itself decides
      if (!(await tx.reid.setStatus(id, status, me, this.d.clock()))) throw new AppError('request.conflict', 'The request was decided meanwhile.');
      await audit.append(
        {
          ...actorFields(actor),
          action: `reidentification.${decision}`,
          outcome: 'ok',
          purpose: r.purpose,
          subjects: r.pseudonyms,
          detail: { request_id: id },
        },
        tx,
      );
    });
    return { id, status };
  }

  /**
   * A page of requests, newest first: an approver's queue and history, or a requester's own.
   * Reading it is an audited access (pseudonyms and justifications), like reading the log.
   */
  async list(actor: AuditActor, q: ReidListInput): Promise<{ requests: ReidListing[]; next_cursor: string | null }> {
    const me = `${actor.issuer}:${actor.subject}`;
    const mine = q.mine || !q.everyone;
    const cursor = q.cursor?.match(/^(\d{1,15})\.(.+)$/);
    const rows = await this.d.storage.reid.list({
      ...(q.status && { statuses: q.status === 'pending_approval' ? ['pending_approval'] : ['approved', 'denied', 'delivered'] }),
      ...(mine && { requester: me }),
      ...(cursor && { after: { createdAt: Number(cursor[1]), id: cursor[2]! } }),
      limit: q.limit,
    });
    await this.d.audit.append({
      ...actorFields(actor),
      action: 'reidentification.list',
      outcome: 'granted',
      detail: { status: q.status ?? null, mine, entries: rows.length },
    });
    const last = rows.length === q.limit ? rows[rows.length - 1]! : undefined;
    return {
      requests: rows.map((r) => ({
        id: r.id,
        requester: r.requester,
        own: r.requester === me,
        purpose: r.purpose,
        justification: r.justification,
        pseudonyms: r.pseudonyms.filter((p) => PSEUDONYM_PATTERN.test(p)),
        not_pseudonyms: r.pseudonyms.filter((p) => !PSEUDONYM_PATTERN.test(p)).length,
        fields: r.fields,
        status: r.status,
        decided_by: r.decidedBy,
        decided_at: iso(r.decidedAt),
        delivered_at: iso(r.deliveredAt),
        created_at: iso(r.createdAt)!,
      })),
      next_cursor: last ? `${last.createdAt}.${last.id}` : null,
    };
  }

  /**
   * The requester collects approved fields once (only when `deliver`: a HEAD must change
   * nothing); afterwards, and for anyone else, only the status.
   */
  async get(actor: AuditActor, id: string, opts: { deliver: boolean }): Promise<Record<string, unknown>> {
    const { storage, audit } = this.d;
    const r = await storage.reid.get(id);
    const me = `${actor.issuer}:${actor.subject}`;
    if (!r) throw new AppError('request.not_found', 'No such re-identification request.');
    const base = { id: r.id, status: r.status, purpose: r.purpose, fields: r.fields, created_at: new Date(r.createdAt).toISOString() };
    if (!opts.deliver || r.status !== 'approved' || me !== r.requester) return base;
    const sealed = await storage.transaction(async (tx) => {
      // delivered once: a concurrent collection (another instance) that won leaves this one nothing
      if (!(await tx.reid.setStatus(id, 'delivered', null, this.d.clock()))) return undefined;
      await audit.append(
        {
          ...actorFields(actor),
          action: 'reidentification.deliver',
          outcome: 'granted',
          purpose: r.purpose,
          justification: r.justification,
          subjects: r.pseudonyms.filter((p) => PSEUDONYM_PATTERN.test(p)),
          detail: { request_id: id, fields: r.fields },
        },
        tx,
      );
      return this.fetchAll(tx, r);
    });
    if (!sealed) return { ...base, status: 'delivered' };
    return { ...base, status: 'delivered', results: this.open(r, sealed) };
  }

  private async fetchAll(tx: Ports, r: ReidRequest): Promise<(SealedIdentity & { covered: boolean })[]> {
    const purpose = this.d.consents.purpose(r.purpose);
    // One after another: a unit of work holds one connection, and a connection runs one query at a time.
    const out: (SealedIdentity & { covered: boolean })[] = [];
    for (const p of r.pseudonyms) {
      const sealed = PSEUDONYM_PATTERN.test(p) ? await this.d.vault.fetch(tx, p) : { pseudonym: p, status: 'not_found' as const };
      // Under a consent-based purpose (marketing) only subjects whose consent covers it are revealed.
      const covered = purpose.basis !== 'consent' || (sealed.status === 'found' && (await this.d.consents.covers(tx, p, r.purpose)).covered);
      out.push({ ...sealed, covered });
    }
    return out;
  }

  private open(r: ReidRequest, sealed: (SealedIdentity & { covered: boolean })[]): ReidResult[] {
    return sealed.map((s) => {
      if (s.status !== 'found') return { pseudonym: s.pseudonym, status: s.status };
      if (!s.covered) return { pseudonym: s.pseudonym, status: 'no_consent' };
      try {
        return { pseudonym: s.pseudonym, status: 'found', fields: this.d.vault.open(s, r.fields) };
      } catch (e) {
        // a record bound to another subject (rows swapped in the database) or another master key
        if (e instanceof VaultKeyError) return { pseudonym: s.pseudonym, status: 'unreadable' };
        throw e;
      }
    });
  }
}
