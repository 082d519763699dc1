// Shared by the ingest tests: body encoders, a POST helper that keeps every answer, table counts,
// and a vault reader that decrypts through the real VaultCipher with the dev key file.
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import type { ConsentStateRow } from '../../src/consent/coverage.ts';
import { VaultCipher } from '../../src/vault/vault-cipher.ts';
import type { TestGateway } from './test-gateway.ts';
import { withConsentTime } from './access.ts';

export type Format = 'json' | 'ndjson' | 'csv';
export type Row = Record<string, unknown>;

export const CONTENT_TYPE: Record<Format, string> = {
  json: 'application/json',
  ndjson: 'application/x-ndjson',
  csv: 'text/csv',
};

export interface RowError {
  row: number;
  field: string;
  code: string;
  message: string;
}

export interface IngestAnswer {
  batch_id: string;
  accepted: number;
  rejected: number;
  duplicates: number;
  errors: RowError[];
  ignored_fields: string[];
  ignored_unlisted: number;
}

const csvCell = (v: unknown, delimiter: string): string => {
  const s = v === undefined || v === null ? '' : String(v);
  return /["\r\n]/.test(s) || s.includes(delimiter) ? `"${s.replaceAll('"', '""')}"` : s;
};

/** CSV with a header of every column any row uses (or `columns`); absent cells are empty. */
export function toCsv(rows: readonly Row[], columns?: readonly string[], delimiter = ','): string {
  const cols = columns ?? [...new Set(rows.flatMap((r) => Object.keys(r)))];
  return [cols.join(delimiter), ...rows.map((r) => cols.map((c) => csvCell(r[c], delimiter)).join(delimiter))].join('\n') + '\n';
}

export const toNdjson = (rows: readonly unknown[]): string => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

export function encode(rows: readonly Row[], format: Format): string {
  return format === 'json' ? JSON.stringify(rows) : format === 'ndjson' ? toNdjson(rows) : toCsv(rows);
}

export interface Posted {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

export interface IngestClient {
  /** Every answer body received, for the leak scan. */
  answers: string[];
  post(
    path: string,
    body: NonNullable<RequestInit['body']>,
    opts?: { contentType?: string | null; idempotencyKey?: string; token?: string | null; query?: string },
  ): Promise<Posted>;
  /** POSTs rows in `format` to /v1/ingest/{source}/{type} and expects a 200 answer. */
  ingest(
    source: string,
    type: 'customers' | 'transactions',
    rows: readonly Row[],
    format?: Format,
    opts?: { idempotencyKey?: string; query?: string },
  ): Promise<IngestAnswer>;
}

/** A client for `roles`; each request mints a fresh token, so tests may move the clock freely. */
export async function ingestClient(gw: TestGateway, roles: string[] = ['ingest']): Promise<IngestClient> {
  const answers: string[] = [];
  const client: IngestClient = {
    answers,
    async post(p, body, opts = {}) {
      const headers: Record<string, string> = {};
      if (opts.contentType !== null) headers['content-type'] = opts.contentType ?? 'application/json';
      if (opts.idempotencyKey !== undefined) headers['idempotency-key'] = opts.idempotencyKey;
      const tok = opts.token === null ? undefined : (opts.token ?? (await gw.mint(roles)));
      const res = await gw.request(p + (opts.query ? `?${opts.query}` : ''), { method: 'POST', headers, body, ...(tok && { token: tok }) });
      const text = await res.text();
      answers.push(text);
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      return { status: res.status, headers: res.headers, text, json };
    },
    async ingest(source, type, rows, format = 'json', opts = {}) {
      const body = type === 'customers' ? withConsentTime(rows, gw.now()) : rows;
      const r = await client.post(`/v1/ingest/${source}/${type}`, encode(body, format), {
        contentType: CONTENT_TYPE[format],
        ...opts,
      });
      expect(r.status, r.text).toBe(200);
      expect(r.headers.get('content-type')).toMatch(/^application\/json/);
      return r.json as IngestAnswer;
    },
  };
  return client;
}

export const TABLES = [
  'subjects',
  'subject_links',
  'vault',
  'transactions',
  'consent_records',
  'ingest_batches',
  'quality_field_stats',
  'quality_source_stats',
] as const;

export async function counts(gw: TestGateway): Promise<Record<(typeof TABLES)[number], number>> {
  const out: Record<string, number> = {};
  for (const t of TABLES) out[t] = await gw.db.count(t);
  return out as Record<(typeof TABLES)[number], number>;
}

export interface FeatureRow {
  pseudonym: string;
  key_version: number;
  age: number | null;
  age_band: string | null;
  area: string | null;
  gender: string | null;
  csp: string | null;
  income: number | null;
  channel_preference: string | null;
  tenure_since: number | null;
  first_purchase_day: number | null;
  last_purchase_day: number | null;
  frequency: number;
  monetary: number;
  n_web: number;
  n_store: number;
  n_phone: number;
  n_app: number;
  /** JSON {feature: [source, epoch ms]} (text on either backend). */
  provenance: string;
  created_at: number;
  updated_at: number;
}

const FEATURE_COLUMNS = `pseudonym, key_version, age, age_band, area, gender, csp, income, channel_preference, tenure_since, first_purchase_day,
  last_purchase_day, frequency, monetary, n_web, n_store, n_phone, n_app, provenance, created_at, updated_at`;

/** PostgreSQL gives jsonb as objects: as text, so tests compare one shape. */
const asStored = (r: FeatureRow): FeatureRow => (typeof r.provenance === 'string' ? r : { ...r, provenance: JSON.stringify(r.provenance) });

export const features = async (gw: TestGateway): Promise<FeatureRow[]> =>
  (await gw.db.all<FeatureRow>(`SELECT ${FEATURE_COLUMNS} FROM subjects ORDER BY pseudonym`)).map(asStored);

export interface VaultEntry {
  pseudonym: string;
  keyId: string;
  fields: string[];
  meta: Record<string, [string, number]>;
  record: Record<string, string>;
}

/** Decrypts every live subject's vault row with the master key of the dev key file, through VaultCipher. */
export async function readVault(gw: TestGateway): Promise<Map<string, VaultEntry>> {
  const keys = JSON.parse(fs.readFileSync(path.join(gw.dataDir, 'keys', 'dev-secrets.json'), 'utf8')) as { master: string };
  const cipher = new VaultCipher(Buffer.from(keys.master, 'base64'));
  const rows = await gw.db.all<{ pseudonym: string; key_id: string; wrapped_key: Buffer; ciphertext: Buffer; fields: string; field_meta: string }>(
    'SELECT s.pseudonym, v.key_id, v.wrapped_key, v.ciphertext, v.fields, v.field_meta FROM vault v JOIN subjects s ON s.id = v.subject_id',
  );
  const out = new Map<string, VaultEntry>();
  for (const r of rows) {
    const dataKey = cipher.unwrap(r.wrapped_key, r.pseudonym, r.key_id);
    out.set(r.pseudonym, {
      pseudonym: r.pseudonym,
      keyId: r.key_id,
      fields: r.fields === '' ? [] : r.fields.split(','),
      meta: JSON.parse(r.field_meta) as Record<string, [string, number]>,
      record: cipher.decryptRecord(dataKey, r.pseudonym, r.fields, r.ciphertext),
    });
  }
  return out;
}

/** The vault entry holding `email` (normalized), or undefined. */
export const vaultByEmail = async (gw: TestGateway, email: string): Promise<VaultEntry | undefined> =>
  [...(await readVault(gw)).values()].find((v) => v.record['email'] === email);

export const featureOf = async (gw: TestGateway, pseudonym: string): Promise<FeatureRow> =>
  asStored((await gw.db.get<FeatureRow>(`SELECT ${FEATURE_COLUMNS} FROM subjects WHERE pseudonym = ?`, pseudonym))!);

/** Every stored subject's consent state (pseudonym -> purpose -> state; subjects without one are absent), through the port. */
export async function consentStates(gw: TestGateway): Promise<Map<string, Map<string, ConsentStateRow>>> {
  const pseudonyms = (await gw.db.all<{ pseudonym: string }>('SELECT pseudonym FROM subjects ORDER BY pseudonym')).map((r) => r.pseudonym);
  return gw.storage.consents.states(pseudonyms);
}

/** How many purposes the subject's consent state holds (0 when the subject is not stored). */
export const consentStateSize = async (gw: TestGateway, pseudonym: string): Promise<number> =>
  (await gw.storage.consents.states([pseudonym])).get(pseudonym)?.size ?? 0;

/** Epoch day of an ISO date, as the transactions and purchase-day columns store it. */
export const epochDay = (iso: string): number => Math.floor(Date.parse(iso + 'T00:00:00Z') / 86_400_000);

/** Asserts a row error exists and that its message does not echo `value`. */
export function expectRowError(answer: { errors: RowError[] }, row: number, field: string, code: string, value?: unknown): RowError {
  const e = answer.errors.find((x) => x.row === row && x.field === field);
  expect(e, `no error for row ${row} field ${field} in ${JSON.stringify(answer.errors)}`).toBeDefined();
  expect(e!.code).toBe(code);
  expect(typeof e!.message).toBe('string');
  expect(e!.message.length).toBeGreaterThan(0);
  if (value !== undefined && String(value).trim() !== '') {
    expect(e!.message).not.toContain(String(value));
    expect(e!.message).not.toContain(String(value).trim());
  }
  return e!;
}
