// A real OpenID provider (the oidc-provider package) on a loopback port for the console's sign-in:
// one public client using PKCE, JWT access tokens for the gateway (resource indicators) carrying
// the user's roles, and the package's development login and consent pages.
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { errors } from 'oidc-provider';

export interface TestOidcProviderOptions {
  clientId: string;
  /** The `aud` of the access tokens. */
  audience: string;
  /** The resource indicator (RFC 8707) that names the gateway at this provider. */
  resource: string;
  /** The scope of that resource the console asks for. */
  scope: string;
  /** Login name → the roles its access tokens carry. Any password is accepted. */
  users: Record<string, string[]>;
  accessTokenSeconds?: number;
}

export interface TestOidcProvider {
  /** http://127.0.0.1:<port> (also the `iss` of its tokens). */
  issuer: string;
  discoveryUrl: string;
  jwksUrl: string;
  /** Registers the console of the gateway at `gatewayUrl` (its redirect URI, and CORS for its origin) and starts answering. */
  start(gatewayUrl: string): void;
  close(): Promise<void>;
}

/**
 * Listens first, answering 503 until start(): the gateway's policies need the provider's address
 * before the gateway starts, and the provider's client needs the gateway's address.
 */
export async function listenOidcProvider(o: TestOidcProviderOptions): Promise<TestOidcProvider> {
  let handler: ((req: http.IncomingMessage, res: http.ServerResponse) => void) | undefined;
  const server = http.createServer((req, res) => {
    if (handler) return handler(req, res);
    res.statusCode = 503;
    res.end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const signingKey = { ...(await exportJWK(privateKey)), kid: 'test-op-es256', alg: 'ES256', use: 'sig' };

  return {
    issuer,
    discoveryUrl: `${issuer}/.well-known/openid-configuration`,
    jwksUrl: `${issuer}/jwks`,
    start(gatewayUrl) {
      const gatewayOrigin = new URL(gatewayUrl).origin;
      const provider = new Provider(issuer, {
        clients: [
          {
            client_id: o.clientId,
            token_endpoint_auth_method: 'none',
            redirect_uris: [`${gatewayUrl}/console/oidc-callback`],
            grant_types: ['authorization_code'],
            response_types: ['code'],
            id_token_signed_response_alg: 'ES256',
          },
        ],
        jwks: { keys: [signingKey] },
        cookies: { keys: [crypto.randomBytes(32).toString('base64url')] },
        pkce: { required: () => true },
        scopes: ['openid'],
        claims: { openid: ['sub'] },
        ttl: { AccessToken: o.accessTokenSeconds ?? 600, AuthorizationCode: 60, IdToken: 600, Interaction: 600, Session: 3600, Grant: 3600 },
        async findAccount(_ctx: unknown, id: string) {
          if (!(id in o.users)) return undefined;
          return { accountId: id, claims: async () => ({ sub: id }) };
        },
        // the roles go into the gateway's access token only, not the ID token
        async extraTokenClaims(_ctx: unknown, token: { kind: string; accountId?: string }) {
          if (token.kind !== 'AccessToken' || !token.accountId) return undefined;
          return { roles: o.users[token.accountId] ?? [] };
        },
        clientBasedCORS: (_ctx: unknown, origin: string) => origin === gatewayOrigin,
        features: {
          devInteractions: { enabled: true },
          resourceIndicators: {
            enabled: true,
            defaultResource: () => undefined,
            useGrantedResource: () => true,
            getResourceServerInfo(_ctx: unknown, resource: string) {
              if (resource !== o.resource) throw new errors.InvalidTarget();
              return {
                scope: o.scope,
                audience: o.audience,
                accessTokenFormat: 'jwt',
                accessTokenTTL: o.accessTokenSeconds ?? 600,
                jwt: { sign: { alg: 'ES256' } },
              };
            },
          },
        },
      });
      handler = provider.callback();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
