// Policy validation: every broken file is reported with its file, path and exact line.
import fs from 'node:fs';
import path from 'node:path';
import { exportJWK, generateKeyPair } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { loadPolicies } from '../src/policy/load-policies.ts';
import { consoleOidcClients } from '../src/http/routes/console-routes.ts';
import { OPERATIONS } from '../src/policy/operations.ts';
import { PolicyError, type PolicyIssue } from '../src/policy/policy-error.ts';
import { runVeilgate } from './helpers/cli.ts';
import { REPO_POLICIES, tempDir } from './helpers/test-gateway.ts';

const made: string[] = [];
afterAll(() => {
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});

/** A fresh copy of the repository's policies directory. */
function copyPolicies(): string {
  const dir = tempDir('pol');
  made.push(dir);
  fs.cpSync(REPO_POLICIES, dir, { recursive: true });
  return dir;
}

/** Replaces `from` (which must occur) by `to` in one policy file; returns the new text. */
function edit(dir: string, file: string, from: string, to: string): string {
  const full = path.join(dir, file);
  const text = fs.readFileSync(full, 'utf8');
  expect(text.includes(from), `${file} contains ${JSON.stringify(from)}`).toBe(true);
  const next = text.replace(from, to);
  fs.writeFileSync(full, next);
  return next;
}

/** 1-based line of the `nth` line (0-based) that contains `needle`. */
function lineOf(text: string, needle: string, nth = 0): number {
  const hits = text.split('\n').flatMap((l, i) => (l.includes(needle) ? [i + 1] : []));
  expect(hits.length, `text has a line containing ${JSON.stringify(needle)}`).toBeGreaterThan(nth);
  return hits[nth]!;
}

function issuesOf(dir: string): PolicyIssue[] {
  try {
    loadPolicies(dir);
  } catch (e) {
    expect(e).toBeInstanceOf(PolicyError);
    const err = e as PolicyError;
    expect(err.code).toBe('policy.invalid');
    // The message names every issue as file:line.
    for (const i of err.issues) {
      expect(err.message).toContain(i.line === undefined ? i.file : `${i.file}:${i.line}`);
    }
    return err.issues;
  }
  throw new Error('loadPolicies accepted a broken policy directory');
}

/** Exactly one issue, matching `expected`. */
function onlyIssue(dir: string, expected: Omit<Partial<PolicyIssue>, 'message'> & { message?: RegExp }): PolicyIssue {
  const issues = issuesOf(dir);
  expect(issues, JSON.stringify(issues)).toHaveLength(1);
  const [issue] = issues as [PolicyIssue];
  const { message, ...rest } = expected;
  expect(issue).toMatchObject(rest);
  if (message !== undefined) expect(issue.message).toMatch(message);
  return issue;
}

describe('the repository policies', () => {
  it('are valid', () => {
    const set = loadPolicies(REPO_POLICIES);
    expect(set.version).toMatch(/^sha256:[0-9a-f]{64}$/);
    for (const role of ['ingest', 'marketing', 'partner', 'dpo', 'reidentifier', 'admin']) expect(set.roles.has(role)).toBe(true);
    for (const r of set.roles.values()) for (const op of r.operations) expect(Object.keys(OPERATIONS)).toContain(op);
    expect(set.issuers.map((i) => i.id)).toEqual(['example-agency']);
    expect(set.rolesFor('policies.read')).toEqual(expect.arrayContaining(['dpo', 'admin']));
    expect(set.rolesFor('policies.read')).not.toContain('partner');
  });

  it('version is stable across loads and changes when the policy changes', () => {
    const a = loadPolicies(REPO_POLICIES).version;
    expect(loadPolicies(REPO_POLICIES).version).toBe(a);
    const dir = copyPolicies();
    edit(dir, 'roles.yaml', 'operations: [me.read, policies.read, quality.read, metrics.read]', 'operations: [me.read, quality.read, metrics.read]');
    expect(loadPolicies(dir).version).not.toBe(a);
  });
});

describe('broken policy files', () => {
  it('YAML syntax error (tab indentation) at its line', () => {
    const dir = copyPolicies();
    const text = edit(dir, 'roles.yaml', '    description: Marketing teams', '\tdescription: Marketing teams');
    const issues = issuesOf(dir);
    expect(issues.length).toBeGreaterThan(0);
    expect(issues.every((i) => i.file === 'roles.yaml')).toBe(true);
    expect(issues[0]).toMatchObject({ file: 'roles.yaml', line: lineOf(text, '\tdescription: Marketing teams') });
    expect(issues[0]!.message).toMatch(/tab/);
  });

  it('YAML duplicate key at the line of the second occurrence', () => {
    const dir = copyPolicies();
    const text = edit(dir, 'roles.yaml', '  marketing:\n', '  ingest:\n');
    onlyIssue(dir, { file: 'roles.yaml', line: lineOf(text, '  ingest:', 1), message: /duplicate key/ });
  });

  it('YAML unclosed quote is reported on roles.yaml with a line', () => {
    const dir = copyPolicies();
    const text = edit(dir, 'roles.yaml', '    description: Marketing teams', '    description: "Marketing teams');
    const issues = issuesOf(dir);
    expect(issues[0]!.file).toBe('roles.yaml');
    expect(issues[0]!.line).toBeGreaterThanOrEqual(lineOf(text, '"Marketing teams'));
  });

  it('unknown operation in a block list, at the exact line of that entry', () => {
    const dir = copyPolicies();
    const text = edit(dir, 'roles.yaml', '      - audit.verify\n', '      - audit.nuke\n');
    const issue = onlyIssue(dir, { file: 'roles.yaml', line: lineOf(text, '- audit.nuke'), message: /unknown operation/ });
    expect(issue.path).toMatch(/^roles\.dpo\.operations\[\d+\]$/);
    // The path points at the same entry as the line.
    const idx = Number(/\[(\d+)\]$/.exec(issue.path)![1]);
    const dpoList = text
      .split('\n')
      .slice(lineOf(text, '  dpo:'))
      .filter((l) => /^ {6}- /.test(l));
    expect(dpoList[idx]).toContain('audit.nuke');
  });

  it('unknown operation in a flow list, at the line of that list', () => {
    const dir = copyPolicies();
    const text = edit(dir, 'roles.yaml', '[me.read, ingest.customers,', '[me.read, ingest.customerz,');
    onlyIssue(dir, { file: 'roles.yaml', path: 'roles.ingest.operations[1]', line: lineOf(text, 'ingest.customerz'), message: /unknown operation/ });
  });

  it('unknown top-level key, at the line of that key', () => {
    const dir = copyPolicies();
    fs.appendFileSync(path.join(dir, 'roles.yaml'), 'extra_section:\n  enabled: true\n');
    const text = fs.readFileSync(path.join(dir, 'roles.yaml'), 'utf8');
    onlyIssue(dir, { file: 'roles.yaml', path: 'extra_section', line: lineOf(text, 'extra_section:'), message: /extra_section/ });
  });

  it('unknown key inside an issuer entry (typo), at the line of that key', () => {
    const dir = copyPolicies();
    const text = edit(dir, 'issuers.yaml', '    algorithms: [ES256]\n', '    algorithms: [ES256]\n    audiences: [veilgate]\n');
    onlyIssue(dir, { file: 'issuers.yaml', path: 'issuers[0].audiences', line: lineOf(text, 'audiences:'), message: /audiences/ });
  });

  it('issuer with the HS256 algorithm', () => {
    const dir = copyPolicies();
    const text = edit(dir, 'issuers.yaml', 'algorithms: [ES256]', 'algorithms: [ES256, HS256]');
    onlyIssue(dir, { file: 'issuers.yaml', path: 'issuers[0].algorithms[1]', line: lineOf(text, 'HS256'), message: /asymmetric/ });
  });

  it('issuer with alg none', () => {
    const dir = copyPolicies();
    const text = edit(dir, 'issuers.yaml', 'algorithms: [ES256]', 'algorithms: [none]');
    onlyIssue(dir, { file: 'issuers.yaml', path: 'issuers[0].algorithms[0]', line: lineOf(text, 'algorithms: [none]'), message: /asymmetric/ });
  });

  it('issuer with both jwks_file and jwks_url', () => {
    const dir = copyPolicies();
    const text = edit(dir, 'issuers.yaml', '    algorithms:', '    jwks_url: https://auth.example-agency.test/jwks.json\n    algorithms:');
    onlyIssue(dir, { file: 'issuers.yaml', path: 'issuers[0]', line: lineOf(text, '- id: example-agency'), message: /exactly one of jwks_file or jwks_url/ });
  });

  it('issuer with neither jwks_file nor jwks_url', () => {
    const dir = copyPolicies();
    const text = edit(dir, 'issuers.yaml', '    jwks_file: keys/example-agency.jwks.json\n', '');
    onlyIssue(dir, { file: 'issuers.yaml', path: 'issuers[0]', line: lineOf(text, '- id: example-agency'), message: /exactly one of jwks_file or jwks_url/ });
  });

  it('jwks_file that does not exist', () => {
    const dir = copyPolicies();
    const text = edit(dir, 'issuers.yaml', 'jwks_file: keys/example-agency.jwks.json', 'jwks_file: keys/nowhere.jwks.json');
    onlyIssue(dir, { file: 'issuers.yaml', path: 'issuers[0].jwks_file', line: lineOf(text, 'jwks_file:'), message: /keys\/nowhere\.jwks\.json.*missing/ });
  });

  it('jwks_file that is not JSON', () => {
    const dir = copyPolicies();
    const text = fs.readFileSync(path.join(dir, 'issuers.yaml'), 'utf8');
    fs.writeFileSync(path.join(dir, 'keys', 'example-agency.jwks.json'), '{"keys": [');
    onlyIssue(dir, { file: 'issuers.yaml', path: 'issuers[0].jwks_file', line: lineOf(text, 'jwks_file:'), message: /not valid JSON/ });
  });

  it('jwks_file escaping the policies directory', () => {
    const dir = copyPolicies();
    const text = edit(dir, 'issuers.yaml', 'jwks_file: keys/example-agency.jwks.json', 'jwks_file: ../../etc/passwd');
    onlyIssue(dir, { file: 'issuers.yaml', path: 'issuers[0].jwks_file', line: lineOf(text, 'jwks_file:'), message: /inside the policies directory/ });
  });

  it('jwks_file containing a private key (d member), without repeating the key', async () => {
    const dir = copyPolicies();
    const text = fs.readFileSync(path.join(dir, 'issuers.yaml'), 'utf8');
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const jwk = { ...(await exportJWK(privateKey)), kid: 'example-agency-2026', alg: 'ES256' };
    expect(jwk.d).toBeTruthy();
    fs.writeFileSync(path.join(dir, 'keys', 'example-agency.jwks.json'), JSON.stringify({ keys: [jwk] }));
    const issue = onlyIssue(dir, { file: 'issuers.yaml', path: 'issuers[0].jwks_file', line: lineOf(text, 'jwks_file:'), message: /private key material/ });
    expect(issue.message).not.toContain(jwk.d!);
    let message = '';
    try {
      loadPolicies(dir);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).not.toContain(jwk.d!);
  });

  it('issuer granting a role not defined in roles.yaml', () => {
    const dir = copyPolicies();
    const text = edit(dir, 'issuers.yaml', 'roles: [partner]', 'roles: [partner, superuser]');
    const issue = onlyIssue(dir, { file: 'issuers.yaml', line: lineOf(text, 'superuser'), message: /not defined in roles\.yaml/ });
    // load-policies spells array indexes here as `.1` where the schema issues say `[1]`.
    expect(issue.path).toMatch(/^issuers\[0\]\.roles(\[1\]|\.1)$/);
  });

  it('duplicate issuer id, at the second entry', () => {
    const dir = copyPolicies();
    fs.appendFileSync(
      path.join(dir, 'issuers.yaml'),
      [
        '  - id: example-agency',
        '    issuer: https://auth.other-agency.test',
        '    audience: veilgate',
        '    jwks_file: keys/example-agency.jwks.json',
        '    algorithms: [ES256]',
        '    roles: [partner]',
        '',
      ].join('\n'),
    );
    const text = fs.readFileSync(path.join(dir, 'issuers.yaml'), 'utf8');
    onlyIssue(dir, { file: 'issuers.yaml', path: 'issuers[1].id', line: lineOf(text, '- id: example-agency', 1), message: /used twice/ });
  });

  it('duplicate issuer (same iss under two ids)', () => {
    const dir = copyPolicies();
    fs.appendFileSync(
      path.join(dir, 'issuers.yaml'),
      '  - id: agency-copy\n    issuer: https://auth.example-agency.test\n    audience: veilgate\n' +
        '    jwks_file: keys/example-agency.jwks.json\n    algorithms: [ES256]\n    roles: [partner]\n',
    );
    const text = fs.readFileSync(path.join(dir, 'issuers.yaml'), 'utf8');
    onlyIssue(dir, {
      file: 'issuers.yaml',
      path: 'issuers[1].issuer',
      line: lineOf(text, 'issuer: https://auth.example-agency.test', 1),
      message: /listed twice/,
    });
  });

  it.each([
    'http://auth.example-agency.test/jwks.json',
    'http://10.0.0.8/jwks.json',
    'http://127.0.0.1.evil.test/jwks.json',
    'ftp://auth.example-agency.test/jwks.json',
  ])('jwks_url %s (not https, not loopback)', (url) => {
    const dir = copyPolicies();
    const text = edit(dir, 'issuers.yaml', 'jwks_file: keys/example-agency.jwks.json', `jwks_url: ${url}`);
    onlyIssue(dir, { file: 'issuers.yaml', path: 'issuers[0].jwks_url', line: lineOf(text, 'jwks_url:'), message: /https/ });
  });

  it.each(['https://auth.example-agency.test/jwks.json', 'http://127.0.0.1:8123/jwks.json', 'http://localhost:8123/jwks.json'])(
    'jwks_url %s is accepted',
    (url) => {
      const dir = copyPolicies();
      edit(dir, 'issuers.yaml', 'jwks_file: keys/example-agency.jwks.json', `jwks_url: ${url}`);
      const set = loadPolicies(dir);
      expect(set.issuers[0]!.keys).toEqual({ kind: 'url', url });
    },
  );

  /** Gives the example issuer a console section (lines of `console:` and below, already indented). */
  const withConsole = (dir: string, lines: string): string =>
    edit(dir, 'issuers.yaml', '    max_token_lifetime: 3600\n', `    max_token_lifetime: 3600\n    console:\n${lines}`);

  it.each([
    'http://auth.example-agency.test/.well-known/openid-configuration',
    'http://10.0.0.8/.well-known/openid-configuration',
    'http://127.0.0.1.evil.test/.well-known/openid-configuration',
  ])('console discovery_url %s (not https, not loopback)', (url) => {
    const dir = copyPolicies();
    const text = withConsole(dir, `      discovery_url: ${url}\n      client_id: veilgate-console\n`);
    onlyIssue(dir, {
      file: 'issuers.yaml',
      path: 'issuers[0].console.discovery_url',
      line: lineOf(text, 'discovery_url:'),
      message: /discovery_url must use https \(plain http only on loopback/,
    });
  });

  it('console section without client_id, and with a key the section does not know', () => {
    const dir = copyPolicies();
    const text = withConsole(dir, '      discovery_url: https://auth.example-agency.test/.well-known/openid-configuration\n      client_secret: s3cret\n');
    const issues = issuesOf(dir);
    expect(issues.map((i) => i.path).sort()).toEqual(['issuers[0].console.client_id', 'issuers[0].console.client_secret']);
    expect(issues.find((i) => i.path === 'issuers[0].console.client_secret')!.line).toBe(lineOf(text, 'client_secret:'));
    expect(issues.every((i) => !i.message.includes('s3cret'))).toBe(true);
  });

  it('console resource with a fragment, and a scope with a space', () => {
    const dir = copyPolicies();
    withConsole(
      dir,
      '      discovery_url: https://auth.example-agency.test/.well-known/openid-configuration\n      client_id: c\n' +
        '      scopes: ["a b"]\n      resource: https://veilgate.test/#api\n',
    );
    const issues = issuesOf(dir);
    expect(issues.map((i) => [i.path, i.message])).toEqual(
      expect.arrayContaining([
        ['issuers[0].console.scopes[0]', expect.stringMatching(/scope/)],
        ['issuers[0].console.resource', expect.stringMatching(/fragment/)],
      ]),
    );
    expect(issues).toHaveLength(2);
  });

  it.each([
    'http://127.0.0.1:8123/.well-known/openid-configuration',
    'http://localhost:8123/x',
    'https://auth.example-agency.test/.well-known/openid-configuration',
  ])('console discovery_url %s is accepted, and the console lists the issuer', (url) => {
    const dir = copyPolicies();
    withConsole(dir, `      discovery_url: ${url}\n      client_id: veilgate-console\n      scopes: [console]\n      resource: urn:veilgate\n`);
    const set = loadPolicies(dir);
    expect(set.issuers[0]!.console).toEqual({ discoveryUrl: url, clientId: 'veilgate-console', scopes: ['console'], resource: 'urn:veilgate' });
    expect(consoleOidcClients(set)).toEqual([
      {
        id: 'example-agency',
        issuer: 'https://auth.example-agency.test',
        discovery_url: url,
        client_id: 'veilgate-console',
        scopes: ['console'],
        resource: 'urn:veilgate',
      },
    ]);
    // reviewable through GET /v1/policies, and part of the version
    expect((set.effective()['issuers'] as { console?: unknown }[])[0]!.console).toEqual({
      discovery_url: url,
      client_id: 'veilgate-console',
      scopes: ['console'],
      resource: 'urn:veilgate',
    });
    expect(set.version).not.toBe(loadPolicies(REPO_POLICIES).version);
  });

  it('the repository policies give the console no OpenID provider', () => {
    expect(consoleOidcClients(loadPolicies(REPO_POLICIES))).toEqual([]);
  });

  it('missing roles.yaml', () => {
    const dir = copyPolicies();
    fs.rmSync(path.join(dir, 'roles.yaml'));
    onlyIssue(dir, { file: 'roles.yaml', line: undefined, message: /missing/ });
  });

  it('missing issuers.yaml', () => {
    const dir = copyPolicies();
    fs.rmSync(path.join(dir, 'issuers.yaml'));
    onlyIssue(dir, { file: 'issuers.yaml', line: undefined, message: /missing/ });
  });

  it('reports every problem of every file at once', () => {
    const dir = copyPolicies();
    const roles = edit(dir, 'roles.yaml', '      - audit.verify\n', '      - audit.nuke\n');
    const issuers = edit(dir, 'issuers.yaml', 'algorithms: [ES256]', 'algorithms: [HS256]');
    const issues = issuesOf(dir);
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ file: 'roles.yaml', line: lineOf(roles, 'audit.nuke') }),
        expect.objectContaining({ file: 'issuers.yaml', line: lineOf(issuers, 'HS256') }),
      ]),
    );
  });
});

describe('veilgate policies check', () => {
  it('exits 0 on the repository policies', async () => {
    const r = await runVeilgate(['policies', 'check', REPO_POLICIES]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/valid/);
    expect(r.stdout).toMatch(/sha256:[0-9a-f]{64}/);
  });

  it('exits non-zero on a broken copy, printing file:line', async () => {
    const dir = copyPolicies();
    const text = edit(dir, 'roles.yaml', '      - audit.verify\n', '      - audit.nuke\n');
    const r = await runVeilgate(['policies', 'check', dir]);
    expect(r.code).not.toBe(0);
    expect(r.code).not.toBeNull();
    expect(r.stderr).toContain(`roles.yaml:${lineOf(text, 'audit.nuke')}`);
    expect(r.stderr).toMatch(/unknown operation/);
    expect(r.stdout).not.toMatch(/valid \(/);
  });
});
