// The development issuer: an Ed25519 key pair in the data directory, trusted only when VEILGATE_DEV=1.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';
import type { IssuerPolicy } from '../policy/load-policies.ts';

export const DEV_ISSUER_ID = 'dev';
export const DEV_ISSUER = 'urn:veilgate:dev-issuer';
export const DEV_AUDIENCE = 'veilgate';
const ALG = 'EdDSA' as const;

const files = (dataDir: string) => ({
  dir: path.join(dataDir, 'keys'),
  privateJwk: path.join(dataDir, 'keys', 'dev-issuer.private.jwk.json'),
  publicJwks: path.join(dataDir, 'keys', 'dev-issuer.jwks.json'),
});

/** Creates the key pair if absent. Returns whether it was created; never overwrites. */
export async function initDevIssuer(dataDir: string): Promise<{ created: boolean; kid: string }> {
  const f = files(dataDir);
  if (fs.existsSync(f.privateJwk) && fs.existsSync(f.publicJwks)) {
    return { created: false, kid: readPrivate(dataDir).kid! };
  }
  fs.mkdirSync(f.dir, { recursive: true, mode: 0o700 });
  const { publicKey, privateKey } = await generateKeyPair(ALG, { crv: 'Ed25519', extractable: true });
  const kid = 'dev-' + crypto.randomBytes(6).toString('hex');
  const priv = { ...(await exportJWK(privateKey)), kid, alg: ALG };
  const pub = { ...(await exportJWK(publicKey)), kid, alg: ALG, use: 'sig' };
  // 'wx': fail rather than clobber a key another process just wrote.
  fs.writeFileSync(f.privateJwk, JSON.stringify(priv), { mode: 0o600, flag: 'wx' });
  fs.writeFileSync(f.publicJwks, JSON.stringify({ keys: [pub] }, null, 2), { mode: 0o644, flag: 'wx' });
  return { created: true, kid };
}

function readPrivate(dataDir: string): JWK {
  return JSON.parse(fs.readFileSync(files(dataDir).privateJwk, 'utf8')) as JWK;
}

export function devIssuerExists(dataDir: string): boolean {
  const f = files(dataDir);
  return fs.existsSync(f.privateJwk) && fs.existsSync(f.publicJwks);
}

/** The trust entry for the dev issuer; it may grant every role the policy defines. */
export function devIssuerPolicy(dataDir: string, roles: Iterable<string>): IssuerPolicy {
  const f = files(dataDir);
  const jwks = JSON.parse(fs.readFileSync(f.publicJwks, 'utf8'));
  const policy: IssuerPolicy = {
    id: DEV_ISSUER_ID,
    issuer: DEV_ISSUER,
    audience: [DEV_AUDIENCE],
    algorithms: [ALG],
    roles: [...roles],
    keys: { kind: 'jwks', jwks, file: f.publicJwks },
  };
  return Object.freeze(policy);
}

export interface MintOptions {
  roles: string[];
  subject: string;
  ttlSeconds: number;
  now?: number;
}

export async function mintDevToken(dataDir: string, o: MintOptions): Promise<string> {
  if (!devIssuerExists(dataDir)) throw new Error('no development issuer key: run `veilgate keys init` first');
  const jwk = readPrivate(dataDir);
  const key = await importJWK(jwk, ALG);
  const iat = Math.floor((o.now ?? Date.now()) / 1000);
  return new SignJWT({ roles: o.roles })
    .setProtectedHeader({ alg: ALG, kid: jwk.kid!, typ: 'JWT' })
    .setIssuer(DEV_ISSUER)
    .setAudience(DEV_AUDIENCE)
    .setSubject(o.subject)
    .setIssuedAt(iat)
    .setExpirationTime(iat + o.ttlSeconds)
    .setJti(crypto.randomUUID())
    .sign(key);
}

/** Parses "15m", "2h", "90s", "1d" or a number of seconds. */
export function parseTtl(ttl: string): number {
  const m = /^(\d+)\s*([smhd]?)$/.exec(ttl.trim());
  if (!m) throw new Error('ttl must look like 90s, 15m, 2h or 1d');
  const n = Number(m[1]) * ({ '': 1, s: 1, m: 60, h: 3600, d: 86400 } as const)[m[2] as '' | 's' | 'm' | 'h' | 'd'];
  if (n <= 0 || n > 30 * 86400) throw new Error('ttl must be between 1 second and 30 days');
  return n;
}
