// Requires a valid bearer token on every request it guards and puts the principal in context.
import type { MiddlewareHandler } from 'hono';
import type { TokenVerifier } from '../../auth/token-verifier.ts';
import { TokenError } from '../../auth/token-error.ts';
import type { AppEnv } from '../app-env.ts';

// RFC 6750 b64token; the scheme is case-insensitive (RFC 9110 section 11.1).
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

export function authenticate(verifier: TokenVerifier): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization');
    if (header === undefined || header === '') throw new TokenError('missing');
    if (header.length > 16 * 1024) throw new TokenError('too_large');
    const m = BEARER.exec(header);
    if (!m) throw new TokenError('malformed_header');
    const principal = await verifier.verify(m[1]!);
    c.set('principal', principal);
    await next();
  };
}
