// Partner-scoped pseudonyms: a keyed permutation of the pseudonym per issuer, reversible only here.
import crypto from 'node:crypto';

/** s<version>_ + 22 base64url chars: what a partner sees instead of the gateway's pseudonym. */
export const SCOPED_PATTERN = /^s([1-9][0-9]{0,2})_([A-Za-z0-9_-]{22})$/;
const INTERNAL = /^p([1-9][0-9]{0,2})_([A-Za-z0-9_-]{22})$/;

/**
 * One AES-256 block over the 128-bit pseudonym digest, under a key derived per issuer: a
 * pseudorandom permutation, so lists of two partners share no value, the mapping has no
 * collisions, and the gateway maps a partner's pseudonym back without storing a table.
 */
export class PartnerScope {
  private readonly keys = new Map<string, Buffer>();

  constructor(private readonly pseudonymKey: Buffer) {}

  private keyFor(issuerId: string): Buffer {
    let k = this.keys.get(issuerId);
    if (!k) {
      k = crypto.createHmac('sha256', this.pseudonymKey).update(`veilgate/partner-scope/1\u0000${issuerId}`).digest();
      this.keys.set(issuerId, k);
    }
    return k;
  }

  toPartner(pseudonym: string, issuerId: string): string {
    const m = INTERNAL.exec(pseudonym);
    if (!m) throw new Error('not an internal pseudonym');
    const c = crypto.createCipheriv('aes-256-ecb', this.keyFor(issuerId), null).setAutoPadding(false);
    const block = Buffer.concat([c.update(Buffer.from(m[2]!, 'base64url')), c.final()]);
    return `s${m[1]}_${block.toString('base64url')}`;
  }

  /** The internal pseudonym behind a partner's one, or undefined when it is not well formed. */
  fromPartner(scoped: string, issuerId: string): string | undefined {
    const m = SCOPED_PATTERN.exec(scoped);
    if (!m) return undefined;
    const raw = Buffer.from(m[2]!, 'base64url');
    if (raw.length !== 16 || raw.toString('base64url') !== m[2]) return undefined;
    const d = crypto.createDecipheriv('aes-256-ecb', this.keyFor(issuerId), null).setAutoPadding(false);
    const block = Buffer.concat([d.update(raw), d.final()]);
    return `p${m[1]}_${block.toString('base64url')}`;
  }
}
