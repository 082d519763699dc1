// Streams a generated data set to disk (customers.csv, transactions.ndjson, manifest.json, README.txt) in constant memory.
import fs from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import {
  CUSTOMER_COLUMNS,
  DemoTally,
  generateDataset,
  resolveDemoOptions,
  type CustomerRecord,
  type DemoDataOptions,
  type TransactionRecord,
} from './generate.ts';
import { DEMO_FILES, buildManifest, type DemoManifest } from './manifest.ts';

const NEEDS_QUOTES = /[",;\r\n]|^\s|\s$/;

/** One CSV cell: quoted when it holds a separator (',' or ';'), a quote, a line break or edge spaces. */
export function csvCell(v: string | number | boolean | null): string {
  if (v === null) return '';
  const s = String(v);
  return NEEDS_QUOTES.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export const customersCsvHeader = (): string => CUSTOMER_COLUMNS.join(',') + '\n';

export function customerCsvLine(r: CustomerRecord): string {
  let line = '';
  for (let i = 0; i < CUSTOMER_COLUMNS.length; i++) {
    if (i > 0) line += ',';
    line += csvCell(r[CUSTOMER_COLUMNS[i]!]);
  }
  return line + '\n';
}

const JSON_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;
const jsonString = (s: string): string => (JSON_ESCAPE.test(s) ? JSON.stringify(s) : `"${s}"`);
// String(n) is JSON's form of a finite number; non-finite ones never occur but would read as null.
const jsonValue = (v: string | number): string => (typeof v === 'number' ? (Number.isFinite(v) ? String(v) : 'null') : jsonString(v));

/** One NDJSON line, keys in record order; same bytes as JSON.stringify, without its per-object overhead. */
export function transactionJsonLine(t: TransactionRecord): string {
  let line = '{';
  for (const key in t) {
    const v = t[key as keyof TransactionRecord];
    if (v === undefined) continue;
    line += `${line.length > 1 ? ',' : ''}"${key}":${jsonValue(v)}`;
  }
  return line + '}\n';
}

/** Collects lines and hands them to a write stream in ~256 KiB chunks, waiting for 'drain' when it is full. */
class ChunkedWriter {
  private parts: string[] = [];
  private size = 0;
  private failure: Error | undefined;
  bytes = 0;

  constructor(
    private readonly stream: fs.WriteStream,
    private readonly chunkChars = 1 << 18,
  ) {
    stream.on('error', (e) => {
      this.failure = e;
    });
  }

  /** Buffers a line; true when the caller should `await flush()`. */
  push(s: string): boolean {
    this.parts.push(s);
    this.size += s.length;
    return this.size >= this.chunkChars;
  }

  async flush(): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.parts.length === 0) return;
    const chunk = Buffer.from(this.parts.join(''), 'utf8');
    this.parts = [];
    this.size = 0;
    this.bytes += chunk.length;
    if (!this.stream.write(chunk)) await once(this.stream, 'drain');
  }

  async close(): Promise<void> {
    await this.flush();
    this.stream.end();
    await finished(this.stream);
  }

  destroy(): void {
    this.stream.destroy();
  }
}

export interface WriteProgress {
  customers: number;
  total: number;
}

export interface WriteDemoDataResult {
  manifest: DemoManifest;
  /** Absolute paths of the files written. */
  files: string[];
  bytes: number;
}

/**
 * Writes the data set into `dir` (created if missing; the four files are replaced). The manifest
 * goes last, and an older one is removed first, so a manifest always describes complete files.
 */
export async function writeDemoData(dir: string, options: DemoDataOptions, onProgress?: (p: WriteProgress) => void): Promise<WriteDemoDataResult> {
  const o = resolveDemoOptions(options);
  await fs.promises.mkdir(dir, { recursive: true });
  const file = (name: string) => path.resolve(dir, name);
  await fs.promises.rm(file(DEMO_FILES.manifest), { force: true });

  const customers = new ChunkedWriter(fs.createWriteStream(file(DEMO_FILES.customers)));
  const transactions = new ChunkedWriter(fs.createWriteStream(file(DEMO_FILES.transactions)));
  const tally = new DemoTally();
  try {
    customers.push(customersCsvHeader());
    let seen = 0;
    for (const item of generateDataset(o, tally)) {
      if (item.type === 'customer') {
        if (customers.push(customerCsvLine(item.customer.record))) await customers.flush();
        if (!item.customer.duplicate && ++seen % 100_000 === 0) onProgress?.({ customers: seen, total: o.count });
      } else if (transactions.push(transactionJsonLine(item.transaction.record))) {
        await transactions.flush();
      }
    }
    await Promise.all([customers.close(), transactions.close()]);
  } catch (e) {
    customers.destroy();
    transactions.destroy();
    throw e;
  }

  const manifest = buildManifest(o, tally);
  const readme = readmeText(manifest);
  await fs.promises.writeFile(file(DEMO_FILES.readme), readme, 'utf8');
  const manifestJson = JSON.stringify(manifest, null, 2) + '\n';
  await fs.promises.writeFile(file(DEMO_FILES.manifest), manifestJson, 'utf8');
  return {
    manifest,
    files: [DEMO_FILES.customers, DEMO_FILES.transactions, DEMO_FILES.readme, DEMO_FILES.manifest].map(file),
    bytes: customers.bytes + transactions.bytes + Buffer.byteLength(readme) + Buffer.byteLength(manifestJson),
  };
}

export function readmeText(m: DemoManifest): string {
  const kinds = (k: Record<string, { field: string; code: string; description: string }>, counts: Record<string, number>) =>
    Object.entries(k)
      .map(([name, d]) => `  - ${name} (${counts[name] ?? 0}): ${d.field} -> ${d.code}; ${d.description}`)
      .join('\n');
  return `Veilgate synthetic demo data
============================

Generated by \`veilgate demo-data\` with seed ${m.seed} and reference date ${m.reference_date}
("today" of the data set: no valid date is later). The same command with the same seed,
options and reference date writes byte-identical files.

Every person, address, phone number, IBAN, NIR and SIRET here is synthetic. Identifiers
pass their checksums but belong to no one; e-mail domains are example.fr/.com/.org only.

${m.files.customers}
  ${m.customers.rows} data rows after a header: ${m.customers.unique} distinct customers plus
  ${m.customers.duplicates} duplicate rows. Columns: the data dictionary's customer fields
  (customer_id, email, first_name, last_name, phone, street, postcode, city, country,
  birth_date, gender, csp, income, iban, channel_preference, signup_date, nir, siret) and
  the consent flags consent_marketing_email, consent_marketing_sms, consent_partner_sharing
  (true = granted, false = refused) with consent_collected_at, when the source collected them. Comma-separated, UTF-8, cells quoted when needed.
  Empty cells are absent optional values (phone, income, iban, nir, siret).
  Duplicates: a second row of a valid customer, same customer_id, the e-mail re-cased and
  padded with spaces (it normalizes to the same mailbox), 1-500 rows after the first.

${m.files.transactions}
  ${m.transactions.rows} lines, one JSON object each: transaction_id, customer_id or (for
  ${m.transactions.with_email_only} of them) only email, date (ISO-8601 UTC), amount, currency (EUR),
  channel (web|store|phone|app), category. Dates lie in the two years before the reference
  date and never before the customer's signup; each customer's transactions are oldest first.
  Only valid customers have transactions.

Planted bad rows (each breaks exactly one dictionary rule; field -> rule code):
  customers: ${m.customers.bad} of ${m.customers.unique}
${kinds(m.bad_kinds.customers, m.customers.bad_by_kind)}
  transactions: ${m.transactions.bad} of ${m.transactions.rows}
${kinds(m.bad_kinds.transactions, m.transactions.bad_by_kind)}

Planted structure (latent customer types; they drive age, CSP, income, channel mix,
frequency and basket, and are not written to the data files):
${Object.entries(m.persona_descriptions)
  .map(([p, d]) => `  - ${p} (${m.customers.personas[p as keyof typeof m.customers.personas]}): ${d}`)
  .join('\n')}

${m.files.manifest}
  Options, row counts, bad rows per kind, personas, and expected_ingest: the accepted,
  rejected and duplicate counts ingest should report for each file sent as one batch.
`;
}
