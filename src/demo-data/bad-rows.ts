// Planted bad rows: each kind breaks exactly one dictionary rule of one field, so ingest results can be checked.
import { withWrongIbanCheck, frenchIban } from './identifiers.ts';
import { WeightedTable, type Rng } from './rng.ts';

/** Where a bad row should fail: the field and the rule code the ingest validator reports. */
export interface BadKindSpec {
  field: string;
  code: string;
  description: string;
}

export const CUSTOMER_BAD_KINDS = {
  email_malformed: { field: 'email', code: 'format', description: 'email without @, with @@, a space, or no top-level domain' },
  phone_invalid: { field: 'phone', code: 'format', description: 'phone too short, too long, or with an unassigned prefix' },
  iban_checksum: { field: 'iban', code: 'checksum', description: 'IBAN with wrong check digits' },
  postcode_malformed: { field: 'postcode', code: 'format', description: 'postcode not 5 digits (lost leading zero, extra digit, space, prefix)' },
  birth_date_future: { field: 'birth_date', code: 'range', description: 'birth date a century late (1985 typed as 2085)' },
  birth_date_impossible: { field: 'birth_date', code: 'type', description: 'no such date (1985-02-30, month 13) or DD/MM/YYYY' },
  gender_invalid: { field: 'gender', code: 'enum', description: 'gender outside f/m/x (female, homme, u, 2)' },
  income_negative: { field: 'income', code: 'range', description: 'negative income' },
  customer_id_missing: { field: 'customer_id', code: 'required', description: 'empty customer_id' },
} as const satisfies Record<string, BadKindSpec>;

export type CustomerBadKind = keyof typeof CUSTOMER_BAD_KINDS;
export const CUSTOMER_BAD_KIND_NAMES = Object.keys(CUSTOMER_BAD_KINDS) as CustomerBadKind[];

export const TRANSACTION_BAD_KINDS = {
  amount_not_number: { field: 'amount', code: 'type', description: "amount as text ('12.50 EUR', 'N/A', '1.234,56')" },
  channel_invalid: { field: 'channel', code: 'enum', description: "channel outside web/store/phone/app ('fax', 'minitel')" },
  date_malformed: { field: 'date', code: 'type', description: 'date not ISO-8601 or impossible (31/12/2024, 2024-13-05, 2024-02-30)' },
  unknown_customer: { field: 'customer_id', code: 'unknown_subject', description: 'customer_id of no customer in customers.csv' },
} as const satisfies Record<string, BadKindSpec>;

export type TransactionBadKind = keyof typeof TRANSACTION_BAD_KINDS;
export const TRANSACTION_BAD_KIND_NAMES = Object.keys(TRANSACTION_BAD_KINDS) as TransactionBadKind[];

export const CUSTOMER_BAD_TABLE = new WeightedTable<CustomerBadKind>(CUSTOMER_BAD_KIND_NAMES.map((k) => [k, 1] as const));
export const TRANSACTION_BAD_TABLE = new WeightedTable<TransactionBadKind>([
  ['amount_not_number', 3],
  ['channel_invalid', 2],
  ['date_malformed', 3],
  ['unknown_customer', 2],
]);

/** The customer fields a corruption touches (a subset of the CSV record). */
export interface CorruptibleCustomer {
  customer_id: string;
  email: string;
  phone: string;
  postcode: string;
  birth_date: string;
  gender: string;
  income: number | null;
  iban: string;
}

const pad2 = (n: number) => String(n).padStart(2, '0');

/** Breaks `kind` in place, leaving every other field valid. */
export function corruptCustomer(c: CorruptibleCustomer, kind: CustomerBadKind, rng: Rng): void {
  switch (kind) {
    case 'email_malformed': {
      const [local, domain] = c.email.split('@') as [string, string];
      const v = rng.int(0, 4);
      c.email =
        v === 0
          ? local + domain
          : v === 1
            ? `${local}@@${domain}`
            : v === 2
              ? `${/[._-]/.test(local) ? local.replace(/[._-]/, ' ') : local.replace(/(\d+)$/, ' $1')}@${domain}`
              : v === 3
                ? `${local}@${domain.replace(/\.[a-z]+$/, '')}`
                : `${local}@${domain.replace('.', '..')}`;
      return;
    }
    case 'phone_invalid': {
      const tail = rng.digits(8);
      const v = rng.int(0, 3);
      c.phone =
        v === 0
          ? `06 ${tail.slice(0, 2)} ${tail.slice(2, 4)} ${tail.slice(4, 6)}` // 8 digits
          : v === 1
            ? `07 ${tail.slice(0, 2)} ${tail.slice(2, 4)} ${tail.slice(4, 6)} ${tail.slice(6, 8)} ${rng.int(0, 9)}` // 11 digits
            : v === 2
              ? `06 39 ${tail.slice(2, 4)} ${tail.slice(4, 6)} ${tail.slice(6, 8)}` // 0639: not a French mobile range
              : tail.slice(0, 5);
      return;
    }
    case 'iban_checksum':
      c.iban = withWrongIbanCheck(c.iban === '' ? frenchIban(rng) : c.iban.replaceAll(' ', ''), rng);
      return;
    case 'postcode_malformed': {
      const p = c.postcode;
      const v = rng.int(0, 3);
      c.postcode =
        v === 0
          ? p.startsWith('0')
            ? p.slice(1)
            : p.slice(0, 4) // spreadsheet lost the leading zero / truncated
          : v === 1
            ? p + String(rng.int(0, 9))
            : v === 2
              ? `${p.slice(0, 2)} ${p.slice(2)}`
              : `F-${p}`;
      return;
    }
    case 'birth_date_future': {
      const [y, m, d] = c.birth_date.split('-') as [string, string, string];
      c.birth_date = `${Number(y) + 100}-${m}-${m === '02' && d === '29' ? '28' : d}`;
      return;
    }
    case 'birth_date_impossible': {
      const [y, m, d] = c.birth_date.split('-') as [string, string, string];
      const v = rng.int(0, 3);
      c.birth_date = v === 0 ? `${y}-02-30` : v === 1 ? `${y}-${rng.pick(['04', '06', '09', '11'])}-31` : v === 2 ? `${y}-13-${d}` : `${d}/${m}/${y}`;
      return;
    }
    case 'gender_invalid':
      c.gender = rng.pick(['female', 'homme', 'u', '2', 'mme', 'M.']);
      return;
    case 'income_negative':
      c.income = -(c.income ?? Math.round(rng.logNormal(24_000, 0.3) / 100) * 100) || -100;
      return;
    case 'customer_id_missing':
      c.customer_id = '';
      return;
  }
}

export interface CorruptibleTransaction {
  customer_id?: string;
  email?: string;
  date: string;
  amount: number | string;
  channel: string;
}

/** Breaks `kind` in place; `unknownId` is a customer id no customer has. */
export function corruptTransaction(t: CorruptibleTransaction, kind: TransactionBadKind, rng: Rng, unknownId: string): void {
  switch (kind) {
    case 'amount_not_number': {
      const a = typeof t.amount === 'number' ? t.amount : 10;
      const v = rng.int(0, 3);
      t.amount =
        v === 0
          ? `${a.toFixed(2)} EUR`
          : v === 1
            ? `${a.toFixed(2).replace('.', ',')} €`
            : v === 2
              ? 'N/A'
              : `1.${String(Math.floor(a) % 1000).padStart(3, '0')},${pad2(rng.int(0, 99))}`; // French thousands separator
      return;
    }
    case 'channel_invalid':
      t.channel = rng.chance(0.8) ? 'fax' : rng.pick(['minitel', 'courrier']);
      return;
    case 'date_malformed': {
      const [y, m, d] = t.date.slice(0, 10).split('-') as [string, string, string];
      const v = rng.int(0, 3);
      t.date = v === 0 ? `${d}/${m}/${y}` : v === 1 ? `${y}-13-${d}` : v === 2 ? `${y}-02-30` : `${y}${m}${d}`;
      return;
    }
    case 'unknown_customer':
      delete t.email;
      t.customer_id = unknownId;
      return;
  }
}
