// Reads one raw cell as the dictionary type says: string, number, ISO-8601 date or boolean.
export type Cell = string | number | boolean;

export type Coerced = { ok: true; value: Cell } | { ok: false; code: 'type' | 'invalid_unicode'; message: string };

const NUMBER = /^[+-]?\d+(?:[.,]\d+)?$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
const TRUE = new Set(['true', '1', 'yes', 'oui', 'y']);
const FALSE = new Set(['false', '0', 'no', 'non', 'n']);

/** Empty string, null and undefined are all "absent" for an optional field. */
export const isAbsent = (v: unknown): boolean => v === undefined || v === null || (typeof v === 'string' && v.trim() === '');

export function coerce(type: 'string' | 'number' | 'date' | 'timestamp' | 'boolean', raw: unknown): Coerced {
  if (typeof raw === 'string' && (!raw.isWellFormed() || raw.includes('\u0000'))) {
    return { ok: false, code: 'invalid_unicode', message: 'contains a lone surrogate or NUL character' };
  }
  switch (type) {
    case 'string':
      if (typeof raw === 'string') return { ok: true, value: raw };
      if (typeof raw === 'number' && Number.isFinite(raw)) return { ok: true, value: String(raw) };
      return { ok: false, code: 'type', message: 'must be a string' };
    case 'number': {
      if (typeof raw === 'number' && Number.isFinite(raw)) return { ok: true, value: raw };
      if (typeof raw === 'string' && NUMBER.test(raw.trim())) return { ok: true, value: Number(raw.trim().replace(',', '.')) };
      return { ok: false, code: 'type', message: 'must be a number' };
    }
    case 'date': {
      const day = typeof raw === 'string' ? isoDay(raw.trim()) : undefined;
      return day ? { ok: true, value: day } : { ok: false, code: 'type', message: 'must be an ISO-8601 date (YYYY-MM-DD)' };
    }
    case 'timestamp': {
      const t = typeof raw === 'string' ? isoTimestamp(raw.trim()) : undefined;
      return t ? { ok: true, value: t } : { ok: false, code: 'type', message: 'must be an ISO-8601 date or date-time' };
    }
    case 'boolean': {
      if (typeof raw === 'boolean') return { ok: true, value: raw };
      const s = typeof raw === 'string' ? raw.trim().toLowerCase() : typeof raw === 'number' ? String(raw) : '';
      if (TRUE.has(s)) return { ok: true, value: true };
      if (FALSE.has(s)) return { ok: true, value: false };
      return { ok: false, code: 'type', message: 'must be true or false' };
    }
  }
}

/** Canonical YYYY-MM-DD of an ISO date or date-time (date-times with an offset are read in UTC). */
export function isoDay(s: string): string | undefined {
  const m = DATE.exec(s);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return undefined;
  if (m[4] !== undefined && m[7] !== undefined) {
    const t = Date.parse(m[7] === 'Z' || m[7].includes(':') ? s.replace(' ', 'T') : s.replace(' ', 'T').replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
    if (Number.isNaN(t)) return undefined;
    return new Date(t).toISOString().slice(0, 10);
  }
  return `${m[1]}-${m[2]}-${m[3]}`;
}

/** Canonical UTC ISO timestamp of an ISO date or date-time; a date alone is midnight UTC. */
export function isoTimestamp(s: string): string | undefined {
  const m = DATE.exec(s);
  if (!m || !isoDay(m[0].slice(0, 10))) return undefined;
  const t =
    m[4] === undefined
      ? Date.parse(m[0].slice(0, 10) + 'T00:00:00Z')
      : Date.parse(s.replace(' ', 'T').replace(/([+-]\d{2})(\d{2})$/, '$1:$2') + (m[7] === undefined ? 'Z' : ''));
  return Number.isNaN(t) ? undefined : new Date(t).toISOString();
}

export const DAY_MS = 86_400_000;
export const epochDay = (isoDate: string): number => Math.floor(Date.parse(isoDate + 'T00:00:00Z') / DAY_MS);
