// The access package of a data subject: everything held on them, built from what was gathered
// inside the audited transaction (decryption happens after its commit).
import type { AuditEntry } from '../audit/audit-entry.ts';
import type { ConsentRecord } from '../consent/consent-store.ts';
import { DAY_MS } from '../ingest/field-value.ts';
import { deriveFeatures, type FeatureRow } from '../subjects/derive-features.ts';
import type { SealedIdentity } from '../vault/vault-reader.ts';
import type { DsrStore, Membership } from './dsr-store.ts';

type TransactionOf = Awaited<ReturnType<DsrStore['transactionsOf']>>;

export interface Gathered {
  sealed: SealedIdentity;
  features: FeatureRow | undefined;
  transactions: TransactionOf;
  consents: ConsentRecord[];
  memberships: Membership[];
  exports: AuditEntry[];
  reidentifications: AuditEntry[];
}

const iso = (t: number) => new Date(t).toISOString();

/** The fields of a sealed identity that are held (names only: they are the ciphertext's AAD). */
export const heldFields = (s: SealedIdentity): string[] => (s.row?.fields ? s.row.fields.split(',') : []);

export function accessPackage(pseudonym: string, g: Gathered, identity: Record<string, string>, now: number): Record<string, unknown> {
  const meta = g.sealed.row ? (JSON.parse(g.sealed.row.fieldMeta) as Record<string, [string, number]>) : {};
  return {
    pseudonym,
    identity,
    identity_sources: Object.fromEntries(Object.entries(meta).map(([f, [source, at]]) => [f, { source, updated_at: iso(at) }])),
    features: g.features ? deriveFeatures(g.features, Math.floor(now / DAY_MS)) : null,
    transactions: g.transactions.map((t) => ({ ...t, date: iso(t.day * DAY_MS).slice(0, 10), day: undefined })),
    consent_history: g.consents.map((c) => ({
      purpose: c.purpose,
      status: c.status,
      legal_basis: c.legalBasis,
      source: c.source,
      collected_at: iso(c.collectedAt),
      expires_at: c.expiresAt === null ? null : iso(c.expiresAt),
      notice_version: c.noticeVersion,
    })),
    segment_memberships: g.memberships.map((m) => ({ run_id: m.runId, segment_id: m.segmentId, purpose: m.purpose, method: m.method, at: iso(m.createdAt) })),
    partner_exports: g.exports.map((e) => ({ at: iso(e.at), partner: e.actorIssuer, purpose: e.purpose, detail: JSON.parse(e.detail) })),
    reidentifications: g.reidentifications.map((e) => ({
      at: iso(e.at),
      who: `${e.actorIssuer}:${e.actorSubject}`,
      action: e.action,
      outcome: e.outcome,
      purpose: e.purpose,
      why: e.justification,
    })),
  };
}
