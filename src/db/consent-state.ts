// The consent state as both backends store it in the subject's row: JSON {purpose: [status,
// legal basis, collected at, expires at, record id]}. Positional, so a million rows' states stay
// small and the population read's coverage test reads array slots.
import type { ConsentRecordInput, ConsentStatePatch } from '../consent/consent-store.ts';
import type { ConsentStateRow, ConsentStatus } from '../consent/coverage.ts';

export type ConsentEntry = [status: ConsentStatus, legalBasis: string, collectedAt: number, expiresAt: number | null, recordId: number];

/** Slots of an entry, for SQL that reads them (JSON array indexes). */
export const SLOT = { status: 0, legalBasis: 1, collectedAt: 2, expiresAt: 3 } as const;

export const encodeConsentEntry = (r: Pick<ConsentRecordInput, 'status' | 'legalBasis' | 'collectedAt' | 'expiresAt'>, recordId: number): ConsentEntry => [
  r.status,
  r.legalBasis,
  r.collectedAt,
  r.expiresAt,
  recordId,
];

/** States a batch sets, as stored (see FeatureUpdate.consent). */
export const encodeConsentPatch = (patch: Record<string, ConsentStatePatch>): Record<string, ConsentEntry> =>
  Object.fromEntries(Object.entries(patch).map(([purpose, p]) => [purpose, encodeConsentEntry(p.state, p.recordId)]));

export function decodeConsentState(json: string | Record<string, ConsentEntry>): Map<string, ConsentStateRow> {
  const o = typeof json === 'string' ? (JSON.parse(json) as Record<string, ConsentEntry>) : json;
  return new Map(Object.entries(o).map(([purpose, [status, legalBasis, collectedAt, expiresAt]]) => [purpose, { status, legalBasis, collectedAt, expiresAt }]));
}
