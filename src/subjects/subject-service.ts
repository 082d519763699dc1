// Reads one subject under a purpose: consent first, then only the features the caller may see.
import { AppError } from '../errors/app-error.ts';
import type { AccessPolicy, Caller } from '../policy/access-policy.ts';
import type { ConsentRegistry, ConsentWrite } from '../consent/consent-registry.ts';
import type { ConsentStatus, Coverage } from '../consent/coverage.ts';
import { consentExpiry } from '../consent/coverage.ts';
import { DAY_MS } from '../ingest/field-value.ts';
import type { CallerPseudonyms } from './caller-pseudonyms.ts';
import { deriveFeatures, pickFeatures, type FeatureValues } from './derive-features.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import { actorFields, type AuditActor } from '../audit/audit-actor.ts';
import { PSEUDONYM_PATTERN } from '../pseudonymization/pseudonymizer.ts';
import { SCOPED_PATTERN } from '../pseudonymization/partner-scope.ts';
import type { Storage } from '../storage/storage.ts';

export interface SubjectView {
  pseudonym: string;
  purpose: string;
  legal_basis: string;
  features: FeatureValues;
  policy_version: string;
}

const notFound = () => new AppError('request.not_found', 'No such subject for this purpose.');

export class SubjectService {
  constructor(
    private readonly deps: {
      storage: Storage;
      access: AccessPolicy;
      consents: ConsentRegistry;
      pseudonyms: CallerPseudonyms;
      audit: AuditLog;
      clock: () => number;
    },
  ) {}

  /** Throws 422 for an unknown purpose and 403 for one the caller's roles may not invoke. */
  assertPurpose(caller: Caller, purpose: string): void {
    this.deps.consents.purpose(purpose);
    if (!this.deps.access.callerPrivilege(caller).purposes.has(purpose)) {
      throw new AppError('auth.forbidden', `The token's roles may not invoke the purpose ${purpose}.`);
    }
  }

  async read(caller: Caller, actor: AuditActor, presented: string, purpose: string): Promise<{ view: SubjectView; pseudonym: string }> {
    this.assertPurpose(caller, purpose);
    const { storage } = this.deps;
    const pseudonym = this.deps.pseudonyms.inbound(caller, presented);
    const row = pseudonym ? await storage.subjects.features(pseudonym) : undefined;
    const deny = async (reason: string) => {
      // Only a well-formed pseudonym is recorded: a path segment may hold whatever was typed.
      const named = pseudonym ?? (PSEUDONYM_PATTERN.test(presented) || SCOPED_PATTERN.test(presented) ? presented : undefined);
      await this.deps.audit.append({
        ...actorFields(actor),
        action: 'subject.read',
        outcome: 'denied',
        purpose,
        subjects: named ? [named] : [],
        detail: { reason },
      });
      return notFound();
    };
    // Missing, unconsented and erased answer alike, so existence is never revealed.
    if (!pseudonym || !row) throw await deny('not_found');
    const now = this.deps.clock();
    const cover = await this.deps.consents.covers(storage, pseudonym, purpose, now);
    if (!cover.covered) throw await deny(cover.reason);
    const visible = this.deps.access.allowedFeatures(caller, purpose, 'see');
    const all = deriveFeatures(row, Math.floor(now / DAY_MS));
    await this.deps.audit.append({
      ...actorFields(actor),
      action: 'subject.read',
      outcome: 'granted',
      purpose,
      subjects: [pseudonym],
      detail: { legal_basis: cover.basis, features: visible },
    });
    return {
      pseudonym,
      view: {
        pseudonym: presented,
        purpose,
        legal_basis: cover.basis,
        features: pickFeatures(all, visible),
        policy_version: this.deps.access.version(),
      },
    };
  }

  /** The DPO's view: history, and per purpose the current state and coverage. */
  async consents(actor: AuditActor, presented: string) {
    const { storage } = this.deps;
    const row = await storage.subjects.features(presented);
    if (!row) throw notFound();
    await this.deps.audit.append({ ...actorFields(actor), action: 'consent.read', outcome: 'granted', subjects: [presented] });
    const now = this.deps.clock();
    const history = await this.deps.consents.history(storage, presented);
    const purposes = Object.fromEntries(
      await Promise.all(
        [...this.deps.consents.purposes.values()].map(async (p) => {
          const c = await this.deps.consents.covers(storage, presented, p.name, now);
          const last = [...history].reverse().find((h) => h.purpose === p.name);
          return [
            p.name,
            {
              basis: c.basis,
              covered: c.covered,
              reason: c.reason,
              ...(last && { status: last.status, expires_at: new Date(consentExpiry(p, last)).toISOString() }),
            },
          ] as const;
        }),
      ),
    );
    return {
      pseudonym: presented,
      current: purposes,
      history: history.map((h) => ({
        id: h.id,
        purpose: h.purpose,
        status: h.status,
        legal_basis: h.legalBasis,
        source: h.source,
        collected_at: new Date(h.collectedAt).toISOString(),
        expires_at: h.expiresAt === null ? null : new Date(h.expiresAt).toISOString(),
        notice_version: h.noticeVersion,
        recorded_at: new Date(h.recordedAt).toISOString(),
        recorded_by: h.recordedBy,
      })),
    };
  }

  async recordConsent(
    actor: AuditActor,
    presented: string,
    input: {
      purpose: string;
      status: ConsentStatus;
      legal_basis?: string | undefined;
      collected_at?: string | undefined;
      expires_at?: string | undefined;
      notice_version?: string | undefined;
    },
  ): Promise<{ id: number; effective: boolean; reason: ConsentWrite['reason']; expires_at: string | null; coverage: Pick<Coverage, 'covered' | 'reason'> }> {
    const { storage } = this.deps;
    if (!(await storage.subjects.features(presented))) throw notFound();
    // an unknown purpose is a 422 before anything is written or audited
    this.deps.consents.purpose(input.purpose);
    const now = this.deps.clock();
    const collectedAt = input.collected_at ? Date.parse(input.collected_at) : now;
    const expiresAt = input.expires_at ? Date.parse(input.expires_at) : null;
    if (collectedAt > now)
      throw new AppError('request.validation_failed', 'collected_at is in the future.', {
        errors: [{ path: 'collected_at', code: 'range', message: 'must not be in the future' }],
      });
    if (expiresAt !== null && expiresAt <= collectedAt)
      throw new AppError('request.validation_failed', 'expires_at must follow collected_at.', {
        errors: [{ path: 'expires_at', code: 'range', message: 'must be after collected_at' }],
      });
    const write = await storage.transaction(async (tx) => {
      const w = await this.deps.consents.record(tx, {
        pseudonym: presented,
        purpose: input.purpose,
        status: input.status,
        legalBasis: input.legal_basis ?? 'consent',
        source: 'dpo',
        collectedAt,
        expiresAt,
        noticeVersion: input.notice_version ?? null,
        recordedAt: now,
        recordedBy: `${actor.issuer}:${actor.subject}`,
      });
      await this.deps.audit.append(
        {
          ...actorFields(actor),
          action: 'consent.change',
          outcome: 'ok',
          purpose: input.purpose,
          subjects: [presented],
          detail: { status: input.status, record_id: w.id, effective: w.effective, reason: w.reason, expires_capped: w.expiresCapped },
        },
        tx,
      );
      return w;
    });
    // The caller is told whether the record took effect: a 201 alone would not say that a
    // withdrawal dated before a later grant changed nothing.
    const cover = await this.deps.consents.covers(storage, presented, input.purpose, now);
    return {
      id: write.id!,
      effective: write.effective,
      reason: write.reason,
      expires_at: write.expiresAt === null ? null : new Date(write.expiresAt).toISOString(),
      coverage: { covered: cover.covered, reason: cover.reason },
    };
  }
}
