// Synthetic but checksum-valid French identifiers: IBAN (with RIB key), NIR, SIRET (Luhn) and mobile numbers.
import { Permutation, WeightedTable, type Rng } from './rng.ts';

/** Remainder mod 97 of a long decimal string, digit by digit (no BigInt on the hot path). */
export function mod97(digits: string): number {
  let r = 0;
  for (let i = 0; i < digits.length; i++) r = (r * 10 + (digits.charCodeAt(i) - 48)) % 97;
  return r;
}

/** Letters of a French account number as the RIB key reads them (A,J→1 B,K,S→2 ... I,R,Z→9). */
function ribDigits(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    if (c >= 48 && c <= 57) out += ch;
    else {
      const i = c - 65; // A=0
      out += String(i < 9 ? i + 1 : i < 18 ? i - 8 : i - 16);
    }
  }
  return out;
}

/** The 2-digit RIB key of bank (5) + branch (5) + account (11). */
export function ribKey(bank: string, branch: string, account: string): string {
  const r = (89 * Number(bank) + 15 * Number(branch) + 3 * Number(ribDigits(account))) % 97;
  return String(97 - r).padStart(2, '0');
}

/** IBAN check digits of a country code and BBAN (ISO 13616 mod 97-10). */
export function ibanCheckDigits(country: string, bban: string): string {
  let numeric = '';
  for (const ch of bban + country + '00') {
    const c = ch.charCodeAt(0);
    numeric += c >= 65 ? String(c - 55) : ch;
  }
  return String(98 - mod97(numeric)).padStart(2, '0');
}

/** Bank codes of real French banks (the accounts are random, so no IBAN is anyone's). */
const BANKS = new WeightedTable<string>([
  ['30004', 14], // BNP Paribas
  ['30003', 12], // Société Générale
  ['30002', 7], // LCL
  ['20041', 8], // La Banque Postale
  ['10278', 8], // Crédit Mutuel
  ['30066', 5], // CIC
  ['11306', 4],
  ['13106', 3],
  ['16006', 4],
  ['18206', 4],
  ['17806', 3], // Crédit Agricole regional banks
  ['13335', 3],
  ['17515', 3],
  ['14505', 3], // Caisses d'Épargne
  ['10107', 3], // BRED
  ['12548', 2], // Axa Banque
  ['40618', 3], // Boursorama
]);

/** An electronic-format French IBAN, valid (RIB key and IBAN check digits), with a random account. */
export function frenchIban(rng: Rng): string {
  const bank = BANKS.pick(rng);
  const branch = rng.digits(5);
  const account = rng.digits(11);
  const bban = bank + branch + account + ribKey(bank, branch, account);
  return 'FR' + ibanCheckDigits('FR', bban) + bban;
}

/** The same IBAN with check digits that cannot be right (the IBAN checksum then fails). */
export function withWrongIbanCheck(iban: string, rng: Rng): string {
  const right = Number(iban.slice(2, 4));
  const wrong = 2 + ((right - 2 + rng.int(1, 96)) % 97); // 02..98, never `right`
  return iban.slice(0, 2) + String(wrong).padStart(2, '0') + iban.slice(4);
}

/** Paper format: groups of four separated by spaces. */
export const printIban = (iban: string): string => iban.replace(/(.{4})(?=.)/g, '$1 ');

/** NIR key: 97 - (13-digit number mod 97), Corsica 2A/2B read as 19/18. */
export function nirKey(body13: string): string {
  const numeric = body13.replace(/2A/i, '19').replace(/2B/i, '18');
  return String(97 - mod97(numeric)).padStart(2, '0');
}

/** Countries of birth abroad, by their INSEE code (used as commune after département 99). */
const BIRTH_COUNTRIES = ['350', '352', '351', '139', '127', '134', '109', '131', '341', '331'] as const;

export interface NirInput {
  gender: 'f' | 'm';
  birthYear: number;
  birthMonth: number;
  /** Département of birth ('01'..'95', '2A', '2B', '971'..'974'), or undefined for born abroad. */
  birthDepartement: string | undefined;
}

/** A 15-character NIR consistent with gender, birth year and month, with a valid key. */
export function frenchNir(input: NirInput, rng: Rng): string {
  const sex = input.gender === 'm' ? '1' : '2';
  const yy = String(input.birthYear % 100).padStart(2, '0');
  const mm = String(input.birthMonth).padStart(2, '0');
  let place: string;
  const dep = input.birthDepartement;
  if (dep === undefined) place = '99' + rng.pick(BIRTH_COUNTRIES);
  else if (dep.length === 3)
    place = dep + String(rng.int(1, 34)).padStart(2, '0'); // overseas: 97x + 2-digit commune
  else {
    // Corsica was département 20 until 1976.
    const d = (dep === '2A' || dep === '2B') && input.birthYear < 1976 ? '20' : dep;
    place = d + String(rng.int(1, 899)).padStart(3, '0');
  }
  const order = String(rng.int(1, 999)).padStart(3, '0');
  const body = sex + yy + mm + place + order;
  return body + nirKey(body);
}

/** The Luhn check digit that makes `partial + digit` pass the Luhn test. */
export function luhnCheckDigit(partial: string): string {
  let sum = 0;
  for (let i = 0; i < partial.length; i++) {
    let d = partial.charCodeAt(partial.length - 1 - i) - 48;
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return String((10 - (sum % 10)) % 10);
}

export function luhnValid(digits: string): boolean {
  return /^\d+$/.test(digits) && luhnCheckDigit(digits.slice(0, -1)) === digits.slice(-1);
}

/** A SIRET: a Luhn-valid SIREN (never La Poste's 356000000) + NIC, the 14 digits Luhn-valid too. */
export function frenchSiret(rng: Rng): string {
  let siren8: string;
  do siren8 = String(rng.int(1, 9)) + rng.digits(7);
  while (siren8 === '35600000');
  const siren = siren8 + luhnCheckDigit(siren8);
  const nic4 = '000' + String(rng.int(1, 9)); // most establishments are 0001x..0009x
  return siren + nic4 + luhnCheckDigit(siren + nic4);
}

/**
 * French mobile prefixes (first three national digits) that libphonenumber's full metadata
 * accepts as valid mobile numbers for every continuation: 060-063 (not 0639), 064-068, 073-079.
 */
const MOBILE_PREFIXES: readonly string[] = (() => {
  const out: string[] = [];
  for (let p = 600; p <= 689; p++) if (p !== 639) out.push(String(p));
  for (let p = 730; p <= 799; p++) out.push(String(p));
  return out;
})();

export const MOBILE_NUMBER_SPACE = MOBILE_PREFIXES.length * 1_000_000;

/**
 * Unique French mobile numbers: customer i gets the i-th value of a keyed permutation of the
 * mobile number space, as 9 national digits (without the leading 0).
 */
export class MobileNumbers {
  private readonly perm: Permutation;
  constructor(key: number) {
    this.perm = new Permutation(MOBILE_NUMBER_SPACE, key);
  }
  national(index: number): string {
    const v = this.perm.at(index);
    return MOBILE_PREFIXES[Math.floor(v / 1_000_000)]! + String(v % 1_000_000).padStart(6, '0');
  }
}

export type PhoneStyle = 'spaced' | 'compact' | 'intl_spaced' | 'e164' | 'dotted';

export const PHONE_STYLES = new WeightedTable<PhoneStyle>([
  ['spaced', 45],
  ['compact', 25],
  ['intl_spaced', 15],
  ['e164', 8],
  ['dotted', 7],
]);

/** '612345678' in one of the ways people write it: '06 12 34 56 78', '+33 6 12 34 56 78', ... */
export function formatMobile(national9: string, style: PhoneStyle): string {
  const n = national9;
  const pairs = `${n.slice(1, 3)} ${n.slice(3, 5)} ${n.slice(5, 7)} ${n.slice(7, 9)}`;
  switch (style) {
    case 'spaced':
      return `0${n[0]} ${pairs}`;
    case 'compact':
      return `0${n}`;
    case 'intl_spaced':
      return `+33 ${n[0]} ${pairs}`;
    case 'e164':
      return `+33${n}`;
    case 'dotted':
      return `0${n[0]}.${pairs.replaceAll(' ', '.')}`;
  }
}
