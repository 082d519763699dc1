// The consent registry: append consent events, derive coverage of a purpose for a subject, and
// say of every write whether it took effect (a 201 alone would mislead: a backdated withdrawal
// behind a later grant is recorded and changes nothing).
import { AppError } from '../errors/app-error.ts';
import { DAY_MS } from '../ingest/field-value.ts';
import type { Purpose } from '../policy/access-policy.ts';
import type { ConsentRecordInput, ConsentStore } from './consent-store.ts';
import { consentExpiry, coverage, type ConsentStatus, type Coverage } from './coverage.ts';

/**
 * What a consent write did. `current`: it is now the subject's state for the purpose;
 * `later_record_decides`: a record collected after it does; `objection_stands`: a grant collected
 * at the same instant as the subject's refusal does not supersede it; `unchanged`: a repeated
 * flag or record, nothing was written.
 */
export interface ConsentWrite {
  id: number | null;
  effective: boolean;
  reason: 'current' | 'later_record_decides' | 'objection_stands' | 'unchanged';
  /** The expiry asked for went past the purpose's validity and was cut to it. */
  expiresCapped: boolean;
  /** The expiry stored (after the cap); null when the purpose's validity applies. */
  expiresAt: number | null;
}

const UNCHANGED: ConsentWrite = Object.freeze({ id: null, effective: false, reason: 'unchanged', expiresCapped: false, expiresAt: null });

export class ConsentRegistry {
  constructor(
    private readonly store: ConsentStore,
    readonly purposes: ReadonlyMap<string, Purpose>,
    private readonly clock: () => number,
  ) {}

  purpose(name: string): Purpose {
    const p = this.purposes.get(name);
    if (!p) {
      throw new AppError('request.validation_failed', 'Unknown purpose.', {
        errors: [{ path: 'purpose', code: 'enum', message: `must be one of: ${[...this.purposes.keys()].join(', ')}` }],
      });
    }
    return p;
  }

  /**
   * Appends a record. Its expiry is capped by the purpose's validity from its collection, so no
   * source (nor the DPO) can make a consent outlive what the purpose allows (`expires_at: 2099`).
   */
  record(r: ConsentRecordInput): ConsentWrite {
    const cap = r.collectedAt + this.purpose(r.purpose).consentValidityDays * DAY_MS;
    const expiresCapped = r.expiresAt !== null && r.expiresAt > cap;
    const expiresAt = expiresCapped ? cap : r.expiresAt;
    const { id, current } = this.store.append({ ...r, expiresAt });
    if (current) return { id, effective: true, reason: 'current', expiresCapped, expiresAt };
    const state = this.store.state(r.pseudonym, r.purpose);
    const reason = state && state.collectedAt > r.collectedAt ? 'later_record_decides' : 'objection_stands';
    return { id, effective: false, reason, expiresCapped, expiresAt };
  }

  /** A consent record a source may send again (a feed re-sent): written once, the repeat changes nothing. */
  recordOnce(r: ConsentRecordInput): ConsentWrite {
    return this.store.has(r) ? UNCHANGED : this.record(r);
  }

  /**
   * A consent flag, repeated on every customer row: nothing is written when it states what is
   * held, unless it is a grant collected after the held grant lapsed (a renewal). `fresh`: a
   * subject created by this very row has nothing held to compare with.
   */
  recordFlag(r: ConsentRecordInput, fresh: boolean): ConsentWrite {
    if (fresh) return this.record(r);
    const current = this.store.state(r.pseudonym, r.purpose);
    const renews = r.status === 'granted' && current !== undefined && consentExpiry(this.purpose(r.purpose), current) <= r.collectedAt;
    return (current?.status === r.status && !renews) ? UNCHANGED : this.recordOnce(r);
  }

  covers(pseudonym: string, purposeName: string, now = this.clock()): Coverage {
    return coverage(this.purpose(purposeName), this.store.state(pseudonym, purposeName), now);
  }

  history(pseudonym: string) {
    return this.store.history(pseudonym);
  }

  static statusOfFlag(v: boolean): ConsentStatus {
    return v ? 'granted' : 'denied';
  }
}
