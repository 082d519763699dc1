// Pure generator of the synthetic data set: customers (with planted bad rows and duplicates) and their transactions.
import {
  CUSTOMER_BAD_KIND_NAMES,
  CUSTOMER_BAD_TABLE,
  TRANSACTION_BAD_KIND_NAMES,
  TRANSACTION_BAD_TABLE,
  corruptCustomer,
  corruptTransaction,
  type CustomerBadKind,
  type TransactionBadKind,
} from './bad-rows.ts';
import { FEMALE_FIRST_NAMES, LAST_NAMES, MALE_FIRST_NAMES, STREET_NAMES, STREET_TYPES, cohortOf, emailPart } from './french-names.ts';
import { randomPlace } from './french-places.ts';
import { MOBILE_NUMBER_SPACE, MobileNumbers, PHONE_STYLES, formatMobile, frenchIban, frenchNir, frenchSiret, printIban } from './identifiers.ts';
import { BASKET, CHANNEL_BASKET, INCOME, MEAN_FREQUENCY, PERSONAS, PERSONA_IDS, PERSONA_TABLE, type Channel, type PersonaId } from './personas.ts';
import { Permutation, Rng, Stream, WeightedTable, hash32, streamRng } from './rng.ts';

/** The columns of customers.csv, in order: the dictionary's customer fields, three consent flags and when they were collected. */
export const CUSTOMER_COLUMNS = [
  'customer_id',
  'email',
  'first_name',
  'last_name',
  'phone',
  'street',
  'postcode',
  'city',
  'country',
  'birth_date',
  'gender',
  'csp',
  'income',
  'iban',
  'channel_preference',
  'signup_date',
  'nir',
  'siret',
  'consent_marketing_email',
  'consent_marketing_sms',
  'consent_partner_sharing',
  'consent_collected_at',
] as const;

/** One customers.csv row. Absent optional text fields are '' (an empty cell), an absent income is null. */
export interface CustomerRecord {
  customer_id: string;
  email: string;
  first_name: string;
  last_name: string;
  phone: string;
  street: string;
  postcode: string;
  city: string;
  country: string;
  birth_date: string;
  gender: string;
  csp: string;
  income: number | null;
  iban: string;
  channel_preference: string;
  signup_date: string;
  nir: string;
  siret: string;
  consent_marketing_email: boolean;
  consent_marketing_sms: boolean;
  consent_partner_sharing: boolean;
  /** When the flags were collected (ISO timestamp): within the last 300 days, never before signup. */
  consent_collected_at: string;
}

export interface GeneratedCustomer {
  /** 0-based position among the distinct customers (a duplicate row carries its original's). */
  index: number;
  record: CustomerRecord;
  /** The latent type that drove this customer's values (never written to the data files). */
  persona: PersonaId;
  /** Signup as days since 1970-01-01 (UTC). */
  signupDay: number;
  /** The planted violation, or null for a valid row. */
  bad: CustomerBadKind | null;
  /** True for the second row of a customer: same customer_id, email re-cased and padded. */
  duplicate: boolean;
}

/** One transactions.ndjson line: linked by customer_id or, for some, by email only. */
export interface TransactionRecord {
  transaction_id: string;
  customer_id?: string;
  email?: string;
  date: string;
  amount: number | string;
  currency: 'EUR';
  channel: string;
  category: string;
}

export interface GeneratedTransaction {
  record: TransactionRecord;
  bad: TransactionBadKind | null;
}

export interface DemoDataOptions {
  /** Number of distinct customers (duplicate rows come on top). */
  count: number;
  /** Unsigned 32-bit seed: the same seed and options give the same records. */
  seed: number;
  /** Share of bad rows, customers (exact, rounded) and transactions (each with this probability). Default 0.03. */
  badShare?: number;
  /** Probability that a valid customer appears a second time. Default 0.01. */
  duplicateShare?: number;
  /** Mean number of transactions per valid customer. Default 8. */
  transactionsPerCustomer?: number;
  /** "Today" of the data set, YYYY-MM-DD or a Date (its UTC day): nothing valid is later. Default: today (UTC). */
  referenceDate?: string | Date;
}

export interface ResolvedDemoOptions extends Required<Omit<DemoDataOptions, 'referenceDate'>> {
  referenceDate: string;
  /** referenceDate as days since 1970-01-01. */
  referenceDay: number;
}

export const MAX_CUSTOMERS = 50_000_000;
const DAY_MS = 86_400_000;
const YEAR_DAYS = 365.25;
const dayOf = (iso: string): number => Math.floor(Date.parse(iso + 'T00:00:00Z') / DAY_MS);
const pad = (n: number, width: number) => String(n).padStart(width, '0');
const TWO_DIGITS = Array.from({ length: 100 }, (_, i) => pad(i, 2));

/** YYYY-MM-DD of a day number, memoized (Date#toISOString is the hot spot at millions of rows). */
const ISO_CACHE_FROM = dayOf('1900-01-01');
const isoCache: string[] = [];
function isoOf(day: number): string {
  const i = day - ISO_CACHE_FROM;
  if (i < 0 || i > 100_000) return new Date(day * DAY_MS).toISOString().slice(0, 10);
  return (isoCache[i] ??= new Date(day * DAY_MS).toISOString().slice(0, 10));
}
const isDecember = (day: number): boolean => isoOf(day).startsWith('12', 5);
const FIRST_BIRTH_DAY = dayOf('1940-01-01');
const LAST_BIRTH_DAY = dayOf('2006-12-31');
const FIRST_SIGNUP_DAY = dayOf('2010-01-01');
/** Transactions span the two years before the reference date. */
const HISTORY_DAYS = 730;
/** Share of transactions linked by customer_id; the rest carry only the email. */
const LINK_BY_ID_SHARE = 0.85;

export const todayUtc = (): string => new Date().toISOString().slice(0, 10);

/** Validates options and fills defaults; throws RangeError naming the option. */
export function resolveDemoOptions(o: DemoDataOptions): ResolvedDemoOptions {
  const fail = (m: string): never => {
    throw new RangeError(m);
  };
  if (!Number.isInteger(o.count) || o.count < 1 || o.count > MAX_CUSTOMERS) fail(`count must be an integer in 1..${MAX_CUSTOMERS}`);
  if (!Number.isInteger(o.seed) || o.seed < 0 || o.seed > 0xffffffff) fail('seed must be an integer in 0..4294967295');
  const badShare = o.badShare ?? 0.03;
  if (!(badShare >= 0 && badShare <= 0.5)) fail('bad share must be a number in 0..0.5');
  const duplicateShare = o.duplicateShare ?? 0.01;
  if (!(duplicateShare >= 0 && duplicateShare <= 0.5)) fail('duplicate share must be a number in 0..0.5');
  const transactionsPerCustomer = o.transactionsPerCustomer ?? 8;
  if (!(transactionsPerCustomer >= 0 && transactionsPerCustomer <= 1000)) fail('transactions per customer must be a number in 0..1000');
  const ref = o.referenceDate ?? todayUtc();
  const referenceDate = ref instanceof Date ? (Number.isNaN(ref.getTime()) ? 'invalid' : ref.toISOString().slice(0, 10)) : ref;
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(referenceDate);
  const referenceDay = m ? dayOf(referenceDate) : NaN;
  if (!m || Number.isNaN(referenceDay) || isoOf(referenceDay) !== referenceDate) fail('reference date must be a date YYYY-MM-DD');
  if (referenceDate < '2012-01-01' || referenceDate > '2099-12-31') fail('reference date must be in 2012-01-01..2099-12-31');
  return { count: o.count, seed: o.seed, badShare, duplicateShare, transactionsPerCustomer, referenceDate, referenceDay };
}

const isResolved = (o: DemoDataOptions): o is ResolvedDemoOptions => typeof (o as Partial<ResolvedDemoOptions>).referenceDay === 'number';

/** Counts of what a generation produced; the manifest is built from it. */
export class DemoTally {
  customers = 0;
  customerRows = 0;
  duplicates = 0;
  badCustomers = Object.fromEntries(CUSTOMER_BAD_KIND_NAMES.map((k) => [k, 0])) as Record<CustomerBadKind, number>;
  personas = Object.fromEntries(PERSONA_IDS.map((p) => [p, 0])) as Record<PersonaId, number>;
  transactions = 0;
  transactionsByCustomerId = 0;
  transactionsByEmail = 0;
  badTransactions = Object.fromEntries(TRANSACTION_BAD_KIND_NAMES.map((k) => [k, 0])) as Record<TransactionBadKind, number>;

  get badCustomerCount(): number {
    return Object.values(this.badCustomers).reduce((a, b) => a + b, 0);
  }

  get badTransactionCount(): number {
    return Object.values(this.badTransactions).reduce((a, b) => a + b, 0);
  }
}

const EMAIL_DOMAINS = new WeightedTable<string>([
  ['example.fr', 60],
  ['example.com', 25],
  ['example.org', 15],
]);
type EmailStyle = 'first.last' | 'firstlast' | 'f.last' | 'first_last' | 'last.first' | 'first';
const EMAIL_STYLES = new WeightedTable<EmailStyle>([
  ['first.last', 45],
  ['firstlast', 15],
  ['f.last', 15],
  ['first_last', 8],
  ['last.first', 10],
  ['first', 7],
]);
const STREET_TYPE_TABLE = new WeightedTable(STREET_TYPES);

/** Builds the valid version of customer i; all randomness comes from that customer's own stream. */
class CustomerFactory {
  private readonly emailSuffix: Permutation;
  private readonly mobiles: MobileNumbers;
  private readonly lastBirthDay: number;

  constructor(private readonly o: ResolvedDemoOptions) {
    // Unique email suffixes: a permutation of 10x the customer count, so the numbers look unordered.
    this.emailSuffix = new Permutation(Math.max(100, 10 ** (String(o.count).length + 1)), hash32(o.seed, Stream.emailPermutation));
    this.mobiles = new MobileNumbers(hash32(o.seed, Stream.phonePermutation));
    this.lastBirthDay = Math.min(LAST_BIRTH_DAY, o.referenceDay - Math.round(18 * YEAR_DAYS));
  }

  customer(index: number): GeneratedCustomer {
    const o = this.o;
    const rng = streamRng(o.seed, Stream.customer, index);
    const personaId = PERSONA_TABLE.pick(rng);
    const p = PERSONAS[personaId];
    const gender = p.gender.pick(rng);

    const targetAge = p.age[0] + Math.floor((p.age[1] - p.age[0] + 1) * ((rng.next() + rng.next()) / 2));
    let birthDay = o.referenceDay - Math.round(targetAge * YEAR_DAYS) - rng.int(0, 364);
    birthDay = Math.min(this.lastBirthDay, Math.max(FIRST_BIRTH_DAY, birthDay));
    const birth = isoOf(birthDay);
    const birthYear = Number(birth.slice(0, 4));
    const age = Math.floor((o.referenceDay - birthDay) / YEAR_DAYS);

    const names = gender === 'f' || (gender === 'x' && rng.chance(0.5)) ? FEMALE_FIRST_NAMES : MALE_FIRST_NAMES;
    const firstName = rng.pick(names[cohortOf(birthYear)]);
    const lastName = rng.pick(LAST_NAMES);
    const email = this.email(index, firstName, lastName, rng);
    const phone = rng.chance(0.93) ? formatMobile(this.mobiles.national(index % MOBILE_NUMBER_SPACE), PHONE_STYLES.pick(rng)) : '';

    const place = randomPlace(rng);
    const streetNo = 1 + Math.floor(rng.skewed(2) * 180);
    const street = `${streetNo}${rng.chance(0.03) ? rng.pick([' bis', ' ter']) : ''} ${STREET_TYPE_TABLE.pick(rng)} ${rng.pick(STREET_NAMES)}`;

    const csp = p.csp(age, rng);
    const inc = INCOME[csp];
    const income = rng.chance(0.92) ? Math.max(0, Math.round(rng.logNormal(inc.median * p.incomeFactor, inc.sigma) / 100) * 100) : null;
    const iban = rng.chance(0.85) ? frenchIban(rng) : '';
    const channelPreference = p.channelPreference.pick(rng);

    const earliestSignup = Math.min(o.referenceDay, Math.max(FIRST_SIGNUP_DAY, birthDay + Math.round(18 * YEAR_DAYS)));
    const signupDay = Math.min(o.referenceDay, earliestSignup + Math.floor(Math.pow(rng.next(), p.signupPower) * (o.referenceDay - earliestSignup + 1)));

    let nir = '';
    if (gender !== 'x' && rng.chance(0.3)) {
      const where = rng.next();
      const birthDepartement = where < 0.65 ? place.departement : where < 0.9 ? randomPlace(rng, true).departement : undefined;
      nir = frenchNir({ gender, birthYear, birthMonth: Number(birth.slice(5, 7)), birthDepartement }, rng);
    }
    const selfEmployed = csp === 'artisan_commercant' || csp === 'agriculteur';
    const siret = rng.chance(selfEmployed ? 0.45 : 0.02) ? frenchSiret(rng) : '';

    const record: CustomerRecord = {
      customer_id: `CUS-${pad(index + 1, 8)}`,
      email,
      first_name: firstName,
      last_name: lastName,
      phone,
      street,
      postcode: place.postcode,
      city: place.city,
      country: 'FR',
      birth_date: birth,
      gender,
      csp,
      income,
      iban: iban !== '' && rng.chance(0.25) ? printIban(iban) : iban,
      channel_preference: channelPreference,
      signup_date: isoOf(signupDay),
      nir,
      siret,
      consent_marketing_email: rng.chance(p.consent.email),
      consent_marketing_sms: rng.chance(p.consent.sms),
      consent_partner_sharing: rng.chance(p.consent.partner),
      // a hash, not a draw of the customer's stream: every other value stays what it was
      consent_collected_at: `${isoOf(Math.max(signupDay, o.referenceDay - 1 - ((hash32(o.seed, index, 0xc0) >>> 0) % 300)))}T10:00:00Z`,
    };
    return { index, record, persona: personaId, signupDay, bad: null, duplicate: false };
  }

  private email(index: number, first: string, last: string, rng: Rng): string {
    const f = emailPart(first);
    const l = emailPart(last);
    const style = EMAIL_STYLES.pick(rng);
    const local =
      style === 'first.last'
        ? `${f}.${l}`
        : style === 'firstlast'
          ? `${f}${l}`
          : style === 'f.last'
            ? `${f[0]}.${l}`
            : style === 'first_last'
              ? `${f}_${l}`
              : style === 'last.first'
                ? `${l}.${f}`
                : f;
    // The trailing number is unique per customer, so no two customers share a mailbox.
    return `${local}${this.emailSuffix.at(index)}@${EMAIL_DOMAINS.pick(rng)}`;
  }
}

/** The same mailbox as typed by another system: re-cased, padded with spaces. */
function reTypedEmail(email: string, rng: Rng): string {
  const v = rng.int(0, 2);
  const titled = email.replace(/(^|[._@-])([a-z])/g, (_m, sep: string, ch: string) => sep + ch.toUpperCase());
  const cased =
    v === 0
      ? email.toUpperCase()
      : v === 1
        ? titled.replace(/\.([a-z]+)$/, (_m, tld: string) => '.' + tld.toUpperCase())
        : titled.replace(/@.*$/, (d) => d.toUpperCase());
  return ' '.repeat(rng.int(1, 3)) + cased + (rng.chance(0.5) ? ' ' : '');
}

/**
 * Customers in file order: `count` distinct ones, exactly round(count * badShare) of them with
 * one planted violation, plus a second row for about duplicateShare of the valid ones (emitted
 * 1-500 rows after the first). Streams: memory does not grow with `count`.
 */
export function* generateCustomers(options: DemoDataOptions, tally: DemoTally = new DemoTally()): Generator<GeneratedCustomer> {
  const o = isResolved(options) ? options : resolveDemoOptions(options);
  const factory = new CustomerFactory(o);
  const pickRng = streamRng(o.seed, Stream.badPick, 0);
  let badLeft = Math.round(o.count * o.badShare);
  const pending: { due: number; customer: GeneratedCustomer }[] = [];
  for (let i = 0; i < o.count; i++) {
    const c = factory.customer(i);
    tally.customers++;
    tally.customerRows++;
    // Selection sampling (Knuth's algorithm S): exactly badLeft of the remaining rows.
    if (badLeft > 0 && pickRng.next() * (o.count - i) < badLeft) {
      badLeft--;
      const vr = streamRng(o.seed, Stream.badValue, i);
      const kind = CUSTOMER_BAD_TABLE.pick(vr);
      corruptCustomer(c.record, kind, vr);
      c.bad = kind;
      tally.badCustomers[kind]++;
    } else {
      tally.personas[c.persona]++;
      const dr = streamRng(o.seed, Stream.duplicate, i);
      if (dr.chance(o.duplicateShare)) {
        const dup: GeneratedCustomer = { ...c, record: { ...c.record, email: reTypedEmail(c.record.email, dr) }, duplicate: true };
        const due = i + dr.int(1, 500);
        let at = pending.length;
        while (at > 0 && pending[at - 1]!.due > due) at--;
        pending.splice(at, 0, { due, customer: dup });
      }
    }
    yield c;
    while (pending.length > 0 && pending[0]!.due <= i) {
      tally.duplicates++;
      tally.customerRows++;
      yield pending.shift()!.customer;
    }
  }
  for (const { customer } of pending) {
    tally.duplicates++;
    tally.customerRows++;
    yield customer;
  }
}

/** The random stream of one customer's transactions. */
export const transactionRng = (seed: number, customerIndex: number): Rng => streamRng(seed, Stream.transactions, customerIndex);

const CHANNELS: ReadonlySet<string> = new Set<Channel>(['web', 'store', 'phone', 'app']);

/**
 * One customer's transactions, oldest first: a Poisson count around the persona-scaled mean,
 * dates in the two years before the reference date (not before signup), log-normal amounts by
 * category, channel and persona, channels biased toward the customer's preference. Each is bad
 * with probability badShare.
 */
export function generateTransactions(customer: GeneratedCustomer, rng: Rng, options: DemoDataOptions): GeneratedTransaction[] {
  const o = isResolved(options) ? options : resolveDemoOptions(options);
  const p = PERSONAS[customer.persona];
  const n = rng.poisson((o.transactionsPerCustomer * p.frequency) / MEAN_FREQUENCY);
  if (n === 0) return [];
  const start = Math.min(o.referenceDay, Math.max(customer.signupDay, o.referenceDay - HISTORY_DAYS + 1));
  const span = o.referenceDay - start + 1;
  const pref = CHANNELS.has(customer.record.channel_preference) ? (customer.record.channel_preference as Channel) : undefined;
  const drafts: { day: number; seconds: number; channel: Channel; category: string; amount: number }[] = [];
  for (let k = 0; k < n; k++) {
    let day: number;
    do day = start + Math.floor(rng.next() * span);
    while (!isDecember(day) && !rng.chance(0.8)); // December is busier
    const channel = pref !== undefined && rng.chance(p.preferredShare) ? pref : p.channelMix.pick(rng);
    const category = p.categories.pick(rng);
    const b = BASKET[category];
    const raw = rng.logNormal(b.median * CHANNEL_BASKET[channel] * p.basket, b.sigma);
    const amount = Math.round(Math.min(20_000, Math.max(0.5, raw)) * 100) / 100;
    const seconds = channel === 'store' ? rng.int(8 * 3600, 18 * 3600) : rng.int(6 * 3600, 22 * 3600);
    drafts.push({ day, seconds, channel, category, amount });
  }
  drafts.sort((a, b) => a.day - b.day || a.seconds - b.seconds);
  const out: GeneratedTransaction[] = [];
  const idBase = `TX-${pad(customer.index + 1, 8)}-`;
  for (let k = 0; k < drafts.length; k++) {
    const d = drafts[k]!;
    const time = `${TWO_DIGITS[Math.floor(d.seconds / 3600)]}:${TWO_DIGITS[Math.floor(d.seconds / 60) % 60]}:${TWO_DIGITS[d.seconds % 60]}`;
    const byId = rng.chance(LINK_BY_ID_SHARE);
    const record: TransactionRecord = byId
      ? {
          transaction_id: idBase + pad(k + 1, 3),
          customer_id: customer.record.customer_id,
          date: `${isoOf(d.day)}T${time}Z`,
          amount: d.amount,
          currency: 'EUR',
          channel: d.channel,
          category: d.category,
        }
      : {
          transaction_id: idBase + pad(k + 1, 3),
          email: customer.record.email.trim(),
          date: `${isoOf(d.day)}T${time}Z`,
          amount: d.amount,
          currency: 'EUR',
          channel: d.channel,
          category: d.category,
        };
    let bad: TransactionBadKind | null = null;
    if (o.badShare > 0 && rng.chance(o.badShare)) {
      bad = TRANSACTION_BAD_TABLE.pick(rng);
      // Customer numbers above `count` belong to no one.
      corruptTransaction(record, bad, rng, `CUS-${pad(o.count + 1 + rng.int(0, 999_999), 8)}`);
    }
    out.push({ record, bad });
  }
  return out;
}

export type DatasetItem = { type: 'customer'; customer: GeneratedCustomer } | { type: 'transaction'; transaction: GeneratedTransaction };

/**
 * The whole data set in write order: each customer row, then (for a valid, first row) its
 * transactions. Bad customers get no transactions, so every unknown-subject transaction is a
 * planted `unknown_customer` one. Fills `tally` as it goes.
 */
export function* generateDataset(options: DemoDataOptions, tally: DemoTally = new DemoTally()): Generator<DatasetItem> {
  const o = isResolved(options) ? options : resolveDemoOptions(options);
  for (const customer of generateCustomers(o, tally)) {
    yield { type: 'customer', customer };
    if (customer.bad !== null || customer.duplicate) continue;
    for (const transaction of generateTransactions(customer, transactionRng(o.seed, customer.index), o)) {
      tally.transactions++;
      if (transaction.record.customer_id !== undefined) tally.transactionsByCustomerId++;
      else tally.transactionsByEmail++;
      if (transaction.bad !== null) tally.badTransactions[transaction.bad]++;
      yield { type: 'transaction', transaction };
    }
  }
}
