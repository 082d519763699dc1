// Resolves the gateway's secret keys: from the environment, or in dev mode from a 0600 key file.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/load-config.ts';
import { ConfigError } from '../config/load-config.ts';

export interface KeyMaterial {
  /** Wraps the per-subject data keys of the vault. */
  master: Buffer;
  /** Keys the pseudonym HMAC; never used for anything else. */
  pseudonym: Buffer;
  pseudonymVersion: number;
  /** Keys the audit hash chain; separate so DB access alone cannot forge the chain. */
  audit: Buffer;
}

const VARS = { master: 'VEILGATE_MASTER_KEY', pseudonym: 'VEILGATE_PSEUDONYM_KEY', audit: 'VEILGATE_AUDIT_KEY' } as const;
export const DEV_KEY_FILE = path.join('keys', 'dev-secrets.json');

export function resolveKeyMaterial(config: Readonly<Config>): KeyMaterial {
  const fromEnv = config.keys;
  let file: Partial<Record<keyof typeof VARS, Buffer>> = {};
  if (config.dev) file = ensureDevKeyFile(config.dataDir);
  const missing: { variable: string; message: string }[] = [];
  const pick = (k: keyof typeof VARS): Buffer => {
    const v = fromEnv[k] ?? file[k];
    if (!v) missing.push({ variable: VARS[k], message: 'is required outside development mode (32 bytes, base64)' });
    return v ?? Buffer.alloc(0);
  };
  const km = { master: pick('master'), pseudonym: pick('pseudonym'), audit: pick('audit'), pseudonymVersion: config.pseudonymKeyVersion };
  if (missing.length > 0) throw new ConfigError(missing);
  const distinct = new Set([km.master, km.pseudonym, km.audit].map((b) => b.toString('hex')));
  if (distinct.size !== 3) {
    throw new ConfigError([{ variable: 'VEILGATE_*_KEY', message: 'master, pseudonym and audit keys must all differ' }]);
  }
  return km;
}

function ensureDevKeyFile(dataDir: string): Record<keyof typeof VARS, Buffer> {
  const file = path.join(dataDir, DEV_KEY_FILE);
  if (!fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const keys = Object.fromEntries(Object.keys(VARS).map((k) => [k, crypto.randomBytes(32).toString('base64')]));
    try {
      fs.writeFileSync(file, JSON.stringify(keys, null, 2), { mode: 0o600, flag: 'wx' });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, string>;
  return {
    master: Buffer.from(raw['master'] ?? '', 'base64'),
    pseudonym: Buffer.from(raw['pseudonym'] ?? '', 'base64'),
    audit: Buffer.from(raw['audit'] ?? '', 'base64'),
  };
}
