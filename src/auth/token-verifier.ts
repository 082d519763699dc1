// Verifies bearer JWTs against the trusted issuers with jose; caches successes briefly.
import { createLocalJWKSet, createRemoteJWKSet, customFetch, decodeJwt, decodeProtectedHeader, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { IssuerPolicy } from '../policy/load-policies.ts';
import { ASYMMETRIC_ALGORITHMS } from '../policy/schemas/issuers-schema.ts';
import type { Principal } from './principal.ts';
import { TokenCache } from './token-cache.ts';
import { TokenError, type TokenRefusal } from './token-error.ts';

/** Far above any real token; refused before any decoding work. */
export const MAX_TOKEN_LENGTH = 8192;
const CLOCK_TOLERANCE_S = 5;
const ASYMMETRIC = new Set<string>(ASYMMETRIC_ALGORITHMS);

interface TrustedIssuer {
  policy: IssuerPolicy;
  getKey: JWTVerifyGetKey;
}

export interface TokenVerifierOptions {
  issuers: readonly IssuerPolicy[];
  clock: () => number;
  cache?: { maxEntries?: number; maxAgeMs?: number } | false;
  /** Injected for remote JWKS (tests, proxies); defaults to global fetch. */
  fetch?: typeof fetch;
}

export class TokenVerifier {
  private trusted = new Map<string, TrustedIssuer>();
  private readonly cache: TokenCache<Principal> | undefined;
  private readonly clock: () => number;
  private readonly fetchImpl: typeof fetch;

  constructor(options: TokenVerifierOptions) {
    this.clock = options.clock;
    this.fetchImpl = options.fetch ?? fetch;
    this.cache = options.cache === false ? undefined : new TokenCache(options.cache?.maxEntries, options.cache?.maxAgeMs);
    this.reloadKeys(options.issuers);
  }

  /** Replaces the trusted issuers and their keys; every cached verification is dropped. */
  reloadKeys(issuers: readonly IssuerPolicy[]): void {
    const next = new Map<string, TrustedIssuer>();
    for (const policy of issuers) next.set(policy.issuer, { policy, getKey: this.keyResolver(policy) });
    this.trusted = next;
    this.cache?.clear();
  }

  async verify(token: string): Promise<Principal> {
    if (token.length > MAX_TOKEN_LENGTH) throw new TokenError('too_large');
    const now = this.clock();
    const key = this.cache && TokenCache.keyOf(token);
    const hit = key && this.cache!.get(key, now);
    if (hit) return hit;

    const trusted = this.issuerOf(token);
    const { policy } = trusted;
    let payload;
    try {
      ({ payload } = await jwtVerify(token, trusted.getKey, {
        issuer: policy.issuer,
        audience: policy.audience,
        algorithms: policy.algorithms,
        requiredClaims: ['iss', 'aud', 'sub', 'exp'],
        currentDate: new Date(now),
        clockTolerance: CLOCK_TOLERANCE_S,
      }));
    } catch (e) {
      throw new TokenError(refusalOf(e));
    }
    const roles = payload['roles'];
    if (!Array.isArray(roles) || roles.length === 0 || !roles.every((r) => typeof r === 'string' && r.length > 0)) {
      throw new TokenError('roles_invalid');
    }
    if (!roles.every((r) => policy.roles.includes(r))) throw new TokenError('role_not_grantable');
    if (typeof payload.sub !== 'string' || payload.sub.length === 0 || typeof payload.exp !== 'number') {
      throw new TokenError('claim_invalid');
    }
    // A stolen long-lived token is a standing key: an issuer may cap what it signs.
    if (policy.maxTokenLifetime !== undefined && (typeof payload.iat !== 'number' || payload.exp - payload.iat > policy.maxTokenLifetime)) {
      throw new TokenError('lifetime_too_long');
    }
    const principal: Principal = Object.freeze({
      issuerId: policy.id,
      issuer: policy.issuer,
      subject: payload.sub,
      roles: Object.freeze([...new Set(roles as string[])]),
      exp: payload.exp,
    });
    if (key) this.cache!.set(key, principal, payload.exp * 1000, now);
    return principal;
  }

  get cachedTokens(): number {
    return this.cache?.size ?? 0;
  }

  private issuerOf(token: string): TrustedIssuer {
    let alg: unknown;
    let iss: unknown;
    try {
      alg = decodeProtectedHeader(token).alg;
      iss = decodeJwt(token).iss;
    } catch {
      throw new TokenError('malformed_token');
    }
    // Checked before any key lookup: `none` and HMAC never reach a verifier.
    if (typeof alg !== 'string' || !ASYMMETRIC.has(alg)) throw new TokenError('algorithm_not_allowed');
    const trusted = typeof iss === 'string' ? this.trusted.get(iss) : undefined;
    if (!trusted) throw new TokenError('unknown_issuer');
    return trusted;
  }

  private keyResolver(policy: IssuerPolicy): JWTVerifyGetKey {
    if (policy.keys.kind === 'jwks') return createLocalJWKSet(policy.keys.jwks);
    const fetchImpl = this.fetchImpl;
    // A fresh key set from the issuer invalidates what was verified under the old one.
    const onFetch = async (...args: Parameters<typeof fetch>) => {
      const res = await fetchImpl(...args);
      this.cache?.clear();
      return res;
    };
    return createRemoteJWKSet(new URL(policy.keys.url), {
      timeoutDuration: 5000,
      cooldownDuration: 30_000,
      cacheMaxAge: 10 * 60_000,
      [customFetch]: onFetch,
    });
  }
}

function refusalOf(e: unknown): TokenRefusal {
  if (e instanceof errors.JWTExpired) return 'expired';
  if (e instanceof errors.JWTClaimValidationFailed) return e.claim === 'nbf' ? 'not_yet_valid' : 'claim_invalid';
  if (e instanceof errors.JWSSignatureVerificationFailed) return 'bad_signature';
  if (e instanceof errors.JWKSNoMatchingKey || e instanceof errors.JWKSMultipleMatchingKeys) return 'unknown_key';
  if (e instanceof errors.JOSEAlgNotAllowed) return 'algorithm_not_allowed';
  if (e instanceof errors.JWKSTimeout || e instanceof errors.JWKSInvalid) return 'keys_unavailable';
  return 'malformed_token';
}
