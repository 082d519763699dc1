// The ingest benchmark's floor: what storing one new customer costs with bare prepared inserts,
// nothing read, nothing validated, the crypto done by the caller. Two layouts:
// - 'gateway': the gateway's own tables, the rows ingest leaves for a new customer (a subject row
//   with its features and consent state, three links, a vault row, a consent record per flag
//   under ids reserved for the batch);
// - 'reference': a minimal layout of the same rows beside them, every per-subject table keyed by
//   a sequential id and the consent state a row per purpose, which the gateway's layout is measured
//   against.
// Benchmark support only: the gateway never calls it.
import type Database from 'better-sqlite3';
import { openConnection } from './open-database.ts';

/** One customer as the floor stores it: everything computed, nothing written yet. */
export interface FloorRow {
  pseudonym: string;
  customerIdHash: string;
  phoneHash: string;
  wrappedKey: Buffer;
  ciphertext: Buffer;
  fields: string;
  fieldMeta: string;
  provenance: string;
  gender: string;
  csp: string;
  income: number | null;
  channel: string;
  consents: [purpose: string, status: string][];
}

export type FloorLayout = 'gateway' | 'reference';

export interface WriteFloor {
  /** The rows in one write transaction. */
  writeBatch(rows: readonly FloorRow[]): void;
  close(): void;
}

export function openWriteFloor(dataDir: string, layout: FloorLayout, keyId: string): WriteFloor {
  const sqlite = openConnection(dataDir);
  const write = layout === 'gateway' ? gatewayRows(sqlite, keyId) : referenceRows(sqlite, keyId);
  const batch = sqlite.transaction((rows: readonly FloorRow[]) => {
    write.begin?.(rows);
    for (const r of rows) write(r);
  });
  return { writeBatch: (rows) => batch.immediate(rows), close: () => sqlite.close() };
}

type RowWriter = ((r: FloorRow) => void) & { begin?: (rows: readonly FloorRow[]) => void };

function gatewayRows(sq: Database.Database, keyId: string): RowWriter {
  const subject = sq.prepare<
    unknown[],
    { id: number }
  >(`INSERT INTO subjects (pseudonym, key_version, age, age_band, area, gender, csp, income, channel_preference, tenure_since, provenance, consent, created_at, updated_at)
    VALUES (?, 1, 40, '35-44', '75', ?, ?, ?, ?, 19900, ?, ?, 1, 1) RETURNING id`);
  const link = sq.prepare('INSERT INTO subject_links (key_hash, kind, subject_id, created_at) VALUES (?, ?, ?, 1) ON CONFLICT(key_hash) DO NOTHING');
  const vault = sq.prepare('INSERT INTO vault (subject_id, key_id, wrapped_key, ciphertext, fields, field_meta, updated_at) VALUES (?, ?, ?, ?, ?, ?, 1)');
  const record =
    sq.prepare(`INSERT INTO consent_records (id, subject_id, purpose, status, legal_basis, source, collected_at, expires_at, notice_version, recorded_at, recorded_by)
    VALUES (?, ?, ?, ?, 'consent', 'crm', 1, NULL, NULL, 1, 'bench:bench')`);
  // the batch's record ids, reserved at once as the gateway's consent store does
  const reserve = sq.prepare<[number], { seq: number }>(`UPDATE sqlite_sequence SET seq = seq + ? WHERE name = 'consent_records' RETURNING seq`);
  const firstSequence = sq.prepare(
    `INSERT INTO sqlite_sequence (name, seq) SELECT 'consent_records', 0 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'consent_records')`,
  );
  let nextId = 0;
  const write: RowWriter = (r) => {
    const first = nextId;
    const state: Record<string, unknown[]> = {};
    for (const [purpose, status] of r.consents) state[purpose] = [status, 'consent', 1, null, nextId++];
    const id = subject.get(r.pseudonym, r.gender, r.csp, r.income, r.channel, r.provenance, JSON.stringify(state))!.id;
    link.run(r.pseudonym, 'email', id);
    link.run(r.customerIdHash, 'customer_id', id);
    link.run(r.phoneHash, 'phone', id);
    vault.run(id, keyId, r.wrappedKey, r.ciphertext, r.fields, r.fieldMeta);
    r.consents.forEach(([purpose, status], i) => record.run(first + i, id, purpose, status));
  };
  write.begin = (rows) => {
    const n = rows.reduce((a, r) => a + r.consents.length, 0);
    firstSequence.run();
    nextId = reserve.get(n)!.seq - n + 1;
  };
  return write;
}

function referenceRows(sq: Database.Database, keyId: string): RowWriter {
  sq.exec(`
    CREATE TABLE x_subjects (id INTEGER PRIMARY KEY, pseudonym TEXT NOT NULL UNIQUE, key_version INT NOT NULL, age INT, age_band TEXT, area TEXT, gender TEXT, csp TEXT, income REAL, channel_preference TEXT, tenure_since INT, provenance TEXT NOT NULL, created_at INT NOT NULL, updated_at INT NOT NULL);
    CREATE TABLE x_links (key_hash TEXT PRIMARY KEY, kind TEXT NOT NULL, subject_id INT NOT NULL, created_at INT NOT NULL) WITHOUT ROWID;
    CREATE TABLE x_vault (subject_id INTEGER PRIMARY KEY, key_id TEXT NOT NULL, wrapped_key BLOB, ciphertext BLOB, fields TEXT NOT NULL, field_meta TEXT NOT NULL, updated_at INT NOT NULL);
    CREATE TABLE x_consent_records (id INTEGER PRIMARY KEY AUTOINCREMENT, subject_id INT NOT NULL, purpose TEXT NOT NULL, status TEXT NOT NULL, legal_basis TEXT NOT NULL, source TEXT NOT NULL, collected_at INT NOT NULL, expires_at INT, notice_version TEXT, recorded_at INT NOT NULL, recorded_by TEXT NOT NULL);
    CREATE INDEX x_consent_records_subject ON x_consent_records (subject_id, purpose);
    CREATE TABLE x_consent_state (subject_id INT NOT NULL, purpose TEXT NOT NULL, status TEXT NOT NULL, legal_basis TEXT NOT NULL, collected_at INT NOT NULL, expires_at INT, record_id INT NOT NULL, PRIMARY KEY (subject_id, purpose)) WITHOUT ROWID;`);
  const subject = sq.prepare(
    `INSERT INTO x_subjects (pseudonym, key_version, age, age_band, area, gender, csp, income, channel_preference, tenure_since, provenance, created_at, updated_at) VALUES (?, 1, 40, '35-44', '75', ?, ?, ?, ?, 19900, ?, 1, 1)`,
  );
  const link = sq.prepare('INSERT OR IGNORE INTO x_links (key_hash, kind, subject_id, created_at) VALUES (?, ?, ?, 1)');
  const vault = sq.prepare('INSERT INTO x_vault (subject_id, key_id, wrapped_key, ciphertext, fields, field_meta, updated_at) VALUES (?, ?, ?, ?, ?, ?, 1)');
  const record =
    sq.prepare(`INSERT INTO x_consent_records (subject_id, purpose, status, legal_basis, source, collected_at, expires_at, notice_version, recorded_at, recorded_by)
    VALUES (?, ?, ?, 'consent', 'crm', 1, NULL, NULL, 1, 'bench:bench')`);
  const state = sq.prepare(
    `INSERT INTO x_consent_state (subject_id, purpose, status, legal_basis, collected_at, expires_at, record_id) VALUES (?, ?, ?, 'consent', 1, NULL, ?)`,
  );
  return (r) => {
    const id = subject.run(r.pseudonym, r.gender, r.csp, r.income, r.channel, r.provenance).lastInsertRowid;
    link.run(r.pseudonym, 'email', id);
    link.run(r.customerIdHash, 'customer_id', id);
    link.run(r.phoneHash, 'phone', id);
    vault.run(id, keyId, r.wrappedKey, r.ciphertext, r.fields, r.fieldMeta);
    for (const [purpose, status] of r.consents) state.run(id, purpose, status, record.run(id, purpose, status).lastInsertRowid);
  };
}
