// The veilgate command end to end: keys, tokens, migrations, serving and a clean SIGTERM.
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { DEV_AUDIENCE, DEV_ISSUER, initDevIssuer, mintDevToken } from '../src/auth/dev-issuer.ts';
import { MIGRATIONS_DIR } from '../src/db/sqlite/open-database.ts';
import { freePort, runVeilgate, spawnVeilgate } from './helpers/cli.ts';
import { REPO_POLICIES, tempDir } from './helpers/test-gateway.ts';

const dirs: string[] = [];
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function dataDir(): string {
  const d = tempDir('cli');
  dirs.push(d);
  return d;
}

const shippedMigrations = (JSON.parse(fs.readFileSync(path.join(MIGRATIONS_DIR, 'meta', '_journal.json'), 'utf8')) as { entries: unknown[] }).entries.length;

describe.concurrent('--help', () => {
  it.each([
    { cmd: 'serve', options: [] },
    { cmd: 'migrate', options: [] },
    { cmd: 'keys init', options: [] },
    { cmd: 'token mint', options: ['--role', '--sub', '--ttl'] },
    { cmd: 'policies check', options: [] },
  ])('$cmd --help exits 0 with usage', async ({ cmd, options }) => {
    const dir = dataDir();
    const r = await runVeilgate([...cmd.split(' '), '--help'], { env: { VEILGATE_DATA_DIR: dir } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Usage: veilgate ${cmd}`);
    expect(r.stdout).toMatch(/-h, --help/);
    for (const opt of options) expect(r.stdout).toContain(opt);
    // Help does nothing else: no database, no keys.
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});

describe('migrate', () => {
  it('applies the shipped migrations and says so', async () => {
    const dir = dataDir();
    const env = { VEILGATE_DATA_DIR: dir, VEILGATE_POLICIES_DIR: REPO_POLICIES };
    const first = await runVeilgate(['migrate'], { env });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain(path.join(dir, 'veilgate.db'));
    expect(first.stdout).toContain(`${shippedMigrations}/${shippedMigrations} migrations applied`);
    expect(fs.existsSync(path.join(dir, 'veilgate.db'))).toBe(true);
  });
});

describe('token mint refusals', () => {
  it('--role nosuchrole exits non-zero naming the role', async () => {
    const env = { VEILGATE_DATA_DIR: dataDir(), VEILGATE_POLICIES_DIR: REPO_POLICIES };
    const r = await runVeilgate(['token', 'mint', '--role', 'nosuchrole'], { env });
    expect(r.code).not.toBe(0);
    expect(r.code).not.toBeNull();
    // Refused for the role (checked before the key), not for anything else.
    expect(r.stderr).toContain('unknown role nosuchrole');
    expect(r.stdout).toBe('');
  });

  it('minting without a dev issuer key fails, pointing at keys init (in process: one child less)', async () => {
    await expect(mintDevToken(dataDir(), { roles: ['dpo'], subject: 'x', ttlSeconds: 60 })).rejects.toThrow(/keys init/);
  });
});

describe('keys init -> token mint -> serve -> SIGTERM', () => {
  const dir = dataDir();
  const env = { VEILGATE_DATA_DIR: dir, VEILGATE_POLICIES_DIR: REPO_POLICIES };
  const keysDir = path.join(dir, 'keys');
  const privateFile = path.join(keysDir, 'dev-issuer.private.jwk.json');
  const publicFile = path.join(keysDir, 'dev-issuer.jwks.json');
  let token = '';

  it('keys init creates the key pair, the private key with mode 0600', async () => {
    const r = await runVeilgate(['keys', 'init'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^created development issuer key dev-[0-9a-f]+/);
    expect(fs.statSync(privateFile).mode & 0o777).toBe(0o600);
    expect(fs.statSync(keysDir).mode & 0o077).toBe(0);
    const jwks = JSON.parse(fs.readFileSync(publicFile, 'utf8')) as JSONWebKeySet;
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).not.toHaveProperty('d');
    expect(JSON.parse(fs.readFileSync(privateFile, 'utf8'))).toHaveProperty('d');
  });

  it('initialising again keeps the existing key (in process: one child less)', async () => {
    const before = fs.readFileSync(privateFile, 'utf8');
    const again = await initDevIssuer(dir);
    expect(again.created).toBe(false);
    expect(again.kid).toBe((JSON.parse(before) as { kid: string }).kid);
    expect(fs.readFileSync(privateFile, 'utf8')).toBe(before);
  });

  it('token mint --role dpo --sub alice --ttl 15m prints a JWT the dev key verifies', async () => {
    const r = await runVeilgate(['token', 'mint', '--role', 'dpo', '--sub', 'alice', '--ttl', '15m'], { env });
    expect(r.code, r.stderr).toBe(0);
    token = r.stdout.trim();
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(r.stdout).toBe(`${token}\n`);
    const jwks = JSON.parse(fs.readFileSync(publicFile, 'utf8')) as JSONWebKeySet;
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: 'EdDSA', kid: jwks.keys[0]!.kid });
    const { payload } = await jwtVerify(token, createLocalJWKSet(jwks), { issuer: DEV_ISSUER, audience: DEV_AUDIENCE });
    expect(payload).toMatchObject({ sub: 'alice', roles: ['dpo'] });
    expect(payload.exp! - payload.iat!).toBe(15 * 60);
  });

  it('serve answers with the minted token, then exits 0 on SIGTERM', async () => {
    expect(token).not.toBe('');
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const proc = spawnVeilgate(['serve'], { ...env, VEILGATE_DEV: '1', PORT: String(port), HOST: '127.0.0.1' });
    children.push(proc.child);
    let exitedEarly: { code: number | null } | undefined;
    void proc.exited.then((e) => {
      exitedEarly = e;
    });

    const deadline = Date.now() + 15_000;
    for (;;) {
      if (exitedEarly) throw new Error(`serve exited early (${exitedEarly.code}): ${proc.output().stderr}`);
      if (Date.now() > deadline) throw new Error(`serve did not become healthy: ${proc.output().stderr}`);
      const up = await fetch(`${base}/healthz`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (up) break;
      await new Promise((r) => setTimeout(r, 100));
    }

    const res = await fetch(`${base}/v1/policies`, { headers: { Authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { version: string }).version).toMatch(/^sha256:/);
    const me = (await (await fetch(`${base}/v1/me`, { headers: { Authorization: `Bearer ${token}` } })).json()) as { subject: string; issuer_id: string };
    expect(me).toMatchObject({ subject: 'alice', issuer_id: 'dev' });
    expect((await fetch(`${base}/v1/policies`)).status).toBe(401);

    proc.child.kill('SIGTERM');
    const exit = await Promise.race([proc.exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 5000))]);
    expect(exit, proc.output().stderr).toEqual({ code: 0, signal: null });
    // It has stopped listening.
    expect(
      await fetch(`${base}/healthz`).then(
        () => 'open',
        () => 'closed',
      ),
    ).toBe('closed');

    const { stdout, stderr } = proc.output();
    expect(stdout).toMatch(/"msg":"listening"/);
    expect(stdout).toMatch(/"msg":"stopped"/);
    expect(stdout + stderr).not.toContain(token);
  });
});
