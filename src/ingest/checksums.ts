// Checksums of French identifiers (NIR, SIRET) and Luhn; IBAN is ibantools' job.
import { electronicFormatIBAN, isValidIBAN } from 'ibantools';

export const ibanValid = (v: string): boolean => isValidIBAN(electronicFormatIBAN(v) ?? '');

export function luhnValid(digits: string): boolean {
  if (!/^\d+$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** SIRET: 14 digits, Luhn; La Poste (SIREN 356000000) uses a digit sum divisible by 5. */
export function siretValid(v: string): boolean {
  if (!/^\d{14}$/.test(v)) return false;
  if (v.startsWith('356000000') && v !== '35600000000048') {
    let s = 0;
    for (const c of v) s += c.charCodeAt(0) - 48;
    return s % 5 === 0;
  }
  return luhnValid(v);
}

/**
 * NIR (French social security number): 13 characters + 2-digit key = 97 - (number mod 97).
 * Corsica departements 2A/2B count as 19/18 in the number.
 */
export function nirValid(v: string): boolean {
  const m = /^([12378])(\d{2})(\d{2})(\d{2}|2A|2B)(\d{3})(\d{3})(\d{2})$/i.exec(v);
  if (!m) return false;
  const dep = m[4]!.toUpperCase();
  const body = `${m[1]}${m[2]}${m[3]}${dep === '2A' ? '19' : dep === '2B' ? '18' : dep}${m[5]}${m[6]}`;
  const key = 97 - Number(BigInt(body) % 97n);
  return key === Number(m[7]);
}
