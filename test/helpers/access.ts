// Shared by the consent and field-level access tests: a request recorder that keeps every answer
// (for the raw-identifier scan), a fully featured consenting subject, extra partner issuers
// added through testGateway({ prepare }), and the gateway's own pseudonym derivations.
import fs from 'node:fs';
import path from 'node:path';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { parse, stringify } from 'yaml';
import { PartnerScope } from '../../src/pseudonymization/partner-scope.ts';
import { Pseudonymizer } from '../../src/pseudonymization/pseudonymizer.ts';
import { resolveKeyMaterial } from '../../src/vault/key-material.ts';
import { canaryIdentity, scan, type Identity } from './canaries.ts';
import type { TestGateway } from './test-gateway.ts';

export type Format = 'json' | 'ndjson' | 'csv';
export type Row = Record<string, unknown>;

export const CONTENT_TYPE: Record<Format, string> = {
  json: 'application/json',
  ndjson: 'application/x-ndjson',
  csv: 'text/csv',
};

const csvCell = (v: unknown): string => {
  const s = v === undefined || v === null ? '' : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
};

export function encodeRows(rows: readonly Row[], format: Format): string {
  if (format === 'json') return JSON.stringify(rows);
  if (format === 'ndjson') return rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  return [cols.join(','), ...rows.map((r) => cols.map((c) => csvCell(r[c])).join(','))].join('\n') + '\n';
}

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

export interface IngestAnswer {
  batch_id: string;
  accepted: number;
  rejected: number;
  duplicates: number;
  errors: { row: number; field: string; code: string; message: string }[];
  ignored_fields: string[];
  ignored_unlisted: number;
  consents?: {
    recorded: number;
    effective: number;
    unchanged: number;
    expires_capped: number;
    not_effective: { row: number; purpose: string; reason: string }[];
  };
}

/** Sends requests through the gateway and keeps every answer body. */
export class Recorder {
  readonly answers: string[] = [];
  constructor(readonly gw: TestGateway) {}

  async send(pathname: string, init: RequestInit & { token?: string } = {}): Promise<Answer> {
    const res = await this.gw.request(pathname, init);
    const text = await res.text();
    this.answers.push(text);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, text, json };
  }

  get(pathname: string, token: string, headers: Record<string, string> = {}): Promise<Answer> {
    return this.send(pathname, { token, headers });
  }

  postJson(pathname: string, token: string, body: unknown): Promise<Answer> {
    return this.send(pathname, { method: 'POST', token, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  }

  /** POSTs rows to /v1/ingest/{source}/{type} with a fresh ingest token; expects 200. */
  async ingest(source: string, type: 'customers' | 'transactions' | 'consents', rows: readonly Row[], format: Format = 'json'): Promise<IngestAnswer> {
    const token = await this.gw.mint(['ingest']);
    const body = type === 'customers' ? withConsentTime(rows, this.gw.now()) : rows;
    const a = await this.send(`/v1/ingest/${source}/${type}`, {
      method: 'POST',
      token,
      headers: { 'content-type': CONTENT_TYPE[format] },
      body: encodeRows(body, format),
    });
    if (a.status !== 200) throw new Error(`ingest ${source}/${type} answered ${a.status}: ${a.text}`);
    return a.json as IngestAnswer;
  }

  /** Every needle of `identities` found in any answer so far. */
  leaks(identities: readonly Identity[]): string[] {
    const needles = identities.flatMap((id) => id.needles);
    return this.answers.flatMap((t, i) => scan(t, needles).map((h) => `answer #${i}: ${h.label}`));
  }
}

/**
 * Customer rows carrying a consent flag but no consent_collected_at get one an hour before `now`
 * (the gateway's clock): the dictionary refuses a flag without the time the source collected it.
 * A row that names the column (even as undefined) is left as it is.
 */
export function withConsentTime(rows: readonly Row[], now: number): Row[] {
  const at = new Date(now - 3_600_000).toISOString();
  const flagged = (r: Row) =>
    r !== null && typeof r === 'object' && !Array.isArray(r) && !('consent_collected_at' in r) && Object.keys(r).some((k) => k.startsWith('consent_'));
  return rows.map((r) => (flagged(r) ? { ...r, consent_collected_at: at } : r));
}

/** The gateway's pseudonym of an email (normalized form), computed with its own key. */
export function pseudonymOfEmail(gw: TestGateway, email: string): string {
  const keys = resolveKeyMaterial(gw.config);
  return new Pseudonymizer(keys.pseudonym, keys.pseudonymVersion).keyHash('email', email);
}

/** The partner-scope permutation under the gateway's pseudonymization key. */
export function partnerScopeOf(gw: TestGateway): PartnerScope {
  return new PartnerScope(resolveKeyMaterial(gw.config).pseudonym);
}

export const ALL_CONSENT_FLAGS = { consent_marketing_email: true, consent_marketing_sms: true, consent_partner_sharing: true } as const;

/** Transactions over several channels and days, so every behaviour feature has a value. */
export const transactionsFor = (customerId: string, txPrefix: string): Row[] => [
  { customer_id: customerId, transaction_id: `${txPrefix}-t1`, date: '2025-10-02', amount: 120.5, channel: 'web', category: 'books' },
  { customer_id: customerId, transaction_id: `${txPrefix}-t2`, date: '2025-11-13', amount: 35, channel: 'store', category: 'food' },
  { customer_id: customerId, transaction_id: `${txPrefix}-t3`, date: '2025-12-20', amount: 64.25, channel: 'app', category: 'books' },
  { customer_id: customerId, transaction_id: `${txPrefix}-t4`, date: '2026-01-03', amount: 18, channel: 'phone' },
];

export interface Seeded {
  identity: Identity;
  pseudonym: string;
}

/**
 * Ingests canary identity `i` of `tag` from `source` as a customer (every field, every given
 * consent flag) with transactions on every channel; returns its internal pseudonym.
 */
export async function seedSubject(rec: Recorder, tag: string, i: number, opts: { source?: string; flags?: Row; transactions?: boolean } = {}): Promise<Seeded> {
  const identity = canaryIdentity(tag, i);
  const source = opts.source ?? 'crm';
  const customers = await rec.ingest(source, 'customers', [{ ...identity.record, ...(opts.flags ?? ALL_CONSENT_FLAGS) }]);
  if (customers.accepted !== 1) throw new Error(`seed customer rejected: ${JSON.stringify(customers.errors)}`);
  if (opts.transactions !== false) {
    const tx = await rec.ingest(source, 'transactions', transactionsFor(String(identity.record['customer_id']), `tx-${tag}-${i}`));
    if (tx.accepted !== 4) throw new Error(`seed transactions rejected: ${JSON.stringify(tx.errors)}`);
  }
  return { identity, pseudonym: pseudonymOfEmail(rec.gw, identity.normalized['email']!) };
}

export interface ExtraPartner {
  id: string;
  issuer: string;
  audience: string;
  /** A partner token valid at `nowMs` (the gateway's clock, not the wall clock). */
  sign(nowMs: number, claims?: Record<string, unknown>): Promise<string>;
}

/**
 * Adds a partner issuer (fresh ES256 key, JWKS file, entry in issuers.yaml granting `partner`)
 * to a policies directory: for testGateway({ prepare }).
 */
export async function addPartnerIssuer(policiesDir: string, id: string): Promise<ExtraPartner> {
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  const kid = `${id}-1`;
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
  fs.writeFileSync(path.join(policiesDir, 'keys', `${id}.jwks.json`), JSON.stringify({ keys: [jwk] }));
  const file = path.join(policiesDir, 'issuers.yaml');
  const doc = parse(fs.readFileSync(file, 'utf8')) as { issuers: unknown[] };
  const issuer = `https://auth.${id}.test`;
  const audience = 'veilgate-test';
  doc.issuers.push({ id, issuer, audience, jwks_file: `keys/${id}.jwks.json`, algorithms: ['ES256'], roles: ['partner'] });
  fs.writeFileSync(file, stringify(doc));
  return { id, issuer, audience, sign: (nowMs, claims = {}) => signAs(privateKey, kid, issuer, audience, nowMs, claims) };
}

function signAs(key: CryptoKey, kid: string, iss: string, aud: string, nowMs: number, claims: Record<string, unknown>): Promise<string> {
  const now = Math.floor(nowMs / 1000);
  return new SignJWT({ iss, aud, sub: `${kid}-client`, iat: now, exp: now + 600, roles: ['partner'], ...claims })
    .setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' })
    .sign(key);
}

/** A token of the helper's built-in test partner (`partner-one`) valid at the gateway's clock. */
export function partnerOneToken(gw: TestGateway): Promise<string> {
  const now = Math.floor(gw.now() / 1000);
  return gw.partner.sign({ iat: now, exp: now + 600 });
}

/** The problem body without its per-request members, to compare two refusals. */
export function problemShape(a: Answer): Record<string, unknown> {
  const { request_id: _r, ...rest } = a.json as Record<string, unknown>;
  return rest;
}
