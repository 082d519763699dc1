// One ingest benchmark variant in its own process: prints {rows, seconds, maxRssMb} as JSON.

import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import type Database from 'better-sqlite3';
import { generateCustomers } from '../../src/demo-data/generate.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import { openConnection } from '../../src/db/sqlite/open-database.ts';
import { openSqliteStorage } from '../../src/db/sqlite/storage.ts';
import { loadPolicies } from '../../src/policy/load-policies.ts';
import { startGateway } from '../../src/gateway.ts';
import { buildServices } from '../../src/services.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { mintDevToken } from '../../src/auth/dev-issuer.ts';
import { resolveKeyMaterial } from '../../src/vault/key-material.ts';
import { Pseudonymizer } from '../../src/pseudonymization/pseudonymizer.ts';
import { VaultCipher } from '../../src/vault/vault-cipher.ts';
import { CUSTOMER_COLUMNS } from '../../src/demo-data/generate.ts';

/** One customer as the floor stores it: everything computed, nothing written yet. */
interface FloorRow {
  p: string; cid: string; ph: string;
  wrapped: Buffer; ciphertext: Buffer; fields: string; meta: string;
  gender: string; csp: string; income: number | null; channel: string;
  consents: [purpose: string, status: string][];
}

const CONSENT_FLAGS = [['consent_marketing_email', 'marketing_email'], ['consent_marketing_sms', 'marketing_sms'], ['consent_partner_sharing', 'partner_sharing']] as const;
const VAULT_FIELDS = ['customer_id', 'email', 'first_name', 'last_name', 'phone', 'street', 'city', 'postcode', 'country', 'birth_date', 'signup_date', 'iban', 'nir', 'siret'];
const FEATURE_META = JSON.stringify(Object.fromEntries(['age', 'age_band', 'area', 'gender', 'csp', 'income', 'channel_preference', 'tenure_days'].map((f) => [f, ['crm', Date.now()]])));

class FloorCrypto {
  private readonly t0 = Date.now();
  constructor(private readonly ps: Pseudonymizer, readonly cipher: VaultCipher) {}

  customer(r: Record<string, unknown>): FloorRow {
    const { ps, cipher } = this;
    const p = ps.keyHash('email', String(r['email']));
    const dek = cipher.newDataKey();
    const rec: Record<string, string> = {};
    for (const f of VAULT_FIELDS) if (r[f] !== undefined && r[f] !== '') rec[f] = String(r[f]);
    const enc = cipher.encryptRecord(dek, p, rec);
    const consents: FloorRow['consents'] = [];
    for (const [field, purpose] of CONSENT_FLAGS) {
      const v = r[field];
      if (v !== undefined && v !== '' && v !== null) consents.push([purpose, v === true || v === 'true' ? 'granted' : 'denied']);
    }
    return {
      p, cid: ps.keyHash('customer_id', 'crm', String(r['customer_id'])), ph: ps.keyHash('phone', String(r['phone'])),
      wrapped: cipher.wrap(dek, p), ciphertext: enc.ciphertext, fields: enc.fields,
      // provenance of the same size as ingest's: [source, time] per stored field
      meta: JSON.stringify(Object.fromEntries(Object.keys(rec).map((f) => [f, ['crm', this.t0]]))),
      gender: String(r['gender']), csp: String(r['csp']), income: Number(r['income']) || null, channel: String(r['channel_preference']),
      consents,
    };
  }
}

/** The floor's inserts into the gateway's own schema. */
function floorWriter(sq: Database.Database, keyId: string): (row: FloorRow) => void {
  const feat = sq.prepare(`INSERT OR IGNORE INTO subject_features (pseudonym, key_version, age, age_band, area, gender, csp, income, channel_preference, tenure_since, provenance, created_at, updated_at) VALUES (?, 1, 40, '35-44', '75', ?, ?, ?, ?, 19900, ?, 1, 1)`);
  const link = sq.prepare('INSERT OR IGNORE INTO subject_links (key_hash, kind, pseudonym, created_at) VALUES (?, ?, ?, 1)');
  const vault = sq.prepare('INSERT OR IGNORE INTO vault (pseudonym, key_id, wrapped_key, ciphertext, fields, field_meta, updated_at) VALUES (?, ?, ?, ?, ?, ?, 1)');
  const record = sq.prepare(`INSERT INTO consent_records (pseudonym, purpose, status, legal_basis, source, collected_at, expires_at, notice_version, recorded_at, recorded_by)
    VALUES (?, ?, ?, 'consent', 'crm', 1, NULL, NULL, 1, 'bench:bench')`);
  const state = sq.prepare(`INSERT OR IGNORE INTO consent_state (pseudonym, purpose, status, legal_basis, collected_at, expires_at, record_id) VALUES (?, ?, ?, 'consent', 1, NULL, ?)`);
  return (r) => {
    feat.run(r.p, r.gender, r.csp, r.income, r.channel, FEATURE_META);
    link.run(r.p, 'email', r.p); link.run(r.cid, 'customer_id', r.p); link.run(r.ph, 'phone', r.p);
    vault.run(r.p, keyId, r.wrapped, r.ciphertext, r.fields, r.meta);
    for (const [purpose, status] of r.consents) state.run(r.p, purpose, status, record.run(r.p, purpose, status).lastInsertRowid);
  };
}

/**
 * A hypothetical layout, not the gateway's: every per-subject table keyed by a sequential
 * subject id, so their inserts append, and only the pseudonym index and the links take
 * random-order keys. Created beside the real schema in the same file.
 */
function seqWriter(sq: Database.Database, keyId: string): (row: FloorRow) => void {
  sq.exec(`
    CREATE TABLE x_subjects (id INTEGER PRIMARY KEY, pseudonym TEXT NOT NULL UNIQUE, key_version INT NOT NULL, age INT, age_band TEXT, area TEXT, gender TEXT, csp TEXT, income REAL, channel_preference TEXT, tenure_since INT, provenance TEXT NOT NULL, created_at INT NOT NULL, updated_at INT NOT NULL);
    CREATE TABLE x_links (key_hash TEXT PRIMARY KEY, kind TEXT NOT NULL, subject_id INT NOT NULL, created_at INT NOT NULL) WITHOUT ROWID;
    CREATE TABLE x_vault (subject_id INTEGER PRIMARY KEY, key_id TEXT NOT NULL, wrapped_key BLOB, ciphertext BLOB, fields TEXT NOT NULL, field_meta TEXT NOT NULL, updated_at INT NOT NULL);
    CREATE TABLE x_consent_records (id INTEGER PRIMARY KEY AUTOINCREMENT, subject_id INT NOT NULL, purpose TEXT NOT NULL, status TEXT NOT NULL, legal_basis TEXT NOT NULL, source TEXT NOT NULL, collected_at INT NOT NULL, expires_at INT, notice_version TEXT, recorded_at INT NOT NULL, recorded_by TEXT NOT NULL);
    CREATE INDEX x_consent_records_subject ON x_consent_records (subject_id, purpose);
    CREATE TABLE x_consent_state (subject_id INT NOT NULL, purpose TEXT NOT NULL, status TEXT NOT NULL, legal_basis TEXT NOT NULL, collected_at INT NOT NULL, expires_at INT, record_id INT NOT NULL, PRIMARY KEY (subject_id, purpose)) WITHOUT ROWID;`);
  const subject = sq.prepare(`INSERT INTO x_subjects (pseudonym, key_version, age, age_band, area, gender, csp, income, channel_preference, tenure_since, provenance, created_at, updated_at) VALUES (?, 1, 40, '35-44', '75', ?, ?, ?, ?, 19900, ?, 1, 1)`);
  const link = sq.prepare('INSERT OR IGNORE INTO x_links (key_hash, kind, subject_id, created_at) VALUES (?, ?, ?, 1)');
  const vault = sq.prepare('INSERT INTO x_vault (subject_id, key_id, wrapped_key, ciphertext, fields, field_meta, updated_at) VALUES (?, ?, ?, ?, ?, ?, 1)');
  const record = sq.prepare(`INSERT INTO x_consent_records (subject_id, purpose, status, legal_basis, source, collected_at, expires_at, notice_version, recorded_at, recorded_by)
    VALUES (?, ?, ?, 'consent', 'crm', 1, NULL, NULL, 1, 'bench:bench')`);
  const state = sq.prepare(`INSERT INTO x_consent_state (subject_id, purpose, status, legal_basis, collected_at, expires_at, record_id) VALUES (?, ?, ?, 'consent', 1, NULL, ?)`);
  return (r) => {
    const id = subject.run(r.p, r.gender, r.csp, r.income, r.channel, FEATURE_META).lastInsertRowid;
    link.run(r.p, 'email', id); link.run(r.cid, 'customer_id', id); link.run(r.ph, 'phone', id);
    vault.run(id, keyId, r.wrapped, r.ciphertext, r.fields, r.meta);
    for (const [purpose, status] of r.consents) state.run(id, purpose, status, record.run(id, purpose, status).lastInsertRowid);
  };
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

const envVars = (dataDir: string) => ({ VEILGATE_DEV: '1', VEILGATE_DATA_DIR: dataDir, VEILGATE_POLICIES_DIR: path.join(ROOT, 'policies'), VEILGATE_LOG_LEVEL: 'silent', VEILGATE_MAX_BATCH_ROWS: '100000', VEILGATE_MAX_BODY_BYTES: String(256 * 1024 * 1024) });
const env = (dataDir: string) => loadConfig(envVars(dataDir));
const actor = { issuer: 'bench', subject: 'bench', roles: ['ingest'], requestId: null };

switch (variant) {
  case 'generate': {
    const [file, count, seed] = args as [string, string, string];
    const t = performance.now();
    const outS = fs.createWriteStream(file);
    let n = 0;
    for (const c of generateCustomers({ count: Number(count), seed: Number(seed), duplicateShare: 0 })) { outS.write(JSON.stringify(c.record) + '\n'); n++; }
    await new Promise<void>((r) => outS.end(() => r()));
    done({ rows: n, seconds: (performance.now() - t) / 1000 });
    break;
  }
  case 'floor':
  case 'crypto':
  case 'rows':
  case 'rows-seq': {
    // floor: the same per-row crypto as the ingest path (3 keyed hashes, data key, wrap, one
    // record encryption) and prepared inserts of the same rows it stores: features, three links,
    // the vault row, and per consent flag a history record plus its state row. No parsing,
    // validation, normalization, linkage lookups or provenance.
    // crypto: the floor's crypto alone, no storage. rows: the floor's inserts alone, the crypto
    // done before the clock starts. rows-seq: those inserts into a hypothetical schema keyed by
    // a sequential subject id (see floorSchemaSeq), to show what a redesign of the keys could give.
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
    const sqlite = openConnection(config.dataDir);
    const write = (variant === 'rows-seq' ? seqWriter : floorWriter)(sqlite, floor.cipher.keyId);
    const pre = variant === 'floor' ? [] : rows.map((r) => floor.customer(r));
    const t = performance.now();
    for (let i = 0; i < rows.length; i += B) {
      sqlite.transaction(() => {
        for (let j = i; j < Math.min(i + B, rows.length); j++) write(pre[j] ?? floor.customer(rows[j]!));
      }).immediate();
    }
    done({ rows: rows.length, seconds: (performance.now() - t) / 1000 });
    sqlite.close();
    break;
  }
  case 'library': {
    const [file, dataDir, batch] = args as [string, string, string];
    const rows = await readRecords(file);
    const config = env(dataDir);
    const storage = openSqliteStorage({ dataDir: config.dataDir });
    const { ingest } = await buildServices(config, loadPolicies(config.policiesDir), storage, Date.now, createLogger({ level: 'silent' }));
    const B = Number(batch);
    let accepted = 0;
    const t = performance.now();
    for (let i = 0; i < rows.length; i += B) {
      accepted += (await ingest.ingest({ source: 'crm', recordType: 'customers', rows: rows.slice(i, i + B), requestHash: String(i), auditActor: actor })).result.accepted;
    }
    done({ rows: rows.length, accepted, seconds: (performance.now() - t) / 1000 });
    await storage.close();
    break;
  }
  case 'http': {
    // Server and client in one process would share one core: the server runs in a child of its own.
    const [file, dataDir, batch] = args as [string, string, string];
    if (process.env['INGEST_BENCH_SERVER']) {
      // started as `veilgate serve` starts it (startGateway: with its background checkpointer)
      const gw = await startGateway(loadConfig({ ...envVars(dataDir), PORT: '0', HOST: '127.0.0.1' }), { logger: createLogger({ level: 'silent' }) });
      process.stdout.write(`PORT ${new URL(gw.url).port}\n`);
      process.on('message', () => { void gw.close().then(() => { process.stdout.write(JSON.stringify({ maxRssMb: rssMb() }) + '\n'); process.exit(0); }); });
      break;
    }
    const { spawn } = await import('node:child_process');
    const srv = spawn(process.execPath, ['--import', 'tsx', import.meta.filename, 'http', file, dataDir, batch], { env: { ...process.env, INGEST_BENCH_SERVER: '1' }, stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
    let buf = '';
    const port = await new Promise<number>((resolve) => srv.stdout!.on('data', (d) => { buf += d; const m = /PORT (\d+)/.exec(buf); if (m) resolve(Number(m[1])); }));
    const lines = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
    const token = await mintDevToken(dataDir, { roles: ['ingest'], subject: 'bench', ttlSeconds: 3600 });
    const B = Number(batch);
    const bodies: string[] = [];
    for (let i = 0; i < lines.length; i += B) bodies.push(lines.slice(i, i + B).join('\n'));
    const t = performance.now();
    let accepted = 0;
    for (const body of bodies) {
      const res = await fetch(`http://127.0.0.1:${port}/v1/ingest/crm/customers`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' }, body });
      if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
      accepted += ((await res.json()) as { accepted: number }).accepted;
    }
    const seconds = (performance.now() - t) / 1000;
    buf = '';
    const serverRss = await new Promise<number>((resolve) => { srv.stdout!.on('data', (d) => { buf += d; const m = /"maxRssMb":([\d.]+)/.exec(buf); if (m) resolve(Number(m[1])); }); srv.send('stop'); });
    process.stdout.write(JSON.stringify({ rows: lines.length, accepted, seconds, maxRssMb: serverRss }) + '\n');
    break;
  }
  case 'csv': {
    // Repeats the generated customers with fresh ids and emails up to N rows (fast, unlike generating 1M).
    const [file, out, count] = args as [string, string, string];
    const rows = await readRecords(file);
    const t = performance.now();
    const o = fs.createWriteStream(out);
    o.write(CUSTOMER_COLUMNS.join(',') + '\n');
    const cell = (v: unknown) => { const s = v === null || v === undefined ? '' : String(v); return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s; };
    for (let i = 0; i < Number(count); i++) {
      const r = { ...rows[i % rows.length]! };
      const round = Math.floor(i / rows.length);
      if (round > 0) { r['customer_id'] = `${r['customer_id']}-${round}`; r['email'] = String(r['email']).replace('@', `.${round}@`); r['phone'] = ''; }
      if (!o.write(CUSTOMER_COLUMNS.map((c) => cell(r[c])).join(',') + '\n')) await new Promise<void>((res) => o.once('drain', () => res()));
    }
    await new Promise<void>((r) => o.end(() => r()));
    done({ rows: Number(count), seconds: (performance.now() - t) / 1000 });
    break;
  }
  default:
    throw new Error(`unknown variant ${variant}`);
}

