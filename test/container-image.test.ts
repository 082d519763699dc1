// The container image, without a container engine (none runs here): the Dockerfile is read for
// what it promises (Node 22 or newer, production dependencies only, a non-root user, /data a
// volume, a health check on /readyz, no key baked in), and its entry command is run exactly as the
// image runs it, from a tree laid out as the image's /app (this checkout after `npm run build`),
// with the image's environment: it starts without development keys, the health check passes,
// and SIGTERM stops it with exit 0. compose.yaml runs two instances on one PostgreSQL database.
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { freePort } from './helpers/cli.ts';
import { tempDir } from './helpers/test-gateway.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const dockerfile = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');

interface Stage {
  from: string;
  lines: string[];
}

/** Instructions per stage, continuation lines joined, comments dropped. */
function stages(text: string): Stage[] {
  const joined = text
    .split('\n')
    .filter((l) => !l.trimStart().startsWith('#'))
    .join('\n')
    .replace(/\\\n\s*/g, ' ');
  const out: Stage[] = [];
  for (const line of joined
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)) {
    if (/^FROM /i.test(line)) out.push({ from: line.slice(5).trim(), lines: [] });
    else out.at(-1)!.lines.push(line);
  }
  return out;
}

const all = stages(dockerfile);
const final = all.at(-1)!;
const instruction = (s: Stage, name: string) => s.lines.filter((l) => l.toUpperCase().startsWith(name + ' ')).map((l) => l.slice(name.length + 1).trim());
const execForm = (s: string) => JSON.parse(s) as string[];

/** The final stage's ENV as a map (KEY=value pairs, as this Dockerfile writes them). */
const imageEnv = Object.fromEntries(instruction(final, 'ENV').flatMap((e) => e.split(/\s+/).map((kv) => kv.split('=') as [string, string])));
const cmd = execForm(instruction(final, 'CMD')[0]!);
const healthcheck = execForm(instruction(final, 'HEALTHCHECK')[0]!.replace(/^.*?CMD\s+/, ''));

describe('the Dockerfile', () => {
  it('builds on Node 22 or newer, in two stages, keeping production dependencies only', () => {
    expect(all.length).toBeGreaterThanOrEqual(2);
    for (const s of all) expect(Number(/^node:(\d+)/.exec(s.from)?.[1])).toBeGreaterThanOrEqual(22);
    expect(all[0]!.lines.some((l) => /npm prune --omit=dev/.test(l))).toBe(true);
    expect(instruction(final, 'COPY').filter((c) => c.includes('node_modules'))).toEqual(['--from=build /app/node_modules ./node_modules']);
  });

  it('runs as a non-root user, with /data a volume and the data directory, and a health check on /readyz', () => {
    const user = instruction(final, 'USER');
    expect(user).toHaveLength(1);
    expect(user[0]).not.toMatch(/^(root|0)(:|$)/);
    expect(instruction(final, 'VOLUME').join(' ')).toContain('/data');
    expect(imageEnv['VEILGATE_DATA_DIR']).toBe('/data');
    expect(healthcheck.join(' ')).toContain('/readyz');
    expect(cmd).toEqual(['node', 'dist/main.js']);
  });

  it('bakes no key or database URL in, nor the secrets directory', () => {
    for (const [k] of Object.entries(imageEnv)) expect(k).not.toMatch(/KEY|SECRET|PASSWORD|DATABASE_URL/);
    expect(all.flatMap((s) => [...instruction(s, 'ARG'), ...instruction(s, 'ENV')]).join(' ')).not.toMatch(/KEY|SECRET|PASSWORD|DATABASE_URL/);
    expect(instruction(final, 'COPY').join(' ')).not.toMatch(/secrets|data\b|keys/);
    const ignored = fs.readFileSync(path.join(ROOT, '.dockerignore'), 'utf8').split('\n');
    for (const p of ['secrets', 'data', 'node_modules', '.git']) expect(ignored).toContain(p);
  });
});

describe('the image entry command, run as the image runs it', () => {
  const dataDir = tempDir('image-data');
  const secrets = tempDir('image-secrets');
  afterAll(() => {
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.rmSync(secrets, { recursive: true, force: true });
  });

  it('starts without development keys (keys from mounted files), passes its health check, and exits 0 on SIGTERM', async () => {
    expect(fs.existsSync(path.join(ROOT, cmd[1]!)), 'dist/ is built by `npm run build` (npm test runs it first)').toBe(true);
    const keyFile = (name: string) => {
      const file = path.join(secrets, name);
      fs.writeFileSync(file, crypto.randomBytes(32).toString('base64') + '\n', { mode: 0o600 });
      return file;
    };
    const port = await freePort();
    // The image's environment; the volume and /app map to this machine's paths, and the server
    // listens on loopback here (the image listens on every interface of its container).
    const env = {
      PATH: process.env['PATH'],
      ...imageEnv,
      VEILGATE_DATA_DIR: dataDir,
      VEILGATE_POLICIES_DIR: path.join(ROOT, 'policies'),
      HOST: '127.0.0.1',
      PORT: String(port),
      VEILGATE_MASTER_KEY_FILE: keyFile('master_key'),
      VEILGATE_PSEUDONYM_KEY_FILE: keyFile('pseudonym_key'),
      VEILGATE_AUDIT_KEY_FILE: keyFile('audit_key'),
    };
    expect(env).not.toHaveProperty('VEILGATE_DEV');
    const child = spawn(cmd[0] === 'node' ? process.execPath : cmd[0]!, cmd.slice(1), { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<{ code: number | null; signal: string | null }>((r) => child.once('exit', (code, signal) => r({ code, signal })));
    try {
      const deadline = Date.now() + 30_000;
      let healthy = false;
      while (!healthy && Date.now() < deadline && child.exitCode === null) {
        healthy = spawnSync(healthcheck[0] === 'node' ? process.execPath : healthcheck[0]!, healthcheck.slice(1), { env, timeout: 5000 }).status === 0;
        if (!healthy) await new Promise((r) => setTimeout(r, 200));
      }
      expect(healthy, `health check never passed: ${stderr.slice(-500)}`).toBe(true);
      // the gateway created no development key material: the keys came from the files
      expect(fs.existsSync(path.join(dataDir, 'keys', 'dev-secrets.json'))).toBe(false);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toEqual({ code: 0, signal: null });
  }, 60_000);
});

describe('compose.yaml', () => {
  const compose = parseYaml(fs.readFileSync(path.join(ROOT, 'compose.yaml'), 'utf8'), { merge: true }) as {
    services: Record<string, { build?: string; image?: string; environment?: Record<string, string>; secrets?: string[] }>;
    secrets: Record<string, { file: string }>;
  };

  it('runs two gateway instances from this image on one PostgreSQL, every secret a file', () => {
    const gateways = Object.entries(compose.services).filter(([, s]) => s.build === '.');
    expect(gateways.map(([name]) => name)).toHaveLength(2);
    expect(compose.services['postgres']?.image).toMatch(/^postgres:(1[4-9]|[2-9]\d)/);
    for (const [, g] of gateways) {
      expect(g.environment?.['VEILGATE_DATABASE_URL_FILE']).toBe('/run/secrets/database_url');
      for (const k of ['MASTER', 'PSEUDONYM', 'AUDIT']) expect(g.environment?.[`VEILGATE_${k}_KEY_FILE`]).toMatch(/^\/run\/secrets\//);
      expect(Object.keys(g.environment ?? {}).filter((k) => /KEY$|DATABASE_URL$|PASSWORD$/.test(k))).toEqual([]);
    }
    for (const s of Object.values(compose.secrets)) expect(s.file).toMatch(/^\.\/secrets\//);
  });
});
