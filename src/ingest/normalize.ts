// Normalizers named by the dictionary; each returns the canonical form or undefined if unusable.
import { parsePhoneNumberWithError, type CountryCode } from 'libphonenumber-js/max';
import { electronicFormatIBAN } from 'ibantools';

export type Normalizer = (value: string, ctx: { region: string }) => string | undefined;

export const normalizers: Record<string, Normalizer> = {
  // trim, NFKC, lower-case: the same mailbox in any case or width links to one subject.
  email: (v) => v.trim().normalize('NFKC').toLowerCase(),
  name: (v) => v.normalize('NFKC').trim().replace(/\s+/gu, ' '),
  trim: (v) => v.trim(),
  upper: (v) => v.trim().toUpperCase(),
  lower: (v) => v.trim().toLowerCase(),
  compact: (v) => v.replace(/[\s.-]/g, '').toUpperCase(),
  iban: (v) => electronicFormatIBAN(v) ?? undefined,
  phone_e164: (v, ctx) => {
    try {
      const p = parsePhoneNumberWithError(v, ctx.region as CountryCode);
      return p.isValid() ? p.number : undefined;
    } catch {
      return undefined;
    }
  },
};
