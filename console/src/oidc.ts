// OpenID Connect sign-in: authorization code flow with PKCE (RFC 7636), the console being a public
// client. Across the trip to the provider this tab's sessionStorage keeps only what the flow needs
// (PKCE verifier, state, nonce, the page to come back to): nothing personal, never a token. The
// access token the provider issues is the gateway's bearer token, checked by GET /v1/me.
import type { ConsoleConfig } from './config.ts';
import { BASE } from './router.ts';
import { SignInRefused, signIn } from './session.ts';

export type OidcProvider = ConsoleConfig['oidc'][number];

const PENDING_KEY = 'veilgate.oidc';

interface Pending {
  provider: string;
  state: string;
  nonce: string;
  verifier: string;
  returnTo: string;
}

interface Discovery {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
}

export type OidcFailure =
  | 'discovery'
  | 'issuer_mismatch'
  | 'token_endpoint_origin'
  | 'no_s256'
  | 'no_pending'
  | 'state_mismatch'
  | 'provider_error'
  | 'iss_mismatch'
  | 'no_code'
  | 'token_refused'
  | 'bad_token_answer'
  | 'id_token_mismatch'
  | 'gateway_refused';

/** Why a sign-in stopped; `detail` is what the provider or the gateway said, when they said it. */
export class OidcError extends Error {
  constructor(
    readonly reason: OidcFailure,
    readonly detail?: string,
  ) {
    super(`OpenID Connect sign-in failed: ${reason}`);
    this.name = 'OidcError';
  }
}

const base64url = (bytes: Uint8Array): string => {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
};

/** `bytes` random bytes as base64url: 32 give the 43 characters RFC 7636 asks of a verifier at least. */
const random = (bytes: number): string => base64url(crypto.getRandomValues(new Uint8Array(bytes)));

async function s256(verifier: string): Promise<string> {
  return base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));
}

const parseUrl = (u: unknown): URL | undefined => {
  if (typeof u !== 'string') return undefined;
  try {
    return new URL(u);
  } catch {
    return undefined;
  }
};

export const redirectUri = (): string => `${location.origin}${BASE}/oidc-callback`;

/**
 * The provider's endpoints, checked: the document must name the issuer of issuers.yaml (a
 * document for another issuer would send codes and tokens elsewhere), and its token endpoint must
 * be on the discovery URL's origin, the only provider origin the console's CSP lets it reach.
 */
async function discover(p: OidcProvider): Promise<Discovery> {
  let doc: Partial<Discovery> & { code_challenge_methods_supported?: unknown };
  try {
    const res = await fetch(p.discovery_url, { headers: { Accept: 'application/json' }, credentials: 'omit', cache: 'no-store' });
    if (!res.ok) throw new Error(String(res.status));
    doc = (await res.json()) as typeof doc;
  } catch (e) {
    throw new OidcError('discovery', e instanceof Error ? e.message : undefined);
  }
  if (doc.issuer !== p.issuer) throw new OidcError('issuer_mismatch', typeof doc.issuer === 'string' ? doc.issuer : undefined);
  const authorize = parseUrl(doc.authorization_endpoint);
  const token = parseUrl(doc.token_endpoint);
  if (!authorize || !token) throw new OidcError('discovery');
  if (token.origin !== new URL(p.discovery_url).origin) throw new OidcError('token_endpoint_origin', token.origin);
  const methods = doc.code_challenge_methods_supported;
  if (Array.isArray(methods) && !methods.includes('S256')) throw new OidcError('no_s256');
  return { issuer: doc.issuer, authorization_endpoint: authorize.href, token_endpoint: token.href };
}

/** Where to land after signing in: a console page, never the sign-in pages themselves nor another site. */
function landing(returnTo: string): string {
  const url = new URL(returnTo, 'https://console.invalid');
  if (url.pathname === '/sign-in' || url.pathname === '/dev-sign-in') {
    const r = url.searchParams.get('return');
    return r && r.startsWith('/') && !r.startsWith('//') ? r : '/';
  }
  return returnTo.startsWith('/') && !returnTo.startsWith('//') ? returnTo : '/';
}

/** Leaves for the provider's authorization endpoint; resolves only if it could not. */
export async function startSignIn(p: OidcProvider, returnTo: string): Promise<void> {
  const d = await discover(p);
  const pending: Pending = { provider: p.id, state: random(16), nonce: random(16), verifier: random(32), returnTo: landing(returnTo) };
  const url = new URL(d.authorization_endpoint);
  const q = url.searchParams;
  q.set('response_type', 'code');
  q.set('client_id', p.client_id);
  q.set('redirect_uri', redirectUri());
  q.set('scope', ['openid', ...p.scopes.filter((s) => s !== 'openid')].join(' '));
  q.set('state', pending.state);
  q.set('nonce', pending.nonce);
  q.set('code_challenge', await s256(pending.verifier));
  q.set('code_challenge_method', 'S256');
  if (p.resource) q.set('resource', p.resource);
  sessionStorage.setItem(PENDING_KEY, JSON.stringify(pending));
  location.assign(url.href);
}

export interface CallbackParams {
  code?: string;
  state?: string;
  iss?: string;
  error?: string;
  error_description?: string;
}

let taken: CallbackParams | undefined;

/** Reads the provider's answer from the address bar and removes it there at once (the code is single-use, but no history entry should keep it). */
export function takeCallback(): CallbackParams {
  if (taken) return taken;
  const q = new URLSearchParams(location.search);
  const out: CallbackParams = {};
  for (const k of ['code', 'state', 'iss', 'error', 'error_description'] as const) {
    const v = q.get(k);
    if (v !== null) out[k] = v;
  }
  history.replaceState(null, '', `${BASE}/oidc-callback`);
  taken = out;
  return out;
}

function readPending(): Pending | undefined {
  const raw = sessionStorage.getItem(PENDING_KEY);
  // one use: a second arrival on the callback (a replayed or forged answer) finds nothing
  sessionStorage.removeItem(PENDING_KEY);
  if (!raw) return undefined;
  try {
    const p = JSON.parse(raw) as Partial<Pending>;
    if (
      typeof p.provider === 'string' &&
      typeof p.state === 'string' &&
      typeof p.nonce === 'string' &&
      typeof p.verifier === 'string' &&
      typeof p.returnTo === 'string'
    )
      return p as Pending;
  } catch {
    // unreadable: treated as absent
  }
  return undefined;
}

function decodePayload(jwt: string): Record<string, unknown> | undefined {
  try {
    const part = jwt.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/');
    const bytes = Uint8Array.from(atob(part.padEnd(part.length + ((4 - (part.length % 4)) % 4), '=')), (c) => c.charCodeAt(0));
    return JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/**
 * The ID token came straight from the token endpoint over the connection the browser checked, so
 * (OpenID Connect Core 3.1.3.7) its claims are checked without its signature: it must be for this
 * client, from this issuer, and carry this sign-in's nonce. Its other claims are not read.
 */
function checkIdToken(idToken: unknown, p: OidcProvider, nonce: string): void {
  const claims = typeof idToken === 'string' ? decodePayload(idToken) : undefined;
  if (!claims) throw new OidcError('id_token_mismatch');
  const aud = claims['aud'];
  const audOk = aud === p.client_id || (Array.isArray(aud) && aud.includes(p.client_id));
  if (claims['iss'] !== p.issuer || !audOk || claims['nonce'] !== nonce) throw new OidcError('id_token_mismatch');
}

/**
 * Completes the sign-in from the provider's answer: checks it is the answer to this tab's request,
 * exchanges the code for tokens with the PKCE verifier, and signs in with the access token.
 * Returns the console path to go to.
 */
export async function finishSignIn(params: CallbackParams, config: ConsoleConfig): Promise<string> {
  const pending = readPending();
  if (!pending) throw new OidcError('no_pending');
  if (params.state !== pending.state) throw new OidcError('state_mismatch');
  if (params.error) throw new OidcError('provider_error', [params.error, params.error_description].filter(Boolean).join(': '));
  const p = config.oidc.find((o) => o.id === pending.provider);
  if (!p) throw new OidcError('no_pending');
  // RFC 9207: an answer naming another issuer is a mix-up, whatever its code
  if (params.iss !== undefined && params.iss !== p.issuer) throw new OidcError('iss_mismatch', params.iss);
  if (!params.code) throw new OidcError('no_code');
  const d = await discover(p);
  const body = new URLSearchParams({
    grant_type: 'authorization_code',
    code: params.code,
    redirect_uri: redirectUri(),
    client_id: p.client_id,
    code_verifier: pending.verifier,
  });
  if (p.resource) body.set('resource', p.resource);
  let answer: { access_token?: unknown; token_type?: unknown; id_token?: unknown; error?: unknown; error_description?: unknown };
  let res: Response;
  try {
    res = await fetch(d.token_endpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body,
      credentials: 'omit',
      cache: 'no-store',
    });
    answer = (await res.json()) as typeof answer;
  } catch (e) {
    throw new OidcError('token_refused', e instanceof Error ? e.message : undefined);
  }
  if (!res.ok) {
    const said = [answer.error, answer.error_description].filter((x) => typeof x === 'string').join(': ');
    throw new OidcError('token_refused', said || String(res.status));
  }
  if (typeof answer.access_token !== 'string' || typeof answer.token_type !== 'string' || answer.token_type.toLowerCase() !== 'bearer') {
    throw new OidcError('bad_token_answer');
  }
  checkIdToken(answer.id_token, p, pending.nonce);
  try {
    await signIn(answer.access_token);
  } catch (e) {
    if (e instanceof SignInRefused) throw new OidcError('gateway_refused', e.detail ?? String(e.status));
    throw new OidcError('gateway_refused');
  }
  return pending.returnTo;
}
