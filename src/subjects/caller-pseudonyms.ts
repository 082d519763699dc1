// Translates pseudonyms at the edge: partner-scoped callers see and send only their own form.
import type { AccessPolicy, Caller } from '../policy/access-policy.ts';
import type { PartnerScope } from '../pseudonymization/partner-scope.ts';
import { PSEUDONYM_PATTERN } from '../pseudonymization/pseudonymizer.ts';

export class CallerPseudonyms {
  constructor(
    private readonly scope: PartnerScope,
    private readonly access: AccessPolicy,
  ) {}

  scoped(caller: Caller): boolean {
    return this.access.callerPrivilege(caller).partnerScoped;
  }

  /** The internal pseudonym a caller means, or undefined (then: not found, never "wrong form"). */
  inbound(caller: Caller, value: string): string | undefined {
    if (this.scoped(caller)) return caller.issuerId === undefined ? undefined : this.scope.fromPartner(value, caller.issuerId);
    return PSEUDONYM_PATTERN.test(value) ? value : undefined;
  }

  /** What the caller receives; `scoped` forces the partner form (a run made by a partner-scoped role). */
  outbound(caller: Caller, pseudonym: string, scoped = this.scoped(caller)): string {
    if (!scoped) return pseudonym;
    if (caller.issuerId === undefined) throw new Error('a partner-scoped caller has an issuer');
    return this.scope.toPartner(pseudonym, caller.issuerId);
  }
}
