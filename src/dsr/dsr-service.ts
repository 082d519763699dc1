// Data-subject rights: access (everything held on a person) and erasure (crypto-shredding,
// deletion, suppression of re-ingest), both found by an identifier and both audited.
import { AppError } from '../errors/app-error.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import { actorFields, type AuditActor } from '../audit/audit-actor.ts';
import type { ConsentRegistry } from '../consent/consent-registry.ts';
import { normalizers } from '../ingest/normalize.ts';
import type { Dictionary } from '../policy/load-dictionary.ts';
import type { Pseudonymizer } from '../pseudonymization/pseudonymizer.ts';
import { deriveFeatures } from '../subjects/derive-features.ts';
import { SHARED_LINK } from '../ingest/ingest-store.ts';
import type { SubjectStore } from '../subjects/subject-store.ts';
import type { VaultReader } from '../vault/vault-reader.ts';
import type { DsrStore } from './dsr-store.ts';
import { DAY_MS } from '../ingest/field-value.ts';

export interface Identifier { type: 'email' | 'phone' | 'customer_id'; value: string; source?: string | undefined }

const nothingHeld = () => new AppError('request.not_found', 'Nothing is held on this person.');
const iso = (t: number) => new Date(t).toISOString();

export class DsrService {
  constructor(private readonly d: {
    store: DsrStore; subjects: SubjectStore; vault: VaultReader; consents: ConsentRegistry; audit: AuditLog;
    pseudonymizer: Pseudonymizer; dictionary: Dictionary; clock: () => number;
    /** Told when an erasure's old frames could not be truncated out of the WAL (they go at its next reset). */
    onWalNotTruncated?: () => void;
  }) {}

  /** The keyed hash of the identifier as ingest computed it (same normalization). */
  private keyHash(id: Identifier): string {
    const region = { region: this.d.dictionary.defaultRegion };
    switch (id.type) {
      case 'email': return this.d.pseudonymizer.keyHash('email', normalizers['email']!(id.value, region)!);
      case 'phone': {
        const e164 = normalizers['phone_e164']!(id.value, region);
        if (!e164) throw new AppError('request.validation_failed', 'The phone number is not valid.', { errors: [{ path: 'identifier.value', code: 'format', message: 'must be a valid phone number' }] });
        return this.d.pseudonymizer.keyHash('phone', e164);
      }
      case 'customer_id':
        if (!id.source) throw new AppError('request.validation_failed', 'A customer_id is only unique within its source.', { errors: [{ path: 'identifier.source', code: 'required', message: 'is required for customer_id' }] });
        return this.d.pseudonymizer.keyHash('customer_id', id.source, id.value.trim());
    }
  }

  private resolve(actor: AuditActor, id: Identifier, action: string): string {
    const hash = this.keyHash(id);
    const pseudonym = this.d.store.findLink(hash);
    if (pseudonym === SHARED_LINK) {
      this.d.audit.append({ ...actorFields(actor), action, outcome: 'denied', detail: { reason: 'ambiguous', identifier_type: id.type } });
      throw new AppError('request.conflict', 'This identifier was sent for more than one person; use the email or the customer_id.');
    }
    if (!pseudonym) {
      this.d.audit.append({ ...actorFields(actor), action, outcome: 'denied', detail: { reason: this.d.store.isSuppressed(hash) ? 'erased' : 'not_found', identifier_type: id.type } });
      throw nothingHeld();
    }
    return pseudonym;
  }

  access(actor: AuditActor, id: Identifier): Record<string, unknown> {
    const pseudonym = this.resolve(actor, id, 'dsr.access');
    const now = this.d.clock();
    const gathered = this.d.audit.transaction(() => {
      this.d.audit.append({ ...actorFields(actor), action: 'dsr.access', outcome: 'granted', subjects: [pseudonym], detail: { identifier_type: id.type } });
      return {
        sealed: this.d.vault.fetch(pseudonym),
        features: this.d.subjects.features(pseudonym),
        transactions: this.d.store.transactionsOf(pseudonym),
        consents: this.d.consents.history(pseudonym),
        memberships: this.d.store.memberships(pseudonym),
        exports: this.d.audit.aboutSubject(pseudonym, ['segment.members.export']).filter((e) => JSON.parse(e.detail).partner_scoped === true),
        reidentifications: this.d.audit.aboutSubject(pseudonym, ['reidentification.request', 'reidentification.approve', 'reidentification.deny', 'reidentification.deliver']),
      };
    });
    const meta = gathered.sealed.row ? (JSON.parse(gathered.sealed.row.fieldMeta) as Record<string, [string, number]>) : {};
    return {
      pseudonym,
      identity: this.d.vault.open(gathered.sealed),
      identity_sources: Object.fromEntries(Object.entries(meta).map(([f, [source, at]]) => [f, { source, updated_at: iso(at) }])),
      features: gathered.features ? deriveFeatures(gathered.features, Math.floor(now / DAY_MS)) : null,
      transactions: gathered.transactions.map((t) => ({ ...t, date: iso(t.day * DAY_MS).slice(0, 10), day: undefined })),
      consent_history: gathered.consents.map((c) => ({ purpose: c.purpose, status: c.status, legal_basis: c.legalBasis, source: c.source, collected_at: iso(c.collectedAt), expires_at: c.expiresAt === null ? null : iso(c.expiresAt), notice_version: c.noticeVersion })),
      segment_memberships: gathered.memberships.map((m) => ({ run_id: m.runId, segment_id: m.segmentId, purpose: m.purpose, method: m.method, at: iso(m.createdAt) })),
      partner_exports: gathered.exports.map((e) => ({ at: iso(e.at), partner: e.actorIssuer, purpose: e.purpose, detail: JSON.parse(e.detail) })),
      reidentifications: gathered.reidentifications.map((e) => ({ at: iso(e.at), who: `${e.actorIssuer}:${e.actorSubject}`, action: e.action, outcome: e.outcome, purpose: e.purpose, why: e.justification })),
    };
  }

  erase(actor: AuditActor, id: Identifier): Record<string, unknown> {
    const pseudonym = this.resolve(actor, id, 'dsr.erasure');
    const at = this.d.clock();
    const counts = this.d.audit.transaction(() => {
      const c = this.d.store.erase(pseudonym, at, (counts) => JSON.stringify(counts));
      this.d.audit.append({ ...actorFields(actor), action: 'dsr.erasure', outcome: 'ok', subjects: [pseudonym], detail: { identifier_type: id.type, ...c } });
      return c;
    });
    if (!this.d.store.compact()) this.d.onWalNotTruncated?.();
    return {
      pseudonym,
      erased_at: iso(at),
      removed: {
        vault_data_key: counts.vaultKeyDestroyed ? 'destroyed' : 'absent',
        features: counts.features, transactions: counts.transactions, consent_records: counts.consents,
        segment_memberships: counts.memberships, linkage_keys: counts.links,
      },
      suppression: { linkage_keys: counts.links, effect: 'a later ingest of this person is refused row by row' },
      kept: { audit_log: 'entries name only the pseudonym, which no longer links to anyone' },
    };
  }
}
