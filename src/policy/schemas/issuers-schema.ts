// issuers.yaml: the token issuers the gateway trusts, their keys, algorithms and grantable roles.
import { z } from 'zod';
import { roleName } from './roles-schema.ts';

/** Asymmetric JWS algorithms only: a shared secret would let anyone holding it mint tokens. */
export const ASYMMETRIC_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'] as const;
export type AsymmetricAlgorithm = (typeof ASYMMETRIC_ALGORITHMS)[number];

/** Plain http only where nobody else can listen in: a test or a provider on this machine. */
const httpsOrLoopback = (u: string): boolean => {
  const url = new URL(u);
  return url.protocol === 'https:' || (url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname));
};

const jwksUrl = z.url({ message: 'jwks_url must be a URL' }).refine(httpsOrLoopback, 'jwks_url must use https (plain http only on loopback)');

/** RFC 6749 scope-token characters. */
const scopeToken = z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]{1,128}$/, 'a scope is printable ASCII without spaces, quotes or backslashes');

/**
 * How the web console signs in with this issuer: OpenID Connect authorization code flow with
 * PKCE, as a public client (no secret: the console runs in the browser).
 */
export const consoleOidcSchema = z.strictObject({
  discovery_url: z
    .url({ message: 'discovery_url must be a URL' })
    .refine(httpsOrLoopback, 'discovery_url must use https (plain http only on loopback: 127.0.0.1, localhost, [::1])'),
  client_id: z.string().regex(/^[\x21-\x7E]{1,255}$/, 'client_id must be printable ASCII without spaces'),
  /** Asked for besides `openid`. */
  scopes: z.array(scopeToken).max(20).optional(),
  /** RFC 8707 resource indicator sent on the authorization and token requests. */
  resource: z
    .url({ message: 'resource must be an absolute URI' })
    .refine((u) => !u.includes('#'), 'resource must not contain a fragment')
    .optional(),
});

export const issuerEntrySchema = z
  .strictObject({
    id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'id must be a lower-case identifier'),
    issuer: z.string().min(1),
    audience: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
    jwks_file: z.string().min(1).optional(),
    jwks_url: jwksUrl.optional(),
    algorithms: z.array(z.enum(ASYMMETRIC_ALGORITHMS, { message: `only asymmetric algorithms are allowed (${ASYMMETRIC_ALGORITHMS.join(', ')})` })).min(1),
    roles: z.array(roleName).min(1),
    /** Seconds a token of this issuer may live (exp - iat); a longer one, or one without iat, is refused. */
    max_token_lifetime: z.number().int().min(60).max(31_536_000).optional(),
    /** The web console signs in with this issuer (OpenID Connect); see issuers.yaml. */
    console: consoleOidcSchema.optional(),
  })
  .refine((e) => (e.jwks_file === undefined) !== (e.jwks_url === undefined), {
    message: 'exactly one of jwks_file or jwks_url is required',
  });

export const issuersFileSchema = z.strictObject({
  issuers: z.array(issuerEntrySchema),
});

export type IssuerEntry = z.infer<typeof issuerEntrySchema>;

/** A JWKS holding public keys only: a private member in a trust file is a configuration error. */
export const publicJwksSchema = z.strictObject({
  keys: z
    .array(
      z
        .looseObject({ kty: z.enum(['RSA', 'EC', 'OKP']), kid: z.string().min(1).optional(), alg: z.string().optional() })
        .refine((k) => !('d' in k) && !('p' in k) && !('q' in k), 'a trusted JWKS must not contain private key material'),
    )
    .min(1),
});
