// Builds a real gateway for tests: temp data dir, copied policies, real keys, captured logs.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';
import { parse, stringify } from 'yaml';
import { loadConfig, type Config } from '../../src/config/load-config.ts';
import { buildGateway, startGateway, type Gateway, type RunningGateway } from '../../src/gateway.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { mintDevToken } from '../../src/auth/dev-issuer.ts';
import type { SqliteStorage } from '../../src/db/sqlite/storage.ts';
import type Database from 'better-sqlite3';
import { postgresTestDb, sqliteTestDb, type TestDb } from './db.ts';
import { createTestDatabase, TEST_BACKEND } from './test-database.ts';
import { recordAnswer } from './contract.ts';

export const REPO_POLICIES = path.resolve(import.meta.dirname, '../../policies');
export const PARTNER_ISSUER = 'https://auth.partner-one.test';
export const PARTNER_AUDIENCE = 'veilgate-test';
/** Sources the suites ingest from, besides those of the repository's sources.yaml. */
export const TEST_SOURCES = [
  'ages',
  'areas',
  'bad-crm',
  'blank',
  'bounds',
  'commacsv',
  'csvrows',
  'ct',
  'empties',
  'fail',
  'frcsv',
  'good-shop',
  'matrix',
  'ndrows',
  'nothing',
  'partner',
  'pos',
  'shapes',
  'shop',
  'shop2',
  'tenure',
  'under',
  'unknowns',
  'web',
  'rows-json',
  'rows-ndjson',
  'rows-csv',
  'rules-json',
  'rules-ndjson',
  'rules-csv',
];

export interface PartnerKeys {
  id: string;
  issuer: string;
  kid: string;
  privateKey: CryptoKey;
  /** Signs a token for this partner; claims override the defaults (set one to undefined to drop it). */
  sign(claims?: Partial<JWTPayload> & { roles?: unknown }, header?: Record<string, unknown>): Promise<string>;
}

export interface TestGateway extends Gateway {
  /** The backend the suite runs on (VEILGATE_TEST_BACKEND: sqlite, the default, or postgres). */
  backend: 'sqlite' | 'postgres';
  /** Reads and writes in the database on either backend (assertions, and tampering as an attacker would). */
  db: TestDb;
  /** The SQLite adapter (throws on PostgreSQL: the test is about SQLite itself). */
  sqliteStorage: SqliteStorage;
  /** The SQLite writer connection (throws on PostgreSQL: the test is about SQLite itself). */
  sqlite: Database.Database;
  dataDir: string;
  policiesDir: string;
  config: Readonly<Config>;
  logs: string[];
  now: () => number;
  /** Moves the fixed clock. */
  advance(ms: number): void;
  partner: PartnerKeys;
  mint(roles: string[], opts?: { sub?: string; ttlSeconds?: number }): Promise<string>;
  /** Through app.request(); `clientAddress` stands in for the socket's remote address. */
  request(pathname: string, init?: RequestInit & { token?: string; clientAddress?: string }): Promise<Response>;
  /** The listening gateway, when built with `listen` (its close() is part of cleanup). */
  running?: RunningGateway;
  /** Closes the storage and removes the temp directories. */
  cleanup(): Promise<void>;
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `veilgate-${prefix}-`));
}

/** Copies the repository policies and adds a test partner issuer with a fresh ES256 key. */
export async function makePolicies(dir = tempDir('policies')): Promise<{ dir: string; partner: PartnerKeys }> {
  fs.cpSync(REPO_POLICIES, dir, { recursive: true });
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  const kid = 'partner-one-1';
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
  fs.writeFileSync(path.join(dir, 'keys', 'partner-one.jwks.json'), JSON.stringify({ keys: [jwk] }));
  const issuersFile = path.join(dir, 'issuers.yaml');
  const doc = parse(fs.readFileSync(issuersFile, 'utf8')) as { issuers: unknown[] };
  doc.issuers.push({
    id: 'partner-one',
    issuer: PARTNER_ISSUER,
    audience: PARTNER_AUDIENCE,
    jwks_file: 'keys/partner-one.jwks.json',
    algorithms: ['ES256'],
    roles: ['partner'],
  });
  fs.writeFileSync(issuersFile, stringify(doc));
  // the sources the suites write as, all writable by the development issuer's tokens
  const sourcesFile = path.join(dir, 'sources.yaml');
  const sources = parse(fs.readFileSync(sourcesFile, 'utf8')) as { sources: Record<string, unknown> };
  for (const s of TEST_SOURCES) sources.sources[s] ??= { description: 'a test source', writers: [{ issuer: 'dev' }] };
  fs.writeFileSync(sourcesFile, stringify(sources));
  const partner: PartnerKeys = {
    id: 'partner-one',
    issuer: PARTNER_ISSUER,
    kid,
    privateKey,
    async sign(claims = {}, header = {}) {
      const now = Math.floor(Date.now() / 1000);
      const payload: Record<string, unknown> = {
        iss: PARTNER_ISSUER,
        aud: PARTNER_AUDIENCE,
        sub: 'partner-one-client',
        exp: now + 600,
        iat: now,
        roles: ['partner'],
        ...claims,
      };
      for (const k of Object.keys(payload)) if (payload[k] === undefined) delete payload[k];
      return new SignJWT(payload).setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT', ...header }).sign(privateKey);
    },
  };
  return { dir, partner };
}

export interface TestGatewayOptions {
  /** Overrides the test defaults; a variable set to undefined is unset (e.g. VEILGATE_DEV). */
  env?: Record<string, string | undefined>;
  clockStart?: number;
  /** The wall clock instead of a fixed one (a browser's timers and the gateway's must agree). */
  realClock?: boolean;
  /** Runs on the fresh data and policy directories before the gateway is built. */
  prepare?: (dirs: { dataDir: string; policiesDir: string }) => void | Promise<void>;
  /** Starts the listener too (on a free loopback port), with these settings over the config's. */
  listen?: Partial<Pick<Config, 'metricsPort' | 'shutdownGraceMs'>>;
}

export async function testGateway(options: TestGatewayOptions = {}): Promise<TestGateway> {
  const dataDir = tempDir('data');
  const { dir: policiesDir, partner } = await makePolicies();
  const database = TEST_BACKEND === 'postgres' ? await createTestDatabase() : undefined;
  const removeDirs = async () => {
    fs.rmSync(dataDir, { recursive: true, force: true, maxRetries: 5 });
    fs.rmSync(policiesDir, { recursive: true, force: true });
    await database?.drop();
  };
  try {
    return await assemble(options, dataDir, policiesDir, partner, removeDirs, database?.url);
  } catch (e) {
    await removeDirs(); // a gateway that failed to build leaves no temp dirs or databases behind
    throw e;
  }
}

async function assemble(
  options: TestGatewayOptions,
  dataDir: string,
  policiesDir: string,
  partner: PartnerKeys,
  removeDirs: () => Promise<void>,
  databaseUrl: string | undefined,
): Promise<TestGateway> {
  await options.prepare?.({ dataDir, policiesDir });
  const config = loadConfig({
    VEILGATE_DATA_DIR: dataDir,
    VEILGATE_POLICIES_DIR: policiesDir,
    VEILGATE_DEV: '1',
    // every in-process request comes from one address ("local"): the suites that send many bad
    // tokens would hit the per-address limit, which its own adversarial test exercises
    VEILGATE_AUTH_FAILURES_PER_MINUTE: '1000000',
    ...(databaseUrl && { VEILGATE_DATABASE_URL: databaseUrl }),
    ...options.env,
  });
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      logs.push(String(chunk));
      cb();
    },
  });
  let t = options.clockStart ?? Date.now();
  const now = options.realClock ? () => (t = Date.now()) : () => t;
  const logger = createLogger({ level: 'info', destination });
  const running = options.listen ? await startGateway({ ...config, port: 0, host: '127.0.0.1', ...options.listen }, { logger, clock: now }) : undefined;
  const gw = running ?? (await buildGateway(config, { logger, clock: now }));
  const sqliteOnly =
    <T>(get: (s: SqliteStorage) => T) =>
    (): T => {
      if (gw.storage.dialect !== 'sqlite') throw new Error('this test reads the SQLite file itself: it runs on the SQLite backend only');
      return get(gw.storage as SqliteStorage);
    };
  const db = gw.storage.dialect === 'sqlite' ? sqliteTestDb((gw.storage as SqliteStorage).connection) : postgresTestDb(config.database!.url);
  const out: TestGateway = {
    ...gw,
    backend: gw.storage.dialect,
    db,
    get sqliteStorage() {
      return sqliteOnly((s) => s)();
    },
    get sqlite() {
      return sqliteOnly((s) => s.connection)();
    },
    dataDir,
    policiesDir,
    config,
    logs,
    now,
    partner,
    advance: (ms) => {
      t += ms;
    },
    mint: (roles, o = {}) => mintDevToken(dataDir, { roles, subject: o.sub ?? 'test-user', ttlSeconds: o.ttlSeconds ?? 600, now: now() }),
    request: (pathname, init = {}) => {
      const { token, headers, clientAddress, ...rest } = init;
      const h = new Headers(headers);
      if (token) h.set('Authorization', `Bearer ${token}`);
      const env = clientAddress === undefined ? undefined : { incoming: { socket: { remoteAddress: clientAddress } } };
      return Promise.resolve(gw.app.request(pathname, { ...rest, headers: h }, env)).then((res) => {
        // every answer is checked against /openapi.json at the end of the file (test/setup/contract-check.ts)
        recordAnswer(gw.app, rest.method ?? 'GET', pathname, res);
        return res;
      });
    },
    ...(running && { running }),
    cleanup: () =>
      (running
        ? db.close().then(() => running.close())
        : Promise.all([gw.jobs.close(), gw.preparePool.close(), gw.dsr.maintenanceIdle(), gw.auditSink?.close()])
            .then(() => db.close())
            .then(() => gw.storage.close())
      ).finally(removeDirs),
  };
  return out;
}
