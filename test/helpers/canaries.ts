// Synthetic identities whose every identifying value carries a unique canary, plus the checksum
// generators (IBAN, NIR, SIRET) and the byte scanner the leak test uses to look for them.
import crypto from 'node:crypto';
import { composeIBAN, electronicFormatIBAN, friendlyFormatIBAN, isValidIBAN } from 'ibantools';
import { parsePhoneNumberWithError } from 'libphonenumber-js/max';

/** French letters-to-digits table of the RIB key (A,J -> 1; B,K,S -> 2; ...). */
function ribDigits(s: string): string {
  return s.replace(/[A-Z]/g, (c) => {
    const n = c.charCodeAt(0) - 65;
    // A-I -> 1-9, J-R -> 1-9, S-Z -> 2-9
    return String(n < 9 ? n + 1 : n < 18 ? n - 8 : n - 16);
  });
}

/** A French IBAN (mod-97 and RIB key valid) whose 11-character account number is `account`. */
export function frenchIban(account: string, bank = '30004', branch = '00823'): string {
  if (!/^[A-Z0-9]{11}$/.test(account)) throw new Error('account must be 11 characters A-Z0-9');
  const body = BigInt(ribDigits(bank + branch + account) + '00');
  const key = String(97n - (body % 97n)).padStart(2, '0');
  const iban = composeIBAN({ countryCode: 'FR', bban: bank + branch + account + key });
  if (!iban || !isValidIBAN(iban)) throw new Error(`generated IBAN is not valid: ${String(iban)}`);
  return iban;
}

/** The same IBAN with its two check digits altered: well-formed, mod-97 invalid. */
export function brokenIban(iban: string): string {
  const check = Number(iban.slice(2, 4));
  const bad = `${iban.slice(0, 2)}${String(((check + 11) % 97) + 2).padStart(2, '0')}${iban.slice(4)}`;
  if (isValidIBAN(bad)) throw new Error('broken IBAN is still valid');
  return bad;
}

/** ISO 13616 check digits computed over `bban` for `country`, whatever the BBAN's national key says. */
export function withIbanCheck(country: string, bban: string): string {
  const num = (bban + country + '00').replace(/[A-Z]/g, (c) => String(c.charCodeAt(0) - 55));
  return country + String(98n - (BigInt(num) % 97n)).padStart(2, '0') + bban;
}

/** mod 97 of an IBAN read as ISO 13616 says (1 for a valid IBAN). */
export function ibanMod97(iban: string): number {
  const num = (iban.slice(4) + iban.slice(0, 4)).replace(/[A-Z]/g, (c) => String(c.charCodeAt(0) - 55));
  return Number(BigInt(num) % 97n);
}

/** A French IBAN whose ISO check digits are right but whose RIB key (last two BBAN digits) is wrong. */
export function ibanWithBadRibKey(iban: string): string {
  const bban = iban.slice(4);
  const key = Number(bban.slice(-2));
  const bad = withIbanCheck('FR', bban.slice(0, -2) + String((key + 1) % 97).padStart(2, '0'));
  if (isValidIBAN(bad) || ibanMod97(bad) !== 1) throw new Error('RIB-key case is not what it claims');
  return bad;
}

/** NIR: 13 characters (department may be 2A/2B) + key = 97 - (number mod 97). */
export function nir(sex: 1 | 2, yy: string, mm: string, dep: string, commune: string, order: string): string {
  const num = `${sex}${yy}${mm}${dep === '2A' ? '19' : dep === '2B' ? '18' : dep}${commune}${order}`;
  if (!/^\d{13}$/.test(num)) throw new Error('bad NIR parts');
  const key = String(97n - (BigInt(num) % 97n)).padStart(2, '0');
  return `${sex}${yy}${mm}${dep}${commune}${order}${key}`;
}

export function luhnDigit(digits: string): string {
  for (let d = 0; d <= 9; d++) {
    const s = digits + d;
    let sum = 0;
    for (let i = 0; i < s.length; i++) {
      let x = s.charCodeAt(s.length - 1 - i) - 48;
      if (i % 2 === 1) {
        x *= 2;
        if (x > 9) x -= 9;
      }
      sum += x;
    }
    if (sum % 10 === 0) return String(d);
  }
  throw new Error('unreachable');
}

/** A Luhn-valid 14-digit SIRET (never La Poste's 356000000 prefix). */
export const siret = (thirteen: string): string => {
  if (!/^\d{13}$/.test(thirteen) || thirteen.startsWith('356000000')) throw new Error('bad SIRET prefix');
  return thirteen + luhnDigit(thirteen);
};

export function e164(national: string): string {
  const p = parsePhoneNumberWithError(national, 'FR');
  if (!p.isValid()) throw new Error(`not a valid French number: ${national}`);
  return p.number;
}

/** A random French mobile number (06 / 07) that libphonenumber-js holds valid. */
export function frenchMobile(): string {
  for (;;) {
    const m = `0${crypto.randomInt(6, 8)}${digits(8)}`;
    const p = parsePhoneNumberWithError(m, 'FR');
    if (p.isValid() && p.getType() === 'MOBILE') return m;
  }
}

/** Random decimal digits (n of them) from a seeded-free CSPRNG. */
export const digits = (n: number): string => Array.from(crypto.randomBytes(n), (b) => String(b % 10)).join('');

export interface Identity {
  i: number;
  /** The record as a source sends it (raw, un-normalized forms). */
  record: Record<string, string | number>;
  /** Normalized forms the gateway should keep (encrypted) in the vault. */
  normalized: Record<string, string>;
  /** Every string that must never appear outside the vault ciphertext, with a label. */
  needles: { label: string; value: string }[];
}

/** The letter each text identifier's canary carries: canary-<tag>-<letter><i>. */
const CANARY_CODE = { customer_id: 'c', email: 'e', first_name: 'f', last_name: 'l', street: 's', city: 't' } as const;

/** Unusual quasi-identifier values: none is a substring of the fixed test clock's digits. */
const BIRTH_DATES = ['1941-07-23', '1952-11-03', '1967-02-19', '1933-09-27', '1978-12-06', '1949-04-11', '1958-08-29', '1936-05-13'];
const SIGNUP_DATES = ['2011-03-17', '2013-10-29', '2009-06-04', '2014-01-27', '2012-08-13', '2010-11-22', '2015-04-09', '2008-09-30'];
const POSTCODES = ['20167', '04170', '48150', '23460', '05290', '97133', '09390', '15190'];

/**
 * A synthetic identity numbered `i` (1..8), every direct identifier carrying `canary-<tag>-<field><i>`
 * or, for numeric identifiers, random digits unique to this run.
 */
export function canaryIdentity(tag: string, i: number): Identity {
  if (i < 1 || i > BIRTH_DATES.length) throw new Error('identity index out of range');
  const n = String(i).padStart(2, '0');
  const c = (field: string) => `canary-${tag}-${field}${n}`;
  const emailRaw = `  Prenom.${c('e').replace('canary', 'CaNaRy')}@Example-Mail.TEST `;
  const email = emailRaw.trim().toLowerCase();
  const mobile = frenchMobile();
  const phoneRaw = mobile.replace(/(\d{2})(?=\d)/g, '$1 ');
  const phone = e164(mobile);
  const account = `CN${tag.toUpperCase()}${n}X`;
  const iban = frenchIban(account);
  const ibanRaw = friendlyFormatIBAN(iban)!;
  const nirValue = nir(i % 2 === 0 ? 2 : 1, BIRTH_DATES[i - 1]!.slice(2, 4), BIRTH_DATES[i - 1]!.slice(5, 7), '75', digits(3), digits(3));
  const nirRaw = nirValue.replace(/^(\d)(\d{2})(\d{2})(\w{2})(\d{3})(\d{3})(\d{2})$/, '$1 $2 $3 $4 $5 $6 $7');
  const siretValue = siret(`8${digits(12)}`);
  const siretRaw = siretValue.replace(/^(\d{3})(\d{3})(\d{3})(\d{5})$/, '$1 $2 $3 $4');
  const record: Record<string, string | number> = {
    customer_id: `CID-${c('c')}`,
    email: emailRaw,
    first_name: ` Anne-${c('f')} `,
    last_name: `Nom-${c('l')}`,
    phone: phoneRaw,
    street: `${i} rue du ${c('s')}`,
    postcode: POSTCODES[i - 1]!,
    city: `Ville-${c('t')}`,
    country: 'fr',
    birth_date: BIRTH_DATES[i - 1]!,
    signup_date: SIGNUP_DATES[i - 1]!,
    gender: i % 2 === 0 ? 'f' : 'm',
    csp: 'cadre',
    income: 30000 + i * 1000,
    iban: ibanRaw,
    nir: nirRaw,
    siret: siretRaw,
    channel_preference: 'web',
  };
  const normalized: Record<string, string> = {
    customer_id: String(record['customer_id']),
    email,
    first_name: `Anne-${c('f')}`,
    last_name: `Nom-${c('l')}`,
    phone,
    street: `${i} rue du ${c('s')}`,
    postcode: POSTCODES[i - 1]!,
    city: `Ville-${c('t')}`,
    country: 'FR',
    birth_date: BIRTH_DATES[i - 1]!,
    signup_date: SIGNUP_DATES[i - 1]!,
    iban: electronicFormatIBAN(iban)!,
    nir: nirValue,
    siret: siretValue,
  };
  const needles = [
    ...Object.entries(CANARY_CODE).map(([f, code]) => ({ label: `${f}#${i}`, value: c(code) })),
    { label: `email#${i} normalized`, value: email },
    { label: `phone#${i} raw`, value: phoneRaw },
    { label: `phone#${i} national`, value: mobile },
    { label: `phone#${i} e164`, value: phone },
    { label: `phone#${i} nsn`, value: phone.slice(3) },
    { label: `iban#${i} compact`, value: normalized['iban']! },
    { label: `iban#${i} friendly`, value: ibanRaw },
    { label: `iban#${i} account`, value: account },
    { label: `nir#${i} compact`, value: nirValue },
    { label: `nir#${i} raw`, value: nirRaw },
    { label: `siret#${i} compact`, value: siretValue },
    { label: `siret#${i} raw`, value: siretRaw },
    { label: `birth_date#${i}`, value: BIRTH_DATES[i - 1]! },
    { label: `birth_date#${i} compact`, value: BIRTH_DATES[i - 1]!.replaceAll('-', '') },
    { label: `signup_date#${i}`, value: SIGNUP_DATES[i - 1]! },
    { label: `postcode#${i}`, value: POSTCODES[i - 1]! },
  ];
  return { i, record, normalized, needles };
}

export interface Hit {
  label: string;
  value: string;
  at: number;
}

/**
 * Case-insensitive search of `haystack` (bytes read as latin1, so any UTF-8 text is found) for
 * each needle. Short hex-like needles (postcodes) inside a long run of hex characters are random
 * identifiers (UUIDs, sha256), not a leak, and are skipped.
 */
export function scan(haystack: Buffer | string, needles: readonly { label: string; value: string }[]): Hit[] {
  const text = (typeof haystack === 'string' ? Buffer.from(haystack, 'utf8') : haystack).toString('latin1').toLowerCase();
  const hits: Hit[] = [];
  for (const { label, value } of needles) {
    const needle = Buffer.from(value, 'utf8').toString('latin1').toLowerCase();
    if (needle.length === 0) continue;
    const shortHex = needle.length < 9 && /^[0-9a-f-]+$/.test(needle);
    for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + 1)) {
      if (shortHex && hexRun(text, at, needle.length) >= 20) continue;
      hits.push({ label, value, at });
    }
  }
  return hits;
}

function hexRun(text: string, at: number, len: number): number {
  const hex = (ch: string | undefined) => ch !== undefined && /[0-9a-f-]/.test(ch);
  let a = at;
  let b = at + len;
  while (hex(text[a - 1])) a--;
  while (hex(text[b])) b++;
  return b - a;
}
