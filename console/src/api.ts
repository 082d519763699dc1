// Calls to the gateway's /v1 API with the session's token. A 401 brings the sign-in back over
// the page and the call is made again once signed in; every other refusal is an ApiError with
// the problem+json the gateway sent.
import { useCallback, useEffect, useState } from 'preact/hooks';
import { expire, getSession, waitForSignIn } from './session.ts';

export interface FieldIssue {
  path: string;
  code?: string;
  message: string;
}

export interface Problem {
  type?: string;
  title?: string;
  status: number;
  detail?: string;
  code?: string;
  errors?: FieldIssue[];
}

export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail ?? problem.title ?? `HTTP ${problem.status}`);
  }
  get status(): number {
    return this.problem.status;
  }
}

async function send(method: string, path: string, body: unknown, accept: string): Promise<Response> {
  for (let attempt = 0; ; attempt++) {
    const token = getSession().token;
    if (!token) {
      expire();
      await waitForSignIn();
      continue;
    }
    const headers: Record<string, string> = { Authorization: `Bearer ${token}`, Accept: accept };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(path, { method, headers, ...(body !== undefined && { body: JSON.stringify(body) }), cache: 'no-store' });
    if (res.status === 401 && attempt < 3) {
      expire();
      await waitForSignIn();
      continue;
    }
    if (!res.ok) {
      let problem: Problem = { status: res.status };
      try {
        problem = { ...(await res.json()), status: res.status };
      } catch {
        /* not a problem document: the status says enough */
      }
      throw new ApiError(problem);
    }
    return res;
  }
}

export async function api<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const res = await send(method, path, body, 'application/json');
  return (res.status === 204 ? undefined : await res.json()) as T;
}

/** A file answer (CSV, NDJSON) as a Blob, for a download the user asked for. */
export async function apiFile(path: string, accept: string): Promise<Blob> {
  return (await send('GET', path, undefined, accept)).blob();
}

/** Saves a Blob under a name: an object URL the browser downloads, revoked right after. */
export function saveFile(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export interface Resource<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

/** GETs a path (null: nothing yet) and keeps its answer; reload() asks again. */
export function useApi<T>(path: string | null): Resource<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [loading, setLoading] = useState(path !== null);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (path === null) return;
    let live = true;
    setLoading(true);
    setError(undefined);
    api<T>('GET', path).then(
      (d) => {
        if (live) (setData(d), setLoading(false));
      },
      (e: unknown) => {
        if (live) (setError(e), setLoading(false));
      },
    );
    return () => {
      live = false;
    };
  }, [path, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, loading, reload };
}

/** The field errors of a 422, by field path (the first message of each). */
export function fieldErrors(error: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (error instanceof ApiError) for (const e of error.problem.errors ?? []) out[e.path] ??= e.message;
  return out;
}
