// The consent registry: append consent events, derive coverage of a purpose for a subject.
import { AppError } from '../errors/app-error.ts';
import type { Purpose } from '../policy/access-policy.ts';
import type { ConsentRecordInput, ConsentStore } from './consent-store.ts';
import { consentExpiry, coverage, type ConsentStatus, type Coverage } from './coverage.ts';

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

  append(r: ConsentRecordInput): number {
    this.purpose(r.purpose);
    return this.store.append(r);
  }

  /**
   * For consent flags repeated on every customer row: a record only when the status changes,
   * or when a grant repeated after the stored one expired renews it (a fresh collection).
   */
  appendIfChanged(r: ConsentRecordInput): boolean {
    const current = this.store.state(r.pseudonym, r.purpose);
    if (current && current.status === r.status) {
      const lapsed = r.status === 'granted' && consentExpiry(this.purpose(r.purpose), current) <= r.collectedAt;
      if (!lapsed) return false;
    }
    this.append(r);
    return true;
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
