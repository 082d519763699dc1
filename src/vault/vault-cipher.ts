// Envelope encryption: a random data key per subject (AES-256-GCM), wrapped by the master key.
import crypto from 'node:crypto';
import { RandomPool } from './random-pool.ts';

const FORMAT = 1;
const IV = 12;
const TAG = 16;
/** One pool per process: data keys and nonces come from the same CSPRNG, in larger draws. */
const random = new RandomPool();

export class VaultCipher {
  private readonly master: crypto.KeyObject;
  /** Short fingerprint of the master key, stored beside each wrapped key for rotation. */
  readonly keyId: string;

  constructor(masterKey: Buffer) {
    if (masterKey.length !== 32) throw new Error('master key must be 32 bytes');
    this.master = crypto.createSecretKey(masterKey);
    this.keyId = 'mk_' + crypto.createHmac('sha256', masterKey).update('veilgate master key id').digest('hex').slice(0, 16);
  }

  newDataKey(): Buffer {
    return random.take(32);
  }

  wrap(dataKey: Buffer, pseudonym: string): Buffer {
    return seal(this.master, dataKey, `veilgate/dek/${FORMAT}\u0000${pseudonym}\u0000${this.keyId}`);
  }

  unwrap(wrapped: Buffer, pseudonym: string, keyId: string): Buffer {
    if (keyId !== this.keyId) throw new VaultKeyError('unknown_master_key');
    return open(this.master, wrapped, `veilgate/dek/${FORMAT}\u0000${pseudonym}\u0000${keyId}`);
  }

  /** Encrypts a subject's identifier record; pseudonym and field names are the associated data. */
  encryptRecord(dataKey: Buffer, pseudonym: string, record: Record<string, string>): { ciphertext: Buffer; fields: string } {
    const fields = Object.keys(record).sort().join(',');
    return { ciphertext: seal(dataKey, Buffer.from(JSON.stringify(record)), recordAad(pseudonym, fields)), fields };
  }

  decryptRecord(dataKey: Buffer, pseudonym: string, fields: string, ciphertext: Buffer): Record<string, string> {
    return JSON.parse(open(dataKey, ciphertext, recordAad(pseudonym, fields)).toString('utf8')) as Record<string, string>;
  }
}

export class VaultKeyError extends Error {
  constructor(readonly code: 'unknown_master_key' | 'decrypt_failed') {
    super(code);
    this.name = 'VaultKeyError';
  }
}

const recordAad = (pseudonym: string, fields: string) => `veilgate/record/${FORMAT}\u0000${pseudonym}\u0000${fields}`;

function seal(key: crypto.KeyObject | Buffer, plaintext: Buffer, aad: string): Buffer {
  const iv = random.take(IV);
  const c = crypto.createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(Buffer.from(aad));
  const body = c.update(plaintext);
  c.final();
  return Buffer.concat([Buffer.of(FORMAT), iv, c.getAuthTag(), body]);
}

function open(key: crypto.KeyObject | Buffer, sealed: Buffer, aad: string): Buffer {
  if (sealed.length < 1 + IV + TAG || sealed[0] !== FORMAT) throw new VaultKeyError('decrypt_failed');
  try {
    const d = crypto.createDecipheriv('aes-256-gcm', key, sealed.subarray(1, 1 + IV));
    d.setAAD(Buffer.from(aad));
    d.setAuthTag(sealed.subarray(1 + IV, 1 + IV + TAG));
    return Buffer.concat([d.update(sealed.subarray(1 + IV + TAG)), d.final()]);
  } catch {
    throw new VaultKeyError('decrypt_failed');
  }
}
