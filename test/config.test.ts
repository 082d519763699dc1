// Configuration from the environment: defaults, validation, and secrets that never echo.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config/load-config.ts';
import { runVeilgate } from './helpers/cli.ts';
import { tempDir } from './helpers/test-gateway.ts';

/** Runs loadConfig and returns the ConfigError it must throw. */
function configError(env: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(Object.keys(env))}`);
}

/** Everything a ConfigError could show anyone: message, problems, stack, serialization. */
const everythingShown = (e: ConfigError) => [e.message, String(e), e.stack ?? '', JSON.stringify(e), JSON.stringify(e.problems)].join('\n');

describe('loadConfig defaults', () => {
  const c = loadConfig({});

  it('has the documented defaults', () => {
    expect(c.port).toBe(8080);
    expect(c.host).toBe('127.0.0.1');
    expect(c.dataDir).toBe(path.resolve('./data'));
    expect(path.isAbsolute(c.dataDir)).toBe(true);
    expect(c.policiesDir).toBe(path.resolve('./policies'));
    expect(c.maxBodyBytes).toBe(10 * 1024 * 1024);
    expect(c.maxBatchRows).toBe(10_000);
    expect(c.dev).toBe(false);
    expect(c.logLevel).toBe('info');
    expect(c.keys).toEqual({});
  });

  it('is frozen', () => {
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.keys)).toBe(true);
  });

  it('treats an empty variable like an unset one', () => {
    const e = loadConfig({ PORT: '', VEILGATE_DEV: '', VEILGATE_MASTER_KEY: '' });
    expect(e.port).toBe(8080);
    expect(e.dev).toBe(false);
    expect(e.keys.master).toBeUndefined();
  });

  it('ignores unrelated variables', () => {
    expect(loadConfig({ HOME: '/root', SECRET_THING: 'x' }).port).toBe(8080);
  });
});

describe('loadConfig values', () => {
  it('parses valid values', () => {
    const c = loadConfig({
      PORT: '0',
      HOST: '::1',
      VEILGATE_DATA_DIR: 'rel/data',
      VEILGATE_POLICIES_DIR: '/etc/veilgate',
      VEILGATE_DEV: '1',
      VEILGATE_MAX_BODY_BYTES: '2048',
      VEILGATE_MAX_BATCH_ROWS: '5',
      VEILGATE_LOG_LEVEL: 'warn',
    });
    expect(c).toMatchObject({
      port: 0,
      host: '::1',
      dataDir: path.resolve('rel/data'),
      policiesDir: '/etc/veilgate',
      dev: true,
      maxBodyBytes: 2048,
      maxBatchRows: 5,
      logLevel: 'warn',
    });
    expect(loadConfig({ PORT: '65535' }).port).toBe(65535);
  });

  it.each([
    ['1', true],
    ['true', true],
    ['yes', true],
    ['0', false],
    ['false', false],
    ['no', false],
  ])('VEILGATE_DEV=%s -> %s', (v, dev) => {
    expect(loadConfig({ VEILGATE_DEV: v }).dev).toBe(dev);
  });
});

describe('loadConfig refusals', () => {
  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '65536'],
    ['PORT', '-1'],
    ['PORT', '80.5'],
    ['PORT', '8080 '],
    ['VEILGATE_DEV', 'maybe'],
    ['VEILGATE_DEV', 'TRUE1'],
    ['VEILGATE_DEV', '2'],
    ['VEILGATE_MAX_BODY_BYTES', 'abc'],
    ['VEILGATE_MAX_BODY_BYTES', '10'],
    ['VEILGATE_MAX_BODY_BYTES', '-5'],
    ['VEILGATE_MAX_BODY_BYTES', '10MB'],
    ['VEILGATE_MAX_BODY_BYTES', String(2 * 1024 * 1024 * 1024)],
    ['VEILGATE_MAX_BATCH_ROWS', '0'],
    ['VEILGATE_LOG_LEVEL', 'verbose'],
  ])('%s=%j is a ConfigError naming the variable', (variable, value) => {
    const e = configError({ [variable]: value });
    expect(e.code).toBe('config.invalid');
    expect(e.problems.length).toBeGreaterThan(0);
    expect(e.problems.every((p) => p.variable === variable)).toBe(true);
    expect(e.message).toContain(`${variable}:`);
    for (const p of e.problems) expect(p.message.length).toBeGreaterThan(0);
  });

  it('reports every bad variable at once', () => {
    const e = configError({ PORT: 'abc', VEILGATE_DEV: 'maybe', VEILGATE_MAX_BODY_BYTES: 'x' });
    expect(new Set(e.problems.map((p) => p.variable))).toEqual(new Set(['PORT', 'VEILGATE_DEV', 'VEILGATE_MAX_BODY_BYTES']));
  });
});

describe('secret keys', () => {
  const KEY_VARS = ['VEILGATE_MASTER_KEY', 'VEILGATE_PSEUDONYM_KEY', 'VEILGATE_AUDIT_KEY'] as const;

  const badValues: [string, string][] = [
    ['not base64', 'not*a*valid*key!! canary-4f1d'],
    ['base64 of 16 bytes', crypto.randomBytes(16).toString('base64')],
    ['base64 of 33 bytes', crypto.randomBytes(33).toString('base64')],
    ['hex of 32 bytes (decodes to 48)', crypto.randomBytes(32).toString('hex')],
  ];

  for (const variable of KEY_VARS) {
    it.each(badValues)(`${variable}: %s -> ConfigError naming it, never the value`, (_what, value) => {
      const e = configError({ [variable]: value });
      expect(e.problems.length).toBeGreaterThan(0);
      expect(e.problems.every((p) => p.variable === variable)).toBe(true);
      expect(e.message).toContain(variable);
      const shown = everythingShown(e);
      expect(shown).not.toContain(value);
      // Not even a recognisable piece of it.
      for (let i = 0; i + 8 <= value.length; i += 4) expect(shown).not.toContain(value.slice(i, i + 8));
    });
  }

  it('a key error does not hide the other variables, and shows none of the values', () => {
    const master = crypto.randomBytes(16).toString('base64');
    const audit = 'plain-text-password-canary';
    const e = configError({ VEILGATE_MASTER_KEY: master, VEILGATE_AUDIT_KEY: audit, PORT: 'abc' });
    expect(new Set(e.problems.map((p) => p.variable))).toEqual(new Set(['VEILGATE_MASTER_KEY', 'VEILGATE_AUDIT_KEY', 'PORT']));
    const shown = everythingShown(e);
    expect(shown).not.toContain(master);
    expect(shown).not.toContain(audit);
  });

  it('decodes valid 32-byte base64 keys (standard, url-safe, unpadded, padded with spaces) to 32-byte Buffers', () => {
    const raw = KEY_VARS.map(() => crypto.randomBytes(32));
    // Ensure the url-safe spelling really differs from the standard one.
    raw[1] = Buffer.from(Array.from({ length: 32 }, (_, i) => (i % 2 ? 0xfb : 0xff)));
    const c = loadConfig({
      VEILGATE_MASTER_KEY: raw[0]!.toString('base64'),
      VEILGATE_PSEUDONYM_KEY: raw[1]!.toString('base64url'),
      VEILGATE_AUDIT_KEY: `  ${raw[2]!.toString('base64')}\n`,
    });
    expect(raw[1]!.toString('base64url')).toMatch(/[-_]/);
    for (const [i, k] of [c.keys.master, c.keys.pseudonym, c.keys.audit].entries()) {
      expect(Buffer.isBuffer(k)).toBe(true);
      expect(k!.length).toBe(32);
      expect(k!.equals(raw[i]!)).toBe(true);
    }
  });

  it('leaves absent keys absent', () => {
    const c = loadConfig({ VEILGATE_MASTER_KEY: crypto.randomBytes(32).toString('base64') });
    expect(c.keys.master?.length).toBe(32);
    expect('pseudonym' in c.keys).toBe(false);
    expect('audit' in c.keys).toBe(false);
  });
});

describe('the process refuses a bad configuration at start', () => {
  const dataDir = tempDir('cfg');
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('`veilgate serve` with PORT=abc exits non-zero naming PORT', async () => {
    const r = await runVeilgate(['serve'], { env: { PORT: 'abc', VEILGATE_DATA_DIR: dataDir } });
    expect(r.code).not.toBe(0);
    expect(r.code).not.toBeNull();
    expect(r.stderr).toMatch(/\bPORT\b/);
    expect(r.stderr).not.toMatch(/\n\s+at\s/);
    // Nothing was written: configuration is checked before the data directory is touched.
    expect(fs.readdirSync(dataDir)).toEqual([]);
  });

  it('`veilgate serve` with a bad master key exits non-zero without printing the key', async () => {
    const key = crypto.randomBytes(16).toString('base64');
    const r = await runVeilgate(['serve'], { env: { VEILGATE_MASTER_KEY: key, VEILGATE_DATA_DIR: dataDir } });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('VEILGATE_MASTER_KEY');
    expect(r.stderr + r.stdout).not.toContain(key);
  });
});

describe('secrets from files (<VARIABLE>_FILE, as container secrets are mounted)', () => {
  const dir = tempDir('secrets');
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, text: string) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text, { mode: 0o600 });
    return file;
  };

  it('reads each key and the database URL from its file (one trailing newline is not part of it)', () => {
    const master = crypto.randomBytes(32);
    const pseudonym = crypto.randomBytes(32);
    const audit = crypto.randomBytes(32);
    const c = loadConfig({
      VEILGATE_MASTER_KEY_FILE: write('master', master.toString('base64') + '\n'),
      VEILGATE_PSEUDONYM_KEY_FILE: write('pseudonym', pseudonym.toString('base64') + '\r\n'),
      VEILGATE_AUDIT_KEY_FILE: write('audit', audit.toString('base64')),
      VEILGATE_DATABASE_URL_FILE: write('db', 'postgres://veilgate:s3cret-pw@db.internal:5432/veilgate\n'),
    });
    expect(c.keys.master?.equals(master)).toBe(true);
    expect(c.keys.pseudonym?.equals(pseudonym)).toBe(true);
    expect(c.keys.audit?.equals(audit)).toBe(true);
    expect(c.database?.url).toBe('postgres://veilgate:s3cret-pw@db.internal:5432/veilgate');
  });

  it('refuses a variable set both ways, an unreadable or empty file, and a bad value in a file, naming the _FILE variable and never the value', () => {
    const key = crypto.randomBytes(32).toString('base64');
    expect(configError({ VEILGATE_MASTER_KEY: key, VEILGATE_MASTER_KEY_FILE: write('both', key) }).problems).toEqual([
      { variable: 'VEILGATE_MASTER_KEY_FILE', message: expect.stringContaining('VEILGATE_MASTER_KEY') },
    ]);
    expect(configError({ VEILGATE_AUDIT_KEY_FILE: path.join(dir, 'missing') }).problems.map((p) => p.variable)).toEqual(['VEILGATE_AUDIT_KEY_FILE']);
    expect(configError({ VEILGATE_PSEUDONYM_KEY_FILE: write('empty', '\n') }).problems.map((p) => p.variable)).toEqual(['VEILGATE_PSEUDONYM_KEY_FILE']);
    const short = crypto.randomBytes(12).toString('base64');
    const bad = configError({ VEILGATE_MASTER_KEY_FILE: write('short', short), VEILGATE_DATABASE_URL_FILE: write('baddb', 'mysql://root:hunter2-pw@db/x') });
    expect(bad.problems.map((p) => p.variable).sort()).toEqual(['VEILGATE_DATABASE_URL_FILE', 'VEILGATE_MASTER_KEY_FILE']);
    expect(everythingShown(bad)).not.toContain(short);
    expect(everythingShown(bad)).not.toContain('hunter2-pw');
  });
});

describe('VEILGATE_AUDIT_SINK', () => {
  it('parses FORMAT:TARGET: standard output, a file, UDP and TCP; the queue size with it', () => {
    expect(loadConfig({}).auditSink).toBeUndefined();
    expect(loadConfig({ VEILGATE_AUDIT_SINK: 'jsonl:stdout' }).auditSink).toEqual({ format: 'jsonl', target: { kind: 'stdout' }, queue: 10_000 });
    expect(loadConfig({ VEILGATE_AUDIT_SINK: 'cef:test/audit.cef' }).auditSink).toEqual({
      format: 'cef',
      target: { kind: 'file', path: path.resolve('test/audit.cef') },
      queue: 10_000,
    });
    expect(loadConfig({ VEILGATE_AUDIT_SINK: 'syslog:udp://127.0.0.1:514', VEILGATE_AUDIT_SINK_QUEUE: '50' }).auditSink).toEqual({
      format: 'syslog',
      target: { kind: 'udp', host: '127.0.0.1', port: 514 },
      queue: 50,
    });
    expect(loadConfig({ VEILGATE_AUDIT_SINK: 'syslog:tcp://[::1]:6514' }).auditSink?.target).toEqual({ kind: 'tcp', host: '::1', port: 6514 });
    expect(loadConfig({ VEILGATE_AUDIT_SINK: 'cef:tcp://siem.internal:515' }).auditSink?.target).toEqual({ kind: 'tcp', host: 'siem.internal', port: 515 });
  });

  it('refuses an unknown format, a bad network target or port, and a queue size without a sink, naming the variable', () => {
    for (const [value, message] of [
      ['json:stdout', /must be FORMAT:TARGET/],
      ['syslog', /must be FORMAT:TARGET/],
      ['syslog:udp://127.0.0.1', /udp:\/\/HOST:PORT/],
      ['syslog:http://collector:80', /udp:\/\/HOST:PORT/],
      ['syslog:tcp://127.0.0.1:70000', /between 1 and 65535/],
      ['cef:udp://:514', /udp:\/\/HOST:PORT/],
      ['jsonl:/nonexistent-veilgate-dir/audit.jsonl', /directory that does not exist/],
    ] as const) {
      const e = configError({ VEILGATE_AUDIT_SINK: value });
      expect(
        e.problems.map((p) => p.variable),
        value,
      ).toEqual(['VEILGATE_AUDIT_SINK']);
      expect(e.problems[0]!.message, value).toMatch(message);
    }
    expect(configError({ VEILGATE_AUDIT_SINK_QUEUE: '10' }).problems).toEqual([
      { variable: 'VEILGATE_AUDIT_SINK_QUEUE', message: 'is only used with VEILGATE_AUDIT_SINK' },
    ]);
    expect(configError({ VEILGATE_AUDIT_SINK: 'jsonl:stdout', VEILGATE_AUDIT_SINK_QUEUE: '0' }).problems[0]!.variable).toBe('VEILGATE_AUDIT_SINK_QUEUE');
  });
});
