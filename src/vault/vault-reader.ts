// Reads identities back from the vault: ciphertext is fetched first (inside the caller's
// audited transaction), decryption happens after, so nothing is revealed unaudited.
import type { Ports } from '../storage/storage.ts';
import type { VaultCipher } from './vault-cipher.ts';
import type { VaultRow } from '../ingest/ingest-store.ts';

export type VaultStatus = 'found' | 'not_found' | 'erased';

export interface SealedIdentity {
  pseudonym: string;
  status: VaultStatus;
  row?: VaultRow;
}

export class VaultReader {
  constructor(private readonly cipher: VaultCipher) {}

  /** The sealed identity, read through `tx` (inside the unit of work that audits the reveal). */
  async fetch(tx: Ports, pseudonym: string): Promise<SealedIdentity> {
    const row = await tx.vault.get(pseudonym);
    if (!row) return { pseudonym, status: 'not_found' };
    if (!row.wrappedKey || !row.ciphertext) return { pseudonym, status: 'erased' };
    return { pseudonym, status: 'found', row };
  }

  /** Decrypts a fetched identity; `fields` limits what is returned (undefined: all). */
  open(sealed: SealedIdentity, fields?: readonly string[]): Record<string, string> {
    if (sealed.status !== 'found' || !sealed.row) return {};
    const dataKey = this.cipher.unwrap(sealed.row.wrappedKey!, sealed.pseudonym, sealed.row.keyId);
    try {
      const all = this.cipher.decryptRecord(dataKey, sealed.pseudonym, sealed.row.fields, sealed.row.ciphertext!);
      if (!fields) return all;
      return Object.fromEntries(fields.filter((f) => all[f] !== undefined).map((f) => [f, all[f]!]));
    } finally {
      dataKey.fill(0);
    }
  }
}
