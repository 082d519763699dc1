// Token attacks against the real gateway: real keys, real signatures, real SQLite, real HTTP via Hono.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { createLocalJWKSet, exportJWK, exportSPKI, generateKeyPair, importJWK, jwtVerify, SignJWT, type CryptoKey, type JSONWebKeySet, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_AUDIENCE, DEV_ISSUER, initDevIssuer } from '../src/auth/dev-issuer.ts';
import { expectNoneOf, expectNoStack, expectProblem } from './helpers/problem.ts';
import { PARTNER_AUDIENCE, PARTNER_ISSUER, testGateway, type TestGateway } from './helpers/test-gateway.ts';

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const decodePart = (s: string) => JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as Record<string, unknown>;

/** Fragments of jose's own error messages and codes: none may reach a caller. */
const JOSE_FRAGMENTS = [
  'signature verification failed',
  'claim timestamp check failed',
  '"exp" claim',
  '"nbf" claim',
  '"aud" claim',
  '"iss" claim',
  'missing required',
  'unexpected "',
  'Invalid Compact JWS',
  'JWS Protected Header',
  'JWS Signature',
  'JWS Payload',
  'JWS "alg"',
  '"alg" (Algorithm) Header',
  'no applicable key found',
  'JSON Web Key Set',
  'ERR_JW',
  'ERR_JOSE',
  'JWTExpired',
  'JWTClaimValidationFailed',
  'JWSSignatureVerificationFailed',
  'JWSInvalid',
  'JWKSNoMatchingKey',
  'JOSEAlgNotAllowed',
  'JOSENotSupported',
  'Extension Header Parameter',
];

const EXPECTED_KEYS = ['code', 'detail', 'request_id', 'status', 'title', 'type'];

interface Ctx {
  gw: TestGateway;
  /** Gateway clock, epoch seconds. */
  now: number;
  partnerJwk: JWK;
}

interface Attack {
  name: string;
  /** The Authorization header to send, or undefined for none. */
  authorization(ctx: Ctx): Promise<string | undefined>;
  /** What the refusal detail must say: proves the token was refused for the intended reason. */
  detail: RegExp;
}

const bearer = (make: (ctx: Ctx) => Promise<string>) => async (ctx: Ctx) => `Bearer ${await make(ctx)}`;

/** Replaces the first character of the signature: always changes the decoded bytes (unlike the last one). */
function flipSignature(token: string): string {
  const [h, p, s] = token.split('.') as [string, string, string];
  return `${h}.${p}.${s[0] === 'A' ? 'B' : 'A'}${s.slice(1)}`;
}

function unsigned(header: Record<string, unknown>, payload: Record<string, unknown>): string {
  return `${b64(header)}.${b64(payload)}.`;
}

const validClaims = (ctx: Ctx) => ({
  iss: PARTNER_ISSUER,
  aud: PARTNER_AUDIENCE,
  sub: 'partner-one-client',
  iat: ctx.now,
  exp: ctx.now + 600,
  roles: ['partner'],
});

const ATTACKS: Attack[] = [
  { name: 'no Authorization header', authorization: async () => undefined, detail: /Bearer token is required/ },
  { name: 'empty Authorization header', authorization: async () => '', detail: /Bearer token is required/ },
  { name: 'wrong scheme (Basic abc)', authorization: async () => 'Basic abc', detail: /must be "Bearer <token>"/ },
  { name: 'Basic scheme carrying a valid token', authorization: async ({ gw }) => `Basic ${await gw.partner.sign()}`, detail: /must be "Bearer <token>"/ },
  { name: '"bearer" with no token', authorization: async () => 'bearer', detail: /must be "Bearer <token>"/ },
  { name: '"Bearer " with only spaces', authorization: async () => 'Bearer    ', detail: /must be "Bearer <token>"/ },
  {
    name: 'two tokens in one header',
    authorization: async ({ gw }) => `Bearer ${await gw.partner.sign()} ${await gw.partner.sign()}`,
    detail: /must be "Bearer <token>"/,
  },
  { name: 'not a JWT', authorization: async () => 'Bearer not-a-jwt', detail: /not a well-formed/ },
  { name: 'three garbage segments', authorization: async () => 'Bearer aaaa.bbbb.cccc', detail: /not a well-formed/ },
  {
    name: 'alg: none (unsigned, empty signature)',
    authorization: bearer(async (ctx) => unsigned({ alg: 'none', typ: 'JWT' }, validClaims(ctx))),
    detail: /algorithm is not accepted/,
  },
  {
    name: 'alg: none with the partner kid',
    authorization: bearer(async (ctx) => unsigned({ alg: 'none', kid: ctx.gw.partner.kid }, validClaims(ctx))),
    detail: /algorithm is not accepted/,
  },
  {
    name: 'alg: "None" (case variant)',
    authorization: bearer(async (ctx) => unsigned({ alg: 'None' }, validClaims(ctx))),
    detail: /algorithm is not accepted/,
  },
  {
    name: 'no alg header at all',
    authorization: bearer(async (ctx) => unsigned({ typ: 'JWT' }, validClaims(ctx))),
    detail: /algorithm is not accepted/,
  },
  {
    name: 'HS256 signed with the partner public key SPKI PEM bytes (key confusion)',
    authorization: bearer(async (ctx) => {
      const pem = await exportSPKI((await importJWK(ctx.partnerJwk, 'ES256')) as CryptoKey);
      return new SignJWT(validClaims(ctx)).setProtectedHeader({ alg: 'HS256', kid: ctx.gw.partner.kid, typ: 'JWT' }).sign(new TextEncoder().encode(pem));
    }),
    detail: /algorithm is not accepted/,
  },
  {
    name: 'HS256 signed with the partner public JWK bytes (key confusion)',
    authorization: bearer(async (ctx) => {
      const secret = new TextEncoder().encode(JSON.stringify({ kty: 'EC', crv: 'P-256', x: ctx.partnerJwk.x, y: ctx.partnerJwk.y }));
      return new SignJWT(validClaims(ctx)).setProtectedHeader({ alg: 'HS256', kid: ctx.gw.partner.kid }).sign(secret);
    }),
    detail: /algorithm is not accepted/,
  },
  {
    name: 'HS256 signed with the raw x||y coordinates (key confusion)',
    authorization: bearer(async (ctx) => {
      const secret = Buffer.concat([Buffer.from(ctx.partnerJwk.x!, 'base64url'), Buffer.from(ctx.partnerJwk.y!, 'base64url')]);
      return new SignJWT(validClaims(ctx)).setProtectedHeader({ alg: 'HS256', kid: ctx.gw.partner.kid }).sign(new Uint8Array(secret));
    }),
    detail: /algorithm is not accepted/,
  },
  {
    name: 'an asymmetric algorithm the issuer does not allow (EdDSA for an ES256 issuer)',
    authorization: bearer(async (ctx) => {
      const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
      return new SignJWT(validClaims(ctx)).setProtectedHeader({ alg: 'EdDSA', kid: ctx.gw.partner.kid }).sign(privateKey);
    }),
    detail: /algorithm is not accepted/,
  },
  {
    name: 'expired token',
    authorization: bearer(({ gw, now }) => gw.partner.sign({ iat: now - 7200, exp: now - 3600 })),
    detail: /has expired/,
  },
  {
    name: 'nbf in the future',
    authorization: bearer(({ gw, now }) => gw.partner.sign({ nbf: now + 3600 })),
    detail: /not valid yet/,
  },
  {
    name: 'wrong aud',
    authorization: bearer(({ gw }) => gw.partner.sign({ aud: 'some-other-service' })),
    detail: /required claim/,
  },
  {
    name: 'aud of another trusted issuer (dev audience on a partner token)',
    authorization: bearer(({ gw }) => gw.partner.sign({ aud: DEV_AUDIENCE })),
    detail: /required claim/,
  },
  {
    name: 'wrong iss',
    authorization: bearer(({ gw }) => gw.partner.sign({ iss: 'https://evil.example' })),
    detail: /issuer is not trusted/,
  },
  {
    name: 'missing iss',
    authorization: bearer(({ gw }) => gw.partner.sign({ iss: undefined })),
    detail: /issuer is not trusted/,
  },
  {
    name: 'unknown kid',
    authorization: bearer(({ gw }) => gw.partner.sign({}, { kid: 'no-such-key' })),
    detail: /key the issuer does not publish/,
  },
  {
    name: 'kid with path traversal',
    authorization: bearer(({ gw }) => gw.partner.sign({}, { kid: '../../../../etc/passwd' })),
    detail: /key the issuer does not publish/,
  },
  {
    name: 'attacker key using the partner kid, with its own key embedded in the header (jwk)',
    authorization: bearer(async (ctx) => {
      const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
      return new SignJWT(validClaims(ctx)).setProtectedHeader({ alg: 'ES256', kid: ctx.gw.partner.kid, jwk: await exportJWK(publicKey) }).sign(privateKey);
    }),
    detail: /signature is invalid/,
  },
  {
    name: 'attacker key with jku pointing at its own JWKS',
    authorization: bearer(async (ctx) => {
      const { privateKey } = await generateKeyPair('ES256');
      return new SignJWT(validClaims(ctx))
        .setProtectedHeader({ alg: 'ES256', kid: ctx.gw.partner.kid, jku: 'https://evil.example/jwks.json' })
        .sign(privateKey);
    }),
    detail: /signature is invalid/,
  },
  {
    name: 'partner key claiming to be the dev issuer (issuer confusion, roles dpo)',
    authorization: bearer(({ gw }) => gw.partner.sign({ iss: DEV_ISSUER, aud: DEV_AUDIENCE, roles: ['dpo'] })),
    detail: /algorithm is not accepted|key the issuer does not publish|signature is invalid/,
  },
  {
    name: 'tampered signature (first signature character flipped)',
    authorization: bearer(async ({ gw }) => flipSignature(await gw.partner.sign())),
    detail: /signature is invalid/,
  },
  {
    name: 'signature truncated',
    authorization: bearer(async ({ gw }) => (await gw.partner.sign()).slice(0, -8)),
    detail: /signature is invalid|not a well-formed/,
  },
  {
    name: 'signature of another valid token',
    authorization: bearer(async ({ gw }) => {
      const a = (await gw.partner.sign({ sub: 'a' })).split('.');
      const b = (await gw.partner.sign({ sub: 'b' })).split('.');
      return `${a[0]}.${a[1]}.${b[2]}`;
    }),
    detail: /signature is invalid/,
  },
  {
    name: 'tampered payload (roles changed to dpo, signature kept)',
    authorization: bearer(async ({ gw }) => {
      const [h, p, s] = (await gw.partner.sign()).split('.') as [string, string, string];
      return `${h}.${b64({ ...decodePart(p), roles: ['dpo'] })}.${s}`;
    }),
    detail: /signature is invalid/,
  },
  {
    name: 'tampered payload (sub changed, roles untouched, signature kept)',
    authorization: bearer(async ({ gw }) => {
      const [h, p, s] = (await gw.partner.sign()).split('.') as [string, string, string];
      return `${h}.${b64({ ...decodePart(p), sub: 'someone-else' })}.${s}`;
    }),
    detail: /signature is invalid/,
  },
  {
    name: 'tampered header (kid removed, signature kept)',
    authorization: bearer(async ({ gw }) => {
      const [h, p, s] = (await gw.partner.sign()).split('.') as [string, string, string];
      const { kid: _kid, ...header } = decodePart(h);
      return `${b64(header)}.${p}.${s}`;
    }),
    detail: /signature is invalid/,
  },
  { name: 'missing roles', authorization: bearer(({ gw }) => gw.partner.sign({ roles: undefined })), detail: /roles claim/ },
  { name: 'empty roles array', authorization: bearer(({ gw }) => gw.partner.sign({ roles: [] })), detail: /roles claim/ },
  { name: 'roles not an array (string)', authorization: bearer(({ gw }) => gw.partner.sign({ roles: 'partner' })), detail: /roles claim/ },
  { name: 'roles not an array (object)', authorization: bearer(({ gw }) => gw.partner.sign({ roles: { partner: true } })), detail: /roles claim/ },
  { name: 'roles with a non-string entry', authorization: bearer(({ gw }) => gw.partner.sign({ roles: ['partner', 7] })), detail: /roles claim/ },
  { name: 'roles with an empty name', authorization: bearer(({ gw }) => gw.partner.sign({ roles: [''] })), detail: /roles claim/ },
  { name: 'missing sub', authorization: bearer(({ gw }) => gw.partner.sign({ sub: undefined })), detail: /required claim/ },
  { name: 'empty sub', authorization: bearer(({ gw }) => gw.partner.sign({ sub: '' })), detail: /required claim/ },
  { name: 'sub not a string', authorization: bearer(({ gw }) => gw.partner.sign({ sub: 42 as unknown as string })), detail: /required claim/ },
  { name: 'missing exp', authorization: bearer(({ gw }) => gw.partner.sign({ exp: undefined })), detail: /required claim/ },
  {
    name: 'exp not a number',
    authorization: bearer(({ gw, now }) => gw.partner.sign({ exp: String(now + 600) as unknown as number })),
    detail: /required claim/,
  },
  {
    name: 'issuer granting a role it may not grant (partner issuer, roles [dpo])',
    authorization: bearer(({ gw }) => gw.partner.sign({ roles: ['dpo'] })),
    detail: /role its issuer may not grant/,
  },
  {
    name: 'issuer granting a grantable and a forbidden role (partner + dpo)',
    authorization: bearer(({ gw }) => gw.partner.sign({ roles: ['partner', 'dpo'] })),
    detail: /role its issuer may not grant/,
  },
  {
    name: 'issuer granting a role that does not exist',
    authorization: bearer(({ gw }) => gw.partner.sign({ roles: ['superuser'] })),
    detail: /role its issuer may not grant/,
  },
  {
    name: 'unknown critical header parameter',
    // jose refuses to sign this, so it is signed by hand with the partner's real key.
    authorization: bearer(async (ctx) => {
      const input = `${b64({ alg: 'ES256', kid: ctx.gw.partner.kid, crit: ['x-veilgate'], 'x-veilgate': 1 })}.${b64(validClaims(ctx))}`;
      const sig = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, ctx.gw.partner.privateKey, new TextEncoder().encode(input));
      return `${input}.${Buffer.from(sig).toString('base64url')}`;
    }),
    detail: /not a well-formed/,
  },
  {
    name: 'a 100 KB token (validly signed)',
    authorization: bearer(({ gw }) => gw.partner.sign({ pad: 'x'.repeat(100 * 1024) })),
    detail: /larger than the gateway accepts/,
  },
  {
    name: 'a ~12 KB token (validly signed, under the 16 KB header cap, over the 8 KB token cap)',
    authorization: bearer(async ({ gw }) => {
      const token = await gw.partner.sign({ pad: 'x'.repeat(9 * 1024) });
      expect(token.length).toBeGreaterThan(8192);
      expect(token.length).toBeLessThan(16 * 1024 - 10);
      return token;
    }),
    detail: /larger than the gateway accepts/,
  },
];

/** jose's own message for this token, had it been verified directly: it must not be in the answer. */
async function joseMessage(token: string, ctx: Ctx): Promise<string[]> {
  const jwks = createLocalJWKSet({ keys: [ctx.partnerJwk] } as JSONWebKeySet);
  try {
    await jwtVerify(token, jwks, {
      issuer: PARTNER_ISSUER,
      audience: PARTNER_AUDIENCE,
      algorithms: ['ES256'],
      requiredClaims: ['iss', 'aud', 'sub', 'exp'],
      currentDate: new Date(ctx.gw.now()),
    });
    return [];
  } catch (e) {
    const err = e as { message?: string; code?: string };
    return [err.message ?? '', err.code ?? ''].filter((s) => s.length >= 6);
  }
}

function expectRefusalHeaders(res: Response): void {
  const www = res.headers.get('www-authenticate');
  expect(www).toBeTruthy();
  expect(www).toMatch(/^Bearer\b/);
  expect(www).toContain('error="invalid_token"');
}

describe('token attacks (dev mode gateway)', () => {
  let gw: TestGateway;
  let ctx: Ctx;
  const sentTokens: string[] = [];

  beforeAll(async () => {
    gw = await testGateway();
    const jwks = JSON.parse(fs.readFileSync(path.join(gw.policiesDir, 'keys', 'partner-one.jwks.json'), 'utf8')) as JSONWebKeySet;
    ctx = { gw, now: Math.floor(gw.now() / 1000), partnerJwk: jwks.keys[0]! };
  });
  afterAll(() => gw?.cleanup());

  it.each(ATTACKS.map((a) => [a.name, a] as const))('refuses %s with 401 problem+json', async (_name, attack) => {
    const authorization = await attack.authorization(ctx);
    const token = authorization?.replace(/^\S+\s*/, '');
    if (token && token.length >= 20) sentTokens.push(token);
    const headers = new Headers();
    if (authorization !== undefined) headers.set('Authorization', authorization);
    const res = await gw.app.request('/v1/me', { headers });

    expectRefusalHeaders(res);
    const { body, text } = await expectProblem(res, 401, 'auth.invalid_token');
    expect(Object.keys(body).sort()).toEqual(EXPECTED_KEYS);
    expect(body.detail).toMatch(attack.detail);
    expect(res.headers.get('cache-control')).toBe('no-store');

    // Nothing of the token, of jose, or of the process internals comes back.
    if (token) {
      expectNoneOf(text, [token, ...token.split('.').filter((s) => s.length >= 12)], 'problem body');
      expectNoneOf(text, await joseMessage(token, ctx), 'problem body');
    }
    expectNoneOf(text, JOSE_FRAGMENTS, 'problem body');
    expectNoneOf(text, ['Error:', 'TypeError', 'undefined'], 'problem body');
    expectNoStack(text);
  });

  it('a valid partner token gets 200 on /v1/me', async () => {
    const token = await gw.partner.sign({ sub: 'agency-client-7' });
    sentTokens.push(token);
    const res = await gw.request('/v1/me', { token });
    expect(res.status).toBe(200);
    const me = (await res.json()) as Record<string, unknown>;
    expect(me).toMatchObject({ issuer: PARTNER_ISSUER, issuer_id: 'partner-one', subject: 'agency-client-7', roles: ['partner'] });
    expect(res.headers.get('www-authenticate')).toBeNull();
  });

  it('accepts the scheme case-insensitively ("bearer")', async () => {
    const token = await gw.partner.sign();
    sentTokens.push(token);
    const res = await gw.app.request('/v1/me', { headers: { Authorization: `bearer ${token}` } });
    expect(res.status).toBe(200);
  });

  it('a valid token reused (cache hit) still gets 200', async () => {
    const token = await gw.partner.sign({ sub: 'cache-user' });
    sentTokens.push(token);
    const before = gw.verifier.cachedTokens;
    const first = await gw.request('/v1/me', { token });
    expect(first.status).toBe(200);
    expect(gw.verifier.cachedTokens).toBe(before + 1);
    const second = await gw.request('/v1/me', { token });
    expect(second.status).toBe(200);
    expect(gw.verifier.cachedTokens).toBe(before + 1);
    expect(((await second.json()) as { subject: string }).subject).toBe('cache-user');
  });

  it('a cached valid token does not make its tampered copy acceptable', async () => {
    const token = await gw.partner.sign({ sub: 'cached-then-tampered' });
    sentTokens.push(token);
    expect((await gw.request('/v1/me', { token })).status).toBe(200);
    const res = await gw.request('/v1/me', { token: flipSignature(token) });
    await expectProblem(res, 401, 'auth.invalid_token');
  });

  it('a token whose role lacks the operation gets 403 auth.forbidden (ingest on GET /v1/policies)', async () => {
    const token = await gw.mint(['ingest']);
    sentTokens.push(token);
    const res = await gw.request('/v1/policies', { token });
    const { body, text } = await expectProblem(res, 403, 'auth.forbidden');
    expect(Object.keys(body).sort()).toEqual(EXPECTED_KEYS);
    expect(body.detail).toContain('policies.read');
    expect(res.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
    expectNoneOf(text, [token], 'problem body');
    // The same token is fine where its role is allowed.
    expect((await gw.request('/v1/me', { token })).status).toBe(200);
  });

  it('a partner token gets 403 on an operation the partner role lacks', async () => {
    const token = await gw.partner.sign();
    sentTokens.push(token);
    await expectProblem(await gw.request('/v1/policies', { token }), 403, 'auth.forbidden');
  });

  it('never logs a token', () => {
    expect(sentTokens.length).toBeGreaterThan(ATTACKS.length - 5);
    const logs = gw.logs.join('');
    expect(logs).toContain('"status":401');
    for (const t of sentTokens) {
      expectNoneOf(logs, [t, ...t.split('.').filter((s) => s.length >= 12)], 'logs');
    }
  });
});

describe('token expiry against the fixed clock', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await testGateway();
  });
  afterAll(() => gw?.cleanup());

  it('refuses a token cached before expiry once the clock passes exp', async () => {
    // 30 s lifetime: shorter than the cache's 60 s cap, so only the exp cap can end the cache entry.
    const token = await gw.mint(['dpo'], { ttlSeconds: 30 });
    expect((await gw.request('/v1/me', { token })).status).toBe(200);
    expect(gw.verifier.cachedTokens).toBe(1);
    gw.advance(20_000);
    expect((await gw.request('/v1/me', { token })).status).toBe(200);
    // Past exp and past the verifier's 5 s clock tolerance, well inside the 60 s cache window.
    gw.advance(16_000);
    const res = await gw.request('/v1/me', { token });
    expectRefusalHeaders(res);
    const { body } = await expectProblem(res, 401, 'auth.invalid_token');
    expect(body.detail).toMatch(/has expired/);
  });

  it('re-verifies after the 60 s cache window and still accepts a long-lived token', async () => {
    const token = await gw.mint(['dpo'], { ttlSeconds: 3600 });
    expect((await gw.request('/v1/me', { token })).status).toBe(200);
    gw.advance(61_000);
    expect((await gw.request('/v1/me', { token })).status).toBe(200);
  });
});

describe('dev issuer when the gateway is not in dev mode', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    const key = () => crypto.getRandomValues(Buffer.alloc(32)).toString('base64');
    gw = await testGateway({
      // Outside dev mode the secret keys must come from the environment.
      env: { VEILGATE_DEV: undefined, VEILGATE_MASTER_KEY: key(), VEILGATE_PSEUDONYM_KEY: key(), VEILGATE_AUDIT_KEY: key() },
      // The key pair exists in the data directory, as after `veilgate keys init`...
      prepare: async ({ dataDir }) => {
        await initDevIssuer(dataDir);
      },
    });
  });
  afterAll(() => gw?.cleanup());

  it('is built with dev off', () => {
    expect(gw.config.dev).toBe(false);
    expect(gw.policies.issuers.map((i) => i.id)).not.toContain('dev');
  });

  it('refuses a token the dev issuer key signed', async () => {
    // ...but a token it signs is not trusted.
    const token = await gw.mint(['dpo']);
    const res = await gw.request('/v1/me', { token });
    expectRefusalHeaders(res);
    const { body, text } = await expectProblem(res, 401, 'auth.invalid_token');
    expect(body.detail).toMatch(/issuer is not trusted/);
    expectNoneOf(text, [token], 'problem body');
    expect((await gw.request('/v1/policies', { token })).status).toBe(401);
  });

  it('still accepts the partner issuer from issuers.yaml', async () => {
    expect((await gw.request('/v1/me', { token: await gw.partner.sign() })).status).toBe(200);
  });
});

describe('oversized Authorization header through a real HTTP server', () => {
  let gw: TestGateway;
  let server: ServerType;
  let port: number;

  beforeAll(async () => {
    gw = await testGateway();
    server = serve({ fetch: gw.app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise<void>((resolve, reject) => {
      server.once('listening', () => resolve());
      server.once('error', reject);
    });
    port = (server.address() as net.AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      (server as { closeAllConnections?: () => void }).closeAllConnections?.();
    });
    await gw?.cleanup();
  });

  /** Sends one raw HTTP/1.1 request and returns the status line's code (reads what arrived even on reset). */
  function rawStatus(authorization: string): Promise<number | string> {
    return new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      let data = '';
      const done = () => {
        const m = /^HTTP\/1\.[01] (\d{3})/.exec(data);
        resolve(m ? Number(m[1]) : `no status line (${JSON.stringify(data.slice(0, 40))})`);
      };
      socket.setEncoding('latin1');
      socket.on('data', (d: string) => {
        data += d;
      });
      socket.on('error', done);
      socket.on('close', done);
      socket.setTimeout(5000, () => socket.destroy());
      socket.write(`GET /v1/me HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: ${authorization}\r\nConnection: close\r\n\r\n`);
    });
  }

  it('answers a 100 KB bearer token with 401 or 431, never 2xx or 5xx', async () => {
    const token = await gw.partner.sign({ pad: 'x'.repeat(100 * 1024) });
    expect(token.length).toBeGreaterThan(100 * 1024);
    const status = await rawStatus(`Bearer ${token}`);
    expect([401, 431]).toContain(status);
  });

  it('answers a ~12 KB token (under the HTTP header limit) with a 401 problem', async () => {
    const token = await gw.partner.sign({ pad: 'x'.repeat(9 * 1024) });
    expect(token.length).toBeGreaterThan(8192);
    const res = await fetch(`http://127.0.0.1:${port}/v1/me`, { headers: { Authorization: `Bearer ${token}` } });
    expectRefusalHeaders(res);
    const { body } = await expectProblem(res, 401, 'auth.invalid_token');
    expect(body.detail).toMatch(/larger than the gateway accepts/);
  });

  it('serves a valid token over the same server', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/v1/me`, { headers: { Authorization: `Bearer ${await gw.partner.sign()}` } });
    expect(res.status).toBe(200);
  });
});
