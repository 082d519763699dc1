// English and French: the browser's language picks, a switch overrides (kept for the tab only).
// Each page declares its own messages with defineMessages, so a page carries its words.
import { useEffect, useState } from 'preact/hooks';

export type Locale = 'en' | 'fr';
export const LOCALES: readonly Locale[] = ['en', 'fr'];
const KEY = 'veilgate.locale';

function initial(): Locale {
  const saved = sessionStorage.getItem(KEY);
  if (saved === 'en' || saved === 'fr') return saved;
  for (const l of navigator.languages ?? [navigator.language]) {
    const base = l.toLowerCase().slice(0, 2);
    if (base === 'fr' || base === 'en') return base;
  }
  return 'en';
}

let locale: Locale = initial();
const listeners = new Set<() => void>();
document.documentElement.lang = locale;

export function getLocale(): Locale {
  return locale;
}

export function setLocale(l: Locale): void {
  locale = l;
  sessionStorage.setItem(KEY, l);
  document.documentElement.lang = l;
  for (const f of listeners) f();
}

export function useLocale(): Locale {
  const [, setTick] = useState(0);
  useEffect(() => {
    const f = () => setTick((t) => t + 1);
    listeners.add(f);
    return () => void listeners.delete(f);
  }, []);
  return locale;
}

type Params = Record<string, string | number>;
export type Message = string | ((p: Params) => string);

/**
 * A page's messages in both languages; French must have every English key (the type says so).
 * Returns a hook giving the current language's messages, re-rendering on a switch.
 */
export function defineMessages<T extends Record<string, string | ((p: never) => string)>>(m: { en: T; fr: { [K in keyof T]: T[K] } }): () => T {
  return () => m[useLocale()];
}

// Formatting follows the interface language, not the machine's.
const tag = () => (locale === 'fr' ? 'fr-FR' : 'en-GB');
export const fmtNumber = (n: number, digits?: number) =>
  new Intl.NumberFormat(tag(), digits === undefined ? {} : { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(n);
export const fmtPercent = (share: number, digits = 1) =>
  new Intl.NumberFormat(tag(), { style: 'percent', minimumFractionDigits: digits, maximumFractionDigits: digits }).format(share);
export const fmtDateTime = (iso: string | number) => new Intl.DateTimeFormat(tag(), { dateStyle: 'medium', timeStyle: 'medium' }).format(new Date(iso));
export const fmtDate = (iso: string | number) => new Intl.DateTimeFormat(tag(), { dateStyle: 'medium' }).format(new Date(iso));
