// Generalizations of quasi-identifiers into features: age, age band, area, tenure.
import { epochDay } from './field-value.ts';

/** Departement from a French postcode; Corsica (20xxx) splits into 2A (200-201) and 2B (202-206). */
export function departement(postcode: string): string | undefined {
  if (!/^\d{5}$/.test(postcode)) return undefined;
  if (postcode.startsWith('20')) return Number(postcode.slice(0, 3)) < 202 ? '2A' : '2B';
  // Overseas departements (971-976) keep three digits: two would merge them all into "97".
  if (postcode.startsWith('97')) return postcode.slice(0, 3);
  return postcode.slice(0, 2);
}

const monthDay = (iso: string) => Number(iso.slice(5, 7)) * 100 + Number(iso.slice(8, 10));

/** Whole years from an ISO birth date (YYYY-MM-DD, validated upstream) to an ISO day. */
export function ageYears(birthDate: string, todayIso: string): number {
  return Number(todayIso.slice(0, 4)) - Number(birthDate.slice(0, 4)) - (monthDay(todayIso) < monthDay(birthDate) ? 1 : 0);
}

/** Band label for `age` given increasing lower bounds: [18,25,35] -> "<18", "18-24", "25-34", "35+". */
export function ageBand(age: number, bands: readonly number[]): string {
  if (age < bands[0]!) return `<${bands[0]}`;
  for (let i = bands.length - 1; i >= 0; i--) {
    if (age >= bands[i]!) return i === bands.length - 1 ? `${bands[i]}+` : `${bands[i]}-${bands[i + 1]! - 1}`;
  }
  return `<${bands[0]}`;
}

/**
 * Epoch day of the first day of the month, quarter or year holding `isoDate`: what tenure is
 * counted from, so the stored value never gives the exact date back.
 */
export function periodStart(isoDate: string, granularity: 'month' | 'quarter' | 'year'): number {
  const y = isoDate.slice(0, 4);
  const m = Number(isoDate.slice(5, 7));
  const month = granularity === 'year' ? 1 : granularity === 'quarter' ? m - ((m - 1) % 3) : m;
  return epochDay(`${y}-${String(month).padStart(2, '0')}-01`);
}
