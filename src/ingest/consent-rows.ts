// The consent side of ingest rows: which consent columns a customer row may carry (one per
// purpose, dated by the row's own collection time), and the summary every batch answers with,
// so a source is told which of its consent statements took effect and which did not.
import { CONSENT_COLUMN_PREFIX, type RecordTypeSpec } from '../policy/load-dictionary.ts';
import type { ConsentWrite } from '../consent/consent-registry.ts';
import { isAbsent, type Cell } from './field-value.ts';
import { rowError } from './ingest-errors.ts';
import type { RowError } from './record-validator.ts';

export const UNKNOWN_PURPOSE = 'unknown_purpose';
/** A consent column is echoed by name only when it looks like one; otherwise the row says this. */
const CONSENT_COLUMN = /^consent_[a-z0-9_]{1,64}$/;

export interface ConsentSummary {
  /** Records written. */
  recorded: number;
  /** Of those, the ones that are now the subject's state for their purpose. */
  effective: number;
  /** Statements repeating what is held: nothing written. */
  unchanged: number;
  /** Records whose expires_at went past the purpose's validity and was cut to it. */
  expires_capped: number;
  /** Recorded but not in effect: a record collected later decides, or a refusal stands. */
  not_effective: { row: number; purpose: string; reason: string }[];
}

export class ConsentTally {
  readonly summary: ConsentSummary = { recorded: 0, effective: 0, unchanged: 0, expires_capped: 0, not_effective: [] };

  add(row: number, purpose: string, w: Omit<ConsentWrite, 'id'>): void {
    const s = this.summary;
    if (w.reason === 'unchanged') {
      s.unchanged++;
      return;
    }
    s.recorded++;
    if (w.expiresCapped) s.expires_capped++;
    if (w.effective) s.effective++;
    else s.not_effective.push({ row, purpose, reason: w.reason });
  }
}

/**
 * Checks of a customer row that span fields: a consent column naming no purpose is an error
 * (the source believes it recorded something), and a row with a flag needs the time the source
 * collected it. Returns false when the row is refused.
 */
export function checkConsentColumns(
  spec: RecordTypeSpec,
  raw: Record<string, unknown>,
  values: Record<string, Cell> | undefined,
  row: number,
  errors: RowError[],
): boolean {
  let ok = true;
  for (const k of Object.keys(raw)) {
    if (!k.startsWith(CONSENT_COLUMN_PREFIX) || spec.fields.has(k) || isAbsent(raw[k])) continue;
    errors.push(rowError(row, CONSENT_COLUMN.test(k) ? k : '(consent column)', UNKNOWN_PURPOSE, 'names no purpose of purposes.yaml'));
    ok = false;
  }
  const time = spec.consentTimeField;
  if (values && time !== undefined && values[time] === undefined) {
    for (const f of spec.fields.values()) {
      if (f.consent_purpose === undefined || values[f.name] === undefined) continue;
      errors.push(rowError(row, time, 'required', 'is required when a consent flag is present (when the source collected it)'));
      return false;
    }
  }
  return ok;
}
