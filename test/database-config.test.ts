// VEILGATE_DATABASE_URL and the pool's settings are validated at start: a bad value stops the
// process naming the variable, and the password in the URL is never printed, not even when the
// server cannot be reached.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config/load-config.ts';
import { runVeilgate } from './helpers/cli.ts';
import { tempDir } from './helpers/test-gateway.ts';

const SECRET = 'pw-s3cret-9f2c';

function problems(env: Record<string, string>): { variable: string; message: string }[] {
  try {
    loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

describe('database configuration', () => {
  it('accepts a postgres URL; TLS is off for loopback and verified elsewhere unless told', () => {
    const local = loadConfig({ VEILGATE_DATABASE_URL: `postgres://app:${SECRET}@127.0.0.1:5432/veilgate` });
    expect(local.database).toMatchObject({ poolSize: 10, statementTimeoutMs: 60_000, tls: 'disable' });
    const remote = loadConfig({ VEILGATE_DATABASE_URL: 'postgresql://app@db.internal/veilgate', VEILGATE_DB_POOL_SIZE: '25', VEILGATE_DB_TLS: 'require' });
    expect(remote.database).toMatchObject({ poolSize: 25, tls: 'require' });
    expect(loadConfig({ VEILGATE_DATABASE_URL: 'postgres://app@db.internal/veilgate' }).database!.tls).toBe('verify-full');
    expect(loadConfig({}).database).toBeUndefined();
  });

  it.each([
    ['not a url', `app:${SECRET}@host/db`],
    ['another scheme', `mysql://app:${SECRET}@host/db`],
    ['no database', `postgres://app:${SECRET}@host`],
    ['TLS in the URL', `postgres://app:${SECRET}@host/db?sslmode=disable`],
  ])('refuses %s, naming the variable and never the password', (_, url) => {
    const p = problems({ VEILGATE_DATABASE_URL: url });
    expect(p.map((x) => x.variable)).toEqual(['VEILGATE_DATABASE_URL']);
    expect(JSON.stringify(p)).not.toContain(SECRET);
  });

  it('refuses bad pool settings', () => {
    const p = problems({
      VEILGATE_DATABASE_URL: 'postgres://h/db',
      VEILGATE_DB_POOL_SIZE: '0',
      VEILGATE_DB_TLS: 'maybe',
      VEILGATE_DB_STATEMENT_TIMEOUT_MS: '-1',
    });
    expect(p.map((x) => x.variable).sort()).toEqual(['VEILGATE_DB_POOL_SIZE', 'VEILGATE_DB_STATEMENT_TIMEOUT_MS', 'VEILGATE_DB_TLS']);
  });

  it('`veilgate migrate` with a bad URL or an unreachable server exits non-zero without printing the password', async () => {
    const dataDir = tempDir('dbcfg');
    const bad = await runVeilgate(['migrate'], { env: { VEILGATE_DATA_DIR: dataDir, VEILGATE_DATABASE_URL: `mysql://app:${SECRET}@127.0.0.1/db` } });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('VEILGATE_DATABASE_URL');
    expect(bad.stdout + bad.stderr).not.toContain(SECRET);
    // nothing listens on port 1: the connection is refused
    const down = await runVeilgate(['migrate'], { env: { VEILGATE_DATA_DIR: dataDir, VEILGATE_DATABASE_URL: `postgres://app:${SECRET}@127.0.0.1:1/db` } });
    expect(down.code).not.toBe(0);
    expect(down.stderr.length).toBeGreaterThan(0);
    expect(down.stdout + down.stderr).not.toContain(SECRET);
  });
});
