// Keyed, versioned pseudonyms: HMAC-SHA256 of a normalized linkage key under the pseudonym key.
import crypto from 'node:crypto';

export type LinkKind = 'email' | 'customer_id' | 'phone';

/** p<version>_ + 22 base64url chars (128 bits of the HMAC): opaque, fixed length per version. */
export const PSEUDONYM_PATTERN = /^p[1-9][0-9]{0,2}_[A-Za-z0-9_-]{22}$/;

/** Suppression entries: `x_` + 22 base64url chars; never the shape of a pseudonym or link key. */
export const SUPPRESSION_PREFIX = 'x_';
export const SUPPRESSION_PATTERN = /^x_[A-Za-z0-9_-]{22}$/;

export class Pseudonymizer {
  private readonly key: crypto.KeyObject;
  readonly version: number;
  private readonly prefix: string;

  constructor(key: Buffer, version: number) {
    if (key.length !== 32) throw new Error('pseudonymization key must be 32 bytes');
    this.key = crypto.createSecretKey(key);
    this.version = version;
    this.prefix = `p${version}_`;
  }

  /**
   * The keyed hash of one linkage key. Kind and parts are length-delimited so
   * ("a:b","c") and ("a","b:c") never collide. Used both as pseudonym and as link-index key.
   */
  keyHash(kind: LinkKind, ...parts: string[]): string {
    const h = crypto.createHmac('sha256', this.key);
    h.update(kind);
    for (const p of parts) h.update(`\u0000${p.length}:${p}`);
    return this.prefix + h.digest().subarray(0, 16).toString('base64url');
  }

  /**
   * The suppression entry of an erased subject's link key: a keyed hash in a domain of its own,
   * so the table of erased keys holds neither a link key nor a pseudonym (the email link key
   * is the subject's pseudonym) and cannot be joined with any other table.
   */
  suppressionKey(linkKeyHash: string): string {
    return (
      SUPPRESSION_PREFIX +
      crypto.createHmac('sha256', this.key).update('veilgate/suppression/1\u0000').update(linkKeyHash).digest().subarray(0, 16).toString('base64url')
    );
  }

  /** Keyed fingerprint of a request body: a plain hash would let DB readers confirm guesses. */
  fingerprint(body: Uint8Array): string {
    return crypto.createHmac('sha256', this.key).update('veilgate/body-fingerprint\u0000').update(body).digest('base64url');
  }
}
