// Everything about a batch that needs no stored state: parsing the body, validating each row and
// (for customers) the keyed hashes, feature columns and speculative vault crypto of each valid
// row. A pure function of the request, the dictionary and the keys, so it can run on a worker
// thread while the writer commits another batch (see prepare-pool.ts).
import type { Dictionary, RecordTypeName } from '../policy/load-dictionary.ts';
import { CONSENT_COLUMN_PREFIX } from '../policy/load-dictionary.ts';
import type { Pseudonymizer } from '../pseudonymization/pseudonymizer.ts';
import type { VaultCipher } from '../vault/vault-cipher.ts';
import { checkConsentColumns } from './consent-rows.ts';
import type { Cell } from './field-value.ts';
import { rowError } from './ingest-errors.ts';
import { decodeUtf8, NOT_AN_OBJECT, parseRecords, type BodyFormat } from './parse-records.ts';
import { prepareCustomer, type PreparedCustomer } from './prepare-customer.ts';
import { compileValidator, type FieldTally, type RowError } from './record-validator.ts';

export interface BatchBody {
  bytes: Uint8Array;
  format: BodyFormat;
  maxRows: number;
}

export interface PrepareInput {
  source: string;
  recordType: RecordTypeName;
  /** Parsed records (the CLI), or the request body to parse (HTTP). */
  rows?: readonly Record<string, unknown>[];
  body?: BatchBody;
  rowOffset: number;
  now: number;
  /** Customers: also compute each row's speculative vault row (worth it off the writer's thread). */
  speculate: boolean;
}

export interface PreparedBatch {
  rowCount: number;
  errors: RowError[];
  /** Valid rows of transactions and consents batches (customers: see `customers`). */
  valid: { row: number; values: Record<string, Cell> }[];
  customers: PreparedCustomer[];
  tally: Map<string, FieldTally>;
  ignored: string[];
}

export interface PrepareDeps {
  dictionary: Dictionary;
  pseudonymizer: Pseudonymizer;
  cipher: VaultCipher;
  purposes: ReadonlySet<string>;
}

export function prepareBatch(d: PrepareDeps, input: PrepareInput): PreparedBatch {
  const rows = input.rows ?? (input.body ? parseRecords(decodeUtf8(input.body.bytes), input.body.format, input.body.maxRows) : []);
  const spec = d.dictionary.recordTypes[input.recordType];
  const nowIso = new Date(input.now).toISOString();
  const today = nowIso.slice(0, 10);
  const tally = new Map<string, FieldTally>();
  const validate = compileValidator(spec, { region: d.dictionary.defaultRegion, today, nowIso, purposes: d.purposes }, tally);
  const errors: RowError[] = [];
  const valid: PreparedBatch['valid'] = [];
  const customers: PreparedCustomer[] = [];
  const ignored = new Set<string>();
  const isCustomers = input.recordType === 'customers';
  const ctx = { source: input.source, today, speculate: input.speculate };
  rows.forEach((raw, i) => {
    const row = input.rowOffset + i + 1;
    if ((raw as Record<symbol, unknown>)[NOT_AN_OBJECT]) {
      errors.push(rowError(row, '(row)', 'type', 'must be an object'));
      return;
    }
    // A row naming no dictionary field has data for keys (a CSV sent without its header line):
    // those names are values and must not be echoed in the answer, nor stored with it.
    const keys = Object.keys(raw);
    if (keys.some((k) => spec.fields.has(k))) for (const k of keys) if (!spec.fields.has(k) && !k.startsWith(CONSENT_COLUMN_PREFIX)) ignored.add(k);
    const values = validate(raw, row, errors);
    const consentsOk = !isCustomers || checkConsentColumns(spec, raw, values, row, errors);
    if (!values || !consentsOk) return;
    if (isCustomers) customers.push(prepareCustomer(d, spec, ctx, row, values));
    else valid.push({ row, values });
  });
  return { rowCount: rows.length, errors, valid, customers, tally, ignored: [...ignored] };
}
