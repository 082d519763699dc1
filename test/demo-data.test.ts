// The synthetic demo data: reproducible, checksum-valid identifiers, planted bad rows that really break the dictionary.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { parse as parseCsv } from 'csv-parse/sync';
import { electronicFormatIBAN, isValidIBAN } from 'ibantools';
import { parsePhoneNumberWithError } from 'libphonenumber-js/max';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerDemoData } from '../src/cli/commands/demo-data.ts';
import { CliError } from '../src/cli/run-cli.ts';
import { CUSTOMER_BAD_KINDS, TRANSACTION_BAD_KINDS } from '../src/demo-data/bad-rows.ts';
import { ALL_POSTCODES } from '../src/demo-data/french-places.ts';
import {
  CUSTOMER_COLUMNS,
  DemoTally,
  generateCustomers,
  generateDataset,
  generateTransactions,
  transactionRng,
  type GeneratedCustomer,
  type GeneratedTransaction,
} from '../src/demo-data/generate.ts';
import type { DemoManifest } from '../src/demo-data/manifest.ts';
import { PERSONAS } from '../src/demo-data/personas.ts';
import { Permutation } from '../src/demo-data/rng.ts';
import { csvCell, customerCsvLine, transactionJsonLine, writeDemoData } from '../src/demo-data/write-files.ts';
import { compileValidator, type RowError, type ValidationContext } from '../src/ingest/record-validator.ts';
import { loadPolicies } from '../src/policy/load-policies.ts';
import { REPO_ROOT, runVeilgate } from './helpers/cli.ts';

const REF = '2026-06-15';
const sha256 = (s: string | Buffer) => crypto.createHash('sha256').update(s).digest('hex');

function dataset(count: number, seed: number, extra: { badShare?: number } = {}) {
  const tally = new DemoTally();
  const customers: GeneratedCustomer[] = [];
  const transactions: (GeneratedTransaction & { customer: GeneratedCustomer })[] = [];
  let last: GeneratedCustomer | undefined;
  for (const item of generateDataset({ count, seed, referenceDate: REF, ...extra }, tally)) {
    if (item.type === 'customer') customers.push((last = item.customer));
    else transactions.push({ ...item.transaction, customer: last! });
  }
  return { tally, customers, transactions };
}

const hashOf = (count: number, seed: number) => {
  const d = dataset(count, seed);
  return sha256(JSON.stringify(d.customers.map((c) => c.record)) + JSON.stringify(d.transactions.map((t) => t.record)));
};

// Independent re-implementations, so a bug in identifiers.ts cannot hide behind itself.
function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return /^\d+$/.test(digits) && sum % 10 === 0;
}

function nirKeyOk(nir: string): boolean {
  const body = nir.slice(0, 13).replace('2A', '19').replace('2B', '18');
  return /^\d{13}$/.test(body) && 97 - Number(BigInt(body) % 97n) === Number(nir.slice(13));
}

describe('demo data generator (in process)', () => {
  const { tally, customers, transactions } = dataset(2000, 42);
  const distinct = customers.filter((c) => !c.duplicate);
  const good = distinct.filter((c) => c.bad === null);

  it('same seed -> identical records; different seeds differ', () => {
    const a = hashOf(500, 42);
    expect(hashOf(500, 42)).toBe(a);
    expect(hashOf(500, 43)).not.toBe(a);
    // Customers do not depend on whether transactions were generated.
    const alone = [...generateCustomers({ count: 500, seed: 42, referenceDate: new Date(`${REF}T12:00:00Z`) })].map((c) => c.record);
    expect(alone).toEqual(dataset(500, 42).customers.map((c) => c.record));
  });

  it('plants exactly round(count x bad share) bad customers, counted per kind', () => {
    expect(distinct).toHaveLength(2000);
    expect(distinct.filter((c) => c.bad !== null)).toHaveLength(60);
    expect(tally.badCustomerCount).toBe(60);
    for (const kind of Object.keys(CUSTOMER_BAD_KINDS) as (keyof typeof CUSTOMER_BAD_KINDS)[]) {
      expect(tally.badCustomers[kind]).toBe(distinct.filter((c) => c.bad === kind).length);
    }
    expect(new Set(distinct.map((c) => c.bad).filter(Boolean)).size).toBeGreaterThanOrEqual(7);
    expect([...generateCustomers({ count: 1000, seed: 1, badShare: 0 })].filter((c) => c.bad)).toHaveLength(0);
  });

  it('valid rows: IBAN, FR mobile, NIR key, SIRET Luhn, postcode, example.* email', () => {
    let withNir = 0;
    let withSiret = 0;
    const phones: string[] = [];
    // One collected list instead of thousands of expect() calls keeps this fast; it names row and check.
    const problems: string[] = [];
    const ok = (cond: boolean, row: number, what: string) => {
      if (!cond) problems.push(`${what} (customer #${row})`);
    };
    for (const { record: r, index } of good) {
      if (r.iban !== '') ok(isValidIBAN(electronicFormatIBAN(r.iban) ?? ''), index, 'iban checksum');
      if (r.phone !== '') {
        const p = parsePhoneNumberWithError(r.phone, 'FR');
        ok(p.isValid() && p.country === 'FR' && p.getType() === 'MOBILE' && /^[67]/.test(p.nationalNumber), index, 'FR mobile');
        phones.push(p.number);
      }
      if (r.nir !== '') {
        withNir++;
        ok(r.nir.length === 15 && nirKeyOk(r.nir), index, 'nir key');
        ok(r.nir[0] === (r.gender === 'm' ? '1' : '2'), index, 'nir sex digit');
        ok(r.nir.slice(1, 5) === r.birth_date.slice(2, 4) + r.birth_date.slice(5, 7), index, 'nir birth year/month');
      }
      if (r.siret !== '') {
        withSiret++;
        ok(/^\d{14}$/.test(r.siret) && luhn(r.siret) && luhn(r.siret.slice(0, 9)), index, 'siret luhn');
      }
      ok(/^\d{5}$/.test(r.postcode) && ALL_POSTCODES.has(r.postcode), index, 'postcode');
      ok(/^[a-z0-9._-]+\d+@example\.(fr|com|org)$/.test(r.email), index, 'email');
      ok(r.birth_date >= '1940-01-01' && r.birth_date <= '2006-12-31', index, 'birth date');
      ok(r.signup_date >= '2010-01-01' && r.signup_date <= REF && r.signup_date >= r.birth_date, index, 'signup date');
      ok(['f', 'm', 'x'].includes(r.gender), index, 'gender');
      ok(r.income === null || r.income >= 0, index, 'income');
    }
    expect(problems).toEqual([]);
    expect(withNir / good.length).toBeGreaterThan(0.22);
    expect(withNir / good.length).toBeLessThan(0.38);
    expect(withSiret / good.length).toBeGreaterThan(0.02);
    expect(withSiret / good.length).toBeLessThan(0.09);
    // Unique mailboxes and phone numbers across distinct customers.
    expect(new Set(distinct.map((c) => c.record.email.toLowerCase())).size).toBe(2000);
    expect(new Set(phones).size).toBe(phones.length);
    expect(good.some((c) => /[éèêëàçïôü]/i.test(c.record.first_name + c.record.last_name))).toBe(true);
    expect(good.some((c) => c.record.postcode.startsWith('20'))).toBe(true);
  });

  it('duplicates repeat a valid customer with the same id and a re-cased, padded email', () => {
    const dups = customers.filter((c) => c.duplicate);
    expect(dups.length).toBe(tally.duplicates);
    expect(dups.length).toBeGreaterThan(5);
    for (const d of dups) {
      const first = customers.findIndex((c) => c.record.customer_id === d.record.customer_id);
      const original = customers[first]!;
      expect(original.duplicate).toBe(false);
      expect(original.bad).toBeNull();
      expect(customers.indexOf(d)).toBeGreaterThan(first);
      expect(d.record.email).not.toBe(original.record.email);
      expect(d.record.email).toMatch(/^\s|\s$/);
      expect(d.record.email.trim().toLowerCase()).toBe(original.record.email);
    }
  });

  it('every planted violation is rejected by the ingest validator on its field and rule, every valid row passes', () => {
    const dictionary = loadPolicies(path.join(REPO_ROOT, 'policies')).dictionary;
    const ctx = { region: 'FR', today: REF, nowIso: `${REF}T23:59:59.999Z`, purposes: new Set<string>() };
    const check = (spec: Parameters<typeof compileValidator>[0], rows: Record<string, unknown>[]) => {
      const validate = compileValidator(spec, ctx as ValidationContext, new Map());
      return rows.map((row, i) => {
        const out: RowError[] = [];
        validate(row, i + 1, out);
        return out.map((e) => `${e.field}:${e.code}`);
      });
    };
    // Customers as the CSV carries them: every cell a string.
    const asCsv = (c: GeneratedCustomer) => Object.fromEntries(CUSTOMER_COLUMNS.map((k) => [k, c.record[k] === null ? '' : String(c.record[k])]));
    const mismatches: string[] = [];
    const customerErrors = check(dictionary.recordTypes.customers, customers.map(asCsv));
    customers.forEach((c, i) => {
      const expected = c.bad === null ? '' : `${CUSTOMER_BAD_KINDS[c.bad].field}:${CUSTOMER_BAD_KINDS[c.bad].code}`;
      if (customerErrors[i]!.join(' ') !== expected) mismatches.push(`customer row ${i + 1} (${c.bad ?? 'valid'}): ${customerErrors[i]!.join(' ')}`);
    });

    const ids = new Set(distinct.map((c) => c.record.customer_id));
    const txErrors = check(
      dictionary.recordTypes.transactions,
      transactions.map((t) => ({ ...t.record })),
    );
    transactions.forEach((t, i) => {
      const spec = t.bad && t.bad !== 'unknown_customer' ? TRANSACTION_BAD_KINDS[t.bad] : undefined;
      if (txErrors[i]!.join(' ') !== (spec ? `${spec.field}:${spec.code}` : ''))
        mismatches.push(`transaction ${i + 1} (${t.bad ?? 'valid'}): ${txErrors[i]!.join(' ')}`);
      if (t.bad === 'unknown_customer' && (t.record.email !== undefined || ids.has(t.record.customer_id!)))
        mismatches.push(`transaction ${i + 1} links to a customer`);
    });
    expect(mismatches).toEqual([]);
    expect(customerErrors.filter((e) => e.length > 0)).toHaveLength(60);
    expect(transactions.filter((t) => t.bad).length).toBe(tally.badTransactionCount);
    expect(tally.badTransactionCount / tally.transactions).toBeGreaterThan(0.015);
    expect(tally.badTransactionCount / tally.transactions).toBeLessThan(0.045);
  });

  it('transactions: two years before the reference date, after signup, EUR, both linkage keys, planted structure', () => {
    const earliest = '2024-06-16';
    const valid = transactions.filter((t) => t.bad === null);
    const wrong = valid.filter(
      ({ record: t, customer }) =>
        !(
          t.date.slice(0, 10) >= earliest &&
          t.date.slice(0, 10) <= REF &&
          t.date.slice(0, 10) >= customer.record.signup_date &&
          t.currency === 'EUR' &&
          typeof t.amount === 'number' &&
          t.amount > 0 &&
          (t.customer_id !== undefined ? t.customer_id === customer.record.customer_id : t.email === customer.record.email)
        ),
    );
    expect(wrong.map((t) => t.record.transaction_id)).toEqual([]);
    const byEmail = valid.filter((t) => t.record.email !== undefined).length / valid.length;
    expect(byEmail).toBeGreaterThan(0.08);
    expect(byEmail).toBeLessThan(0.25);
    expect(tally.transactions / good.length).toBeGreaterThan(7);
    expect(tally.transactions / good.length).toBeLessThan(9);

    // The latent types show through: elders order by phone, young digital shoppers use app/web often, affluent baskets are big.
    const of = (p: keyof typeof PERSONAS) => valid.filter((t) => t.customer.persona === p);
    const share = (ts: typeof valid, f: (t: (typeof valid)[number]) => boolean) => ts.filter(f).length / ts.length;
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(share(of('phone_elder'), (t) => t.record.channel === 'phone')).toBeGreaterThan(0.6);
    expect(share(of('digital_young'), (t) => t.record.channel === 'app' || t.record.channel === 'web')).toBeGreaterThan(0.8);
    expect(mean(of('affluent_senior').map((t) => t.record.amount as number))).toBeGreaterThan(2 * mean(of('occasional').map((t) => t.record.amount as number)));
    const perCustomer = (p: keyof typeof PERSONAS) => of(p).length / good.filter((c) => c.persona === p).length;
    expect(perCustomer('digital_young')).toBeGreaterThan(4 * perCustomer('occasional'));
  });

  it('generateTransactions is usable alone and deterministic per customer', () => {
    const c = good[0]!;
    const opts = { count: 2000, seed: 42, referenceDate: REF };
    const a = generateTransactions(c, transactionRng(42, c.index), opts);
    expect(generateTransactions(c, transactionRng(42, c.index), opts)).toEqual(a);
    expect(a.map((t) => t.record)).toEqual(transactions.filter((t) => t.customer === c).map((t) => t.record));
  });

  it('the permutation behind unique suffixes and phones is a bijection; CSV cells are quoted when needed', () => {
    const p = new Permutation(1000, 99);
    expect(new Set(Array.from({ length: 1000 }, (_, i) => p.at(i))).size).toBe(1000);
    expect(csvCell('  A@Example.FR')).toBe('"  A@Example.FR"');
    expect(csvCell('a;b')).toBe('"a;b"');
    expect(csvCell('say "x", y')).toBe('"say ""x"", y"');
    expect(csvCell(null)).toBe('');
    expect(customerCsvLine(good[0]!.record).split(',').length).toBeGreaterThanOrEqual(CUSTOMER_COLUMNS.length);
    expect(transactions.filter((t) => transactionJsonLine(t.record) !== JSON.stringify(t.record) + '\n')).toEqual([]);
    expect(transactionJsonLine({ transaction_id: 'a"b\\', date: '\u0001', amount: 'x\ud800', currency: 'EUR', channel: 'web', category: 'é' })).toBe(
      JSON.stringify({ transaction_id: 'a"b\\', date: '\u0001', amount: 'x\ud800', currency: 'EUR', channel: 'web', category: 'é' }) + '\n',
    );
  });
});

describe('veilgate demo-data (child process)', () => {
  let dir: string;
  let again: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vg-demo-data-'));
    again = fs.mkdtempSync(path.join(os.tmpdir(), 'vg-demo-data-again-'));
  });
  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(again, { recursive: true, force: true });
  });

  it('writes the files, counts only on stdout, a manifest that matches the data, byte-identical to an in-process run', async () => {
    const out = path.join(dir, 'set');
    const r = await runVeilgate(['demo-data', '--customers', '2000', '--out', out, '--seed', '7', '--reference-date', REF]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    expect(r.stdout).toMatch(/2,000 customers .* transactions .* bad/);
    // Never an identifier on stdout: no email, customer or transaction id, IBAN, phone.
    expect(r.stdout).not.toMatch(/@|CUS-|TX-|FR\d{2}|\b0[67]\d{8}\b|\+33/);

    expect(fs.readdirSync(out).sort()).toEqual(['README.txt', 'customers.csv', 'manifest.json', 'transactions.ndjson']);
    const manifest = JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8')) as DemoManifest;
    const rows = parseCsv(fs.readFileSync(path.join(out, 'customers.csv')), { columns: true, bom: true }) as Record<string, string>[];
    expect(Object.keys(rows[0]!)).toEqual([...CUSTOMER_COLUMNS]);
    expect(rows.length).toBe(2000 + manifest.customers.duplicates);
    expect(manifest.customers.rows).toBe(rows.length);
    expect(manifest).toMatchObject({ seed: 7, reference_date: REF, options: { customers: 2000, bad_share: 0.03, transactions_per_customer: 8 } });
    expect(manifest.customers.bad).toBe(60);
    expect(Object.values(manifest.customers.bad_by_kind).reduce((a, b) => a + b, 0)).toBe(60);
    const lines = fs.readFileSync(path.join(out, 'transactions.ndjson'), 'utf8').trimEnd().split('\n');
    expect(lines.length).toBe(manifest.transactions.rows);
    expect(Object.values(manifest.transactions.bad_by_kind).reduce((a, b) => a + b, 0)).toBe(manifest.transactions.bad);
    expect(manifest.expected_ingest.customers).toEqual({
      accepted: rows.length - 60,
      rejected: 60,
      duplicates: manifest.customers.duplicates,
      subjects: 1940,
    });
    expect(fs.readFileSync(path.join(out, 'README.txt'), 'utf8')).toContain('customers.csv');

    // Same seed in another process: byte-identical files (so the manifest counts are the generator's too).
    const inProcess = await writeDemoData(again, { count: 2000, seed: 7, referenceDate: REF });
    expect(inProcess.manifest).toEqual(manifest);
    for (const f of ['customers.csv', 'transactions.ndjson', 'manifest.json', 'README.txt']) {
      expect(sha256(fs.readFileSync(path.join(again, f))), f).toBe(sha256(fs.readFileSync(path.join(out, f))));
    }
  });

  it('refuses bad options with a clear message, before writing anything (in process: one child less)', async () => {
    const run = (...args: string[]) => {
      const program = new Command('veilgate').exitOverride();
      registerDemoData(program);
      return program.parseAsync(['node', 'veilgate', 'demo-data', '--out', path.join(dir, 'x'), ...args]);
    };
    await expect(run('--customers', '10', '--bad-share', '2')).rejects.toThrow(/--bad-share must be a number in 0\.\.0\.5/);
    await expect(run('--customers', 'many')).rejects.toThrow(/--customers must be an integer/);
    await expect(run('--customers', '10', '--seed', '-1')).rejects.toThrow(/--seed/);
    await expect(run('--customers', '10', '--reference-date', '2026-02-30')).rejects.toThrow(/--reference-date/);
    await expect(run('--customers', '10', '--reference-date', '2026-02-30')).rejects.toBeInstanceOf(CliError);
    expect(fs.existsSync(path.join(dir, 'x'))).toBe(false);
  });
});
