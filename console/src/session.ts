// Who is signed in. The token is kept in memory and in this tab's sessionStorage (so a reload
// or the OpenID redirect keeps the session): never in localStorage, a cookie or a URL.
import { useEffect, useState } from 'preact/hooks';

export interface Me {
  issuer: string;
  issuer_id: string;
  subject: string;
  roles: string[];
  expires_at: string;
  operations: string[];
  purposes: { id: string; description: string }[];
  features: { name: string; category: string; kind: 'numeric' | 'categorical'; purposes: string[] }[];
  privilege: { export_members: boolean; min_group_size: number; reidentify_purposes: string[]; four_eyes_fields: string[]; min_justification: number };
  policy_version: string;
}

const TOKEN_KEY = 'veilgate.token';

interface State {
  token: string | undefined;
  me: Me | undefined;
  /** The token was refused or ran out: the sign-in shows over the page, which keeps its state. */
  expired: boolean;
}

let state: State = { token: undefined, me: undefined, expired: false };
const listeners = new Set<() => void>();
let waiters: (() => void)[] = [];
let expiryTimer: number | undefined;

function set(next: Partial<State>) {
  state = { ...state, ...next };
  for (const l of listeners) l();
}

export function getSession(): Readonly<State> {
  return state;
}

export function useSession(): Readonly<State> {
  const [, setTick] = useState(0);
  useEffect(() => {
    const l = () => setTick((t) => t + 1);
    listeners.add(l);
    return () => void listeners.delete(l);
  }, []);
  return state;
}

export const can = (op: string): boolean => state.me?.operations.includes(op) ?? false;

/** The gateway refused a token at sign-in: its status and its own reason (never the token). */
export class SignInRefused extends Error {
  constructor(
    readonly status: number,
    readonly detail: string | undefined,
  ) {
    super(`sign-in refused (${status})`);
    this.name = 'SignInRefused';
  }
}

/** Checks a token with GET /v1/me and makes it the session's; throws the API's refusal. */
export async function signIn(token: string): Promise<Me> {
  const res = await fetch('/v1/me', { headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' } });
  if (!res.ok) {
    const problem = (await res.json().catch(() => undefined)) as { detail?: unknown } | undefined;
    throw new SignInRefused(res.status, typeof problem?.detail === 'string' ? problem.detail : undefined);
  }
  const me = (await res.json()) as Me;
  sessionStorage.setItem(TOKEN_KEY, token);
  set({ token, me, expired: false });
  clearTimeout(expiryTimer);
  const left = Date.parse(me.expires_at) - Date.now();
  // setTimeout takes at most 2^31-1 ms; a longer token is re-checked by the API's 401 anyway
  if (left < 2 ** 31 - 1) expiryTimer = window.setTimeout(expire, Math.max(0, left));
  const w = waiters;
  waiters = [];
  for (const f of w) f();
  return me;
}

/** Resumes the tab's session after a reload, if its token still works. */
export async function resume(): Promise<boolean> {
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (!token) return false;
  try {
    await signIn(token);
    return true;
  } catch {
    sessionStorage.removeItem(TOKEN_KEY);
    return false;
  }
}

export function expire(): void {
  if (!state.token) return;
  sessionStorage.removeItem(TOKEN_KEY);
  set({ token: undefined, expired: true });
}

/** Resolves once someone has signed in again after an expiry. */
export function waitForSignIn(): Promise<void> {
  return new Promise((resolve) => waiters.push(resolve));
}

/** Forgets the token and everything the tab kept. */
export function signOut(): void {
  clearTimeout(expiryTimer);
  sessionStorage.clear();
  set({ token: undefined, me: undefined, expired: false });
}
