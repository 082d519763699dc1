// The audit page's filters and where they live: in the URL query (so a reload keeps the page),
// except the actor, a token subject that some sign-in providers make a person's e-mail address.
export interface AuditFilters {
  from?: string;
  to?: string;
  actor?: string;
  action?: string;
  outcome?: string;
  subject?: string;
}

export const PAGE_SIZES = [10, 25, 50, 100] as const;
export const DEFAULT_PAGE_SIZE = 50;

/** What a pseudonym looks like (src/pseudonymization/pseudonymizer.ts). */
export const PSEUDONYM = /^p[1-9][0-9]{0,2}_[A-Za-z0-9_-]{22}$/;

const URL_KEYS = ['from', 'to', 'action', 'outcome', 'subject'] as const;

export interface AuditView {
  filters: AuditFilters;
  cursor: string | undefined;
  limit: number;
}

export function viewFromQuery(q: URLSearchParams, actor: string | undefined): AuditView {
  const filters: AuditFilters = {};
  for (const k of URL_KEYS) {
    const v = q.get(k);
    if (v) filters[k] = v;
  }
  if (actor) filters.actor = actor;
  const limit = Number(q.get('limit'));
  const cursor = q.get('cursor');
  return {
    filters,
    cursor: cursor && /^\d{1,15}$/.test(cursor) ? cursor : undefined,
    limit: (PAGE_SIZES as readonly number[]).includes(limit) ? limit : DEFAULT_PAGE_SIZE,
  };
}

/** The page's own URL query: the filters but the actor, the page size and cursor. */
export function pageQuery(v: AuditView): string {
  const q = new URLSearchParams();
  for (const k of URL_KEYS) if (v.filters[k]) q.set(k, v.filters[k]);
  if (v.limit !== DEFAULT_PAGE_SIZE) q.set('limit', String(v.limit));
  if (v.cursor) q.set('cursor', v.cursor);
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** The API's query for the filters (actor included), with more parameters. */
export function apiQuery(f: AuditFilters, more: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...f, ...more })) if (v) q.set(k, v);
  return q.toString();
}

/** A datetime-local control's value (local time, minutes) for an ISO instant, and back. */
export function isoToLocalInput(iso: string | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

export function localInputToIso(v: string): string | undefined {
  if (!v) return undefined;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}
