// Does a subject's current consent state cover a purpose? Pure: the basis decides the rule.
import type { Purpose } from '../policy/access-policy.ts';
import type { LegalBasis } from '../policy/schemas/purposes-schema.ts';
import { DAY_MS } from '../ingest/field-value.ts';

export type ConsentStatus = 'granted' | 'denied' | 'withdrawn';

export interface ConsentStateRow {
  status: ConsentStatus;
  legalBasis: string;
  collectedAt: number;
  expiresAt: number | null;
}

export interface Coverage {
  covered: boolean;
  basis: LegalBasis;
  reason: 'basis_covers_all' | 'no_objection' | 'objected' | 'consent_granted' | 'no_consent' | 'consent_refused' | 'consent_expired';
}

/**
 * Whether a record becomes the subject's state for its purpose over the held one: collected
 * later, or at the same instant unless it is a grant over a refusal (a subject's withdrawal or
 * objection is only superseded by a grant collected after it).
 */
export function supersedes(
  held: Pick<ConsentStateRow, 'status' | 'collectedAt'> | undefined,
  incoming: Pick<ConsentStateRow, 'status' | 'collectedAt'>,
): boolean {
  if (!held || incoming.collectedAt > held.collectedAt) return true;
  if (incoming.collectedAt < held.collectedAt) return false;
  return !(incoming.status === 'granted' && held.status !== 'granted');
}

/** When a consent stops counting: its own expiry, or the purpose's default validity. */
export const consentExpiry = (purpose: Purpose, s: ConsentStateRow): number => s.expiresAt ?? s.collectedAt + purpose.consentValidityDays * DAY_MS;

export function coverage(purpose: Purpose, state: ConsentStateRow | undefined, now: number): Coverage {
  const basis = purpose.basis;
  switch (basis) {
    case 'contract':
    case 'legal_obligation':
      return { covered: true, basis, reason: 'basis_covers_all' };
    case 'legitimate_interest':
      return state && state.status !== 'granted' ? { covered: false, basis, reason: 'objected' } : { covered: true, basis, reason: 'no_objection' };
    case 'consent':
      if (!state) return { covered: false, basis, reason: 'no_consent' };
      if (state.status !== 'granted') return { covered: false, basis, reason: 'consent_refused' };
      if (consentExpiry(purpose, state) <= now) return { covered: false, basis, reason: 'consent_expired' };
      return { covered: true, basis, reason: 'consent_granted' };
  }
}
