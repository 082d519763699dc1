// One ingest benchmark variant in its own process: prints {rows, seconds, maxRssMb} as JSON.
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { CUSTOMER_COLUMNS, generateCustomers } from '../../src/demo-data/generate.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import { openSqliteStorage } from '../../src/db/sqlite/storage.ts';
import { openWriteFloor, type FloorRow } from '../../src/db/sqlite/write-floor.ts';
import { loadPolicies } from '../../src/policy/load-policies.ts';
import { buildServices } from '../../src/services.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { resolveKeyMaterial } from '../../src/vault/key-material.ts';
import { Pseudonymizer } from '../../src/pseudonymization/pseudonymizer.ts';
import { VaultCipher } from '../../src/vault/vault-cipher.ts';

const CONSENT_FLAGS = [
  ['consent_marketing_email', 'marketing_email'],
  ['consent_marketing_sms', 'marketing_sms'],
  ['consent_partner_sharing', 'partner_sharing'],
] as const;
const VAULT_FIELDS = [
  'customer_id',
  'email',
  'first_name',
  'last_name',
  'phone',
  'street',
  'city',
  'postcode',
  'country',
  'birth_date',
  'signup_date',
  'iban',
  'nir',
  'siret',
];
const PROVENANCE = JSON.stringify(
  Object.fromEntries(['age', 'age_band', 'area', 'gender', 'csp', 'income', 'channel_preference', 'tenure_days'].map((f) => [f, ['crm', Date.now()]])),
);

/** The per-customer crypto of ingest: three keyed hashes, a data key, its wrap, one record encryption. */
class FloorCrypto {
  private readonly t0 = Date.now();
  constructor(
    private readonly ps: Pseudonymizer,
    readonly cipher: VaultCipher,
  ) {}

  customer(r: Record<string, unknown>): FloorRow {
    const { ps, cipher } = this;
    const pseudonym = ps.keyHash('email', String(r['email']));
    const dek = cipher.newDataKey();
    const rec: Record<string, string> = {};
    for (const f of VAULT_FIELDS) if (r[f] !== undefined && r[f] !== '') rec[f] = String(r[f]);
    const enc = cipher.encryptRecord(dek, pseudonym, rec);
    const consents: FloorRow['consents'] = [];
    for (const [field, purpose] of CONSENT_FLAGS) {
      const v = r[field];
      if (v !== undefined && v !== '' && v !== null) consents.push([purpose, v === true || v === 'true' ? 'granted' : 'denied']);
    }
    const row: FloorRow = {
      pseudonym,
      customerIdHash: ps.keyHash('customer_id', 'crm', String(r['customer_id'])),
      phoneHash: ps.keyHash('phone', String(r['phone'])),
      wrappedKey: cipher.wrap(dek, pseudonym),
      ciphertext: enc.ciphertext,
      fields: enc.fields,
      // provenance of the same size as ingest's: [source, time] per stored field
      fieldMeta: JSON.stringify(Object.fromEntries(Object.keys(rec).map((f) => [f, ['crm', this.t0]]))),
      provenance: PROVENANCE,
      gender: String(r['gender']),
      csp: String(r['csp']),
      income: Number(r['income']) || null,
      channel: String(r['channel_preference']),
      consents,
    };
    dek.fill(0);
    return row;
  }
}

const ROOT = path.resolve(import.meta.dirname, '../..');
const [variant, ...args] = process.argv.slice(2);
const rssMb = () => process.resourceUsage().maxRSS / 1024;
const done = (r: Record<string, number>) => process.stdout.write(JSON.stringify({ maxRssMb: rssMb(), ...r }) + '\n');

async function readRecords(file: string): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for await (const line of readline.createInterface({ input: fs.createReadStream(file) })) if (line) out.push(JSON.parse(line));
  return out;
}

const envVars = (dataDir: string) => ({
  VEILGATE_DEV: '1',
  VEILGATE_DATA_DIR: dataDir,
  VEILGATE_POLICIES_DIR: path.join(ROOT, 'policies'),
  VEILGATE_LOG_LEVEL: 'silent',
  VEILGATE_MAX_BATCH_ROWS: '100000',
  VEILGATE_MAX_BODY_BYTES: String(256 * 1024 * 1024),
});
const env = (dataDir: string) => loadConfig(envVars(dataDir));
const actor = { issuer: 'bench', subject: 'bench', roles: ['ingest'], requestId: null };

switch (variant) {
  case 'generate': {
    const [file, count, seed] = args as [string, string, string];
    const t = performance.now();
    const outS = fs.createWriteStream(file);
    let n = 0;
    for (const c of generateCustomers({ count: Number(count), seed: Number(seed), duplicateShare: 0 })) {
      outS.write(JSON.stringify(c.record) + '\n');
      n++;
    }
    await new Promise<void>((r) => outS.end(() => r()));
    done({ rows: n, seconds: (performance.now() - t) / 1000 });
    break;
  }
  case 'floor':
  case 'crypto':
  case 'rows':
  case 'rows-seq': {
    // floor: the per-customer crypto of ingest and bare inserts of the rows it stores for a new
    // customer (src/db/sqlite/write-floor.ts). No parsing, validation, normalization, linkage
    // lookups or audit. crypto: that crypto alone, no storage. rows: those inserts alone, the crypto
    // done before the clock starts. rows-seq: the same rows into the minimal reference layout.
    const [file, dataDir, batch] = args as [string, string, string];
    const rows = await readRecords(file);
    const config = env(dataDir);
    const keys = resolveKeyMaterial(config);
    const floor = new FloorCrypto(new Pseudonymizer(keys.pseudonym, 1), new VaultCipher(keys.master));
    const B = Number(batch);
    if (variant === 'crypto') {
      const t = performance.now();
      let bytes = 0;
      for (const r of rows) bytes += floor.customer(r).ciphertext.length;
      done({ rows: rows.length, seconds: (performance.now() - t) / 1000, bytes });
      break;
    }
    const writer = openWriteFloor(config.dataDir, variant === 'rows-seq' ? 'reference' : 'gateway', floor.cipher.keyId);
    const pre = variant === 'floor' ? undefined : rows.map((r) => floor.customer(r));
    const t = performance.now();
    for (let i = 0; i < rows.length; i += B) {
      writer.writeBatch(pre ? pre.slice(i, i + B) : rows.slice(i, i + B).map((r) => floor.customer(r)));
    }
    done({ rows: rows.length, seconds: (performance.now() - t) / 1000 });
    writer.close();
    break;
  }
  case 'library': {
    const [file, dataDir, batch] = args as [string, string, string];
    const rows = await readRecords(file);
    const config = env(dataDir);
    const storage = openSqliteStorage({ dataDir: config.dataDir });
    const { ingest, audit } = await buildServices(config, loadPolicies(config.policiesDir), storage, Date.now, createLogger({ level: 'silent' }));
    const B = Number(batch);
    let accepted = 0;
    const t = performance.now();
    for (let i = 0; i < rows.length; i += B) {
      accepted += (await ingest.ingest({ source: 'crm', recordType: 'customers', rows: rows.slice(i, i + B), requestHash: String(i), auditActor: actor }))
        .result.accepted;
      // as the HTTP edge does after each request: the sealed head follows the chain
      await audit.syncHead();
    }
    done({ rows: rows.length, accepted, seconds: (performance.now() - t) / 1000 });
    await storage.close();
    break;
  }
  case 'csv': {
    // Repeats the generated customers with fresh ids and emails up to N rows (fast, unlike generating 1M).
    const [file, out, count] = args as [string, string, string];
    const rows = await readRecords(file);
    const t = performance.now();
    const o = fs.createWriteStream(out);
    o.write(CUSTOMER_COLUMNS.join(',') + '\n');
    const cell = (v: unknown) => {
      const s = v === null || v === undefined ? '' : String(v);
      return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
    };
    for (let i = 0; i < Number(count); i++) {
      const r = { ...rows[i % rows.length]! };
      const round = Math.floor(i / rows.length);
      if (round > 0) {
        r['customer_id'] = `${r['customer_id']}-${round}`;
        r['email'] = String(r['email']).replace('@', `.${round}@`);
        r['phone'] = '';
      }
      if (!o.write(CUSTOMER_COLUMNS.map((c) => cell(r[c])).join(',') + '\n')) await new Promise<void>((res) => o.once('drain', () => res()));
    }
    await new Promise<void>((r) => o.end(() => r()));
    done({ rows: Number(count), seconds: (performance.now() - t) / 1000 });
    break;
  }
  default:
    throw new Error(`unknown variant ${variant}`);
}
