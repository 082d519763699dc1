// `veilgate demo-data`: writes a reproducible synthetic French retail data set (customers, transactions, manifest).
import { randomInt } from 'node:crypto';
import type { Command } from 'commander';
import { MAX_CUSTOMERS, resolveDemoOptions, todayUtc, type ResolvedDemoOptions } from '../../demo-data/generate.ts';
import { writeDemoData } from '../../demo-data/write-files.ts';
import { CliError } from '../run-cli.ts';

interface DemoDataCliOptions {
  customers: string;
  out: string;
  seed?: string;
  badShare: string;
  duplicateShare: string;
  transactionsPerCustomer: string;
  referenceDate?: string;
}

function integer(value: string, name: string, min: number, max: number): number {
  const n = /^\d+$/.test(value.trim()) ? Number(value.trim()) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new CliError(`${name} must be an integer in ${min}..${max}`, 2);
  return n;
}

function decimal(value: string, name: string, min: number, max: number): number {
  const n = /^\d+(?:\.\d+)?$/.test(value.trim()) ? Number(value.trim()) : NaN;
  if (!(n >= min && n <= max)) throw new CliError(`${name} must be a number in ${min}..${max}`, 2);
  return n;
}

const fmt = (n: number) => n.toLocaleString('en-US');

export function registerDemoData(program: Command): void {
  program
    .command('demo-data')
    .description('Write synthetic French retail customers (CSV) and transactions (NDJSON) with planted bad rows, duplicates and a manifest')
    .requiredOption('--customers <n>', 'number of distinct customers')
    .requiredOption('--out <dir>', 'output directory (created if missing; its data files are replaced)')
    .option('--seed <n>', 'seed, 0..4294967295: same seed, options and reference date give byte-identical files (default: random, printed)')
    .option('--bad-share <share>', 'share of rows with one planted dictionary violation (customers and transactions)', '0.03')
    .option('--duplicate-share <share>', 'share of valid customers that appear a second time with a re-cased, padded email', '0.01')
    .option('--transactions-per-customer <n>', 'mean number of transactions per valid customer', '8')
    .option('--reference-date <YYYY-MM-DD>', '"today" of the data set: no valid date is later (default: today, UTC)')
    .action(async (opts: DemoDataCliOptions) => {
      const count = integer(opts.customers, '--customers', 1, MAX_CUSTOMERS);
      const seed = opts.seed === undefined ? randomInt(0, 2 ** 32) : integer(opts.seed, '--seed', 0, 0xffffffff);
      const badShare = decimal(opts.badShare, '--bad-share', 0, 0.5);
      const duplicateShare = decimal(opts.duplicateShare, '--duplicate-share', 0, 0.5);
      const transactionsPerCustomer = decimal(opts.transactionsPerCustomer, '--transactions-per-customer', 0, 1000);
      let options: ResolvedDemoOptions;
      try {
        options = resolveDemoOptions({ count, seed, badShare, duplicateShare, transactionsPerCustomer, referenceDate: opts.referenceDate ?? todayUtc() });
      } catch (e) {
        if (e instanceof RangeError) throw new CliError(e.message.replace(/^reference date/, '--reference-date'), 2);
        throw e;
      }

      const started = process.hrtime.bigint();
      const progress =
        process.stderr.isTTY && count >= 200_000
          ? ({ customers, total }: { customers: number; total: number }) => {
              process.stderr.write(`\rdemo-data: ${fmt(customers)} / ${fmt(total)} customers`);
            }
          : undefined;
      let result;
      try {
        result = await writeDemoData(opts.out, options, progress);
      } finally {
        if (progress) process.stderr.write('\r\x1b[K');
      }
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const m = result.manifest;
      // Counts only: no generated identifier ever reaches the terminal.
      process.stdout.write(
        `demo-data: ${fmt(m.customers.unique)} customers (+${fmt(m.customers.duplicates)} duplicate rows, ${fmt(m.customers.bad)} bad) ` +
          `and ${fmt(m.transactions.rows)} transactions (${fmt(m.transactions.bad)} bad) written to ${opts.out} ` +
          `in ${seconds.toFixed(1)} s (seed ${m.seed}, reference date ${m.reference_date}, ${(result.bytes / 1048576).toFixed(1)} MiB)\n`,
      );
    });
}
