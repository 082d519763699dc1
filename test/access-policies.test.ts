// The policy as a reviewable artefact: GET /v1/policies serves the effective validated policy
// with its version hash; evaluate() is a pure decision with its rule, version and trail; the
// policies/examples scenarios hold (loader and our own evaluation agree), and
// `veilgate policies check` fails naming file:line when a rule change breaks one.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluate, categoryMatches } from '../src/policy/evaluate.ts';
import { canonicalJson, loadPolicies } from '../src/policy/load-policies.ts';
import { runVeilgate } from './helpers/cli.ts';
import { Recorder } from './helpers/access.ts';
import { REPO_POLICIES, tempDir, testGateway, type TestGateway } from './helpers/test-gateway.ts';

const POLICY = loadPolicies(REPO_POLICIES);

interface Scenario {
  name: string;
  request: { role: string; issuer?: string; purpose: string; action: 'use' | 'see' | 'reidentify'; feature?: string; field?: string };
  expect: { decision: 'ALLOW' | 'DENY'; rule?: string };
}

/** Every scenario of policies/examples/*.yaml, read straight from the YAML. */
const SCENARIOS: (Scenario & { file: string })[] = fs
  .readdirSync(path.join(REPO_POLICIES, 'examples'))
  .filter((f) => /\.ya?ml$/.test(f))
  .sort()
  .flatMap((f) =>
    (parse(fs.readFileSync(path.join(REPO_POLICIES, 'examples', f), 'utf8')) as { scenarios: Scenario[] }).scenarios.map((s) => ({
      ...s,
      file: path.join('examples', f),
    })),
  );

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object') {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}

const made: string[] = [];
afterAll(() => {
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});

describe('GET /v1/policies', () => {
  let gw: TestGateway;
  let rec: Recorder;
  beforeAll(async () => {
    gw = await testGateway();
    rec = new Recorder(gw);
  });
  afterAll(() => gw?.cleanup());

  it.each(POLICY.rolesFor('policies.read'))('%s reads the effective policy; its version is the hash of what it reads', async (role) => {
    const a = await rec.get('/v1/policies', await gw.mint([role]));
    expect(a.status, a.text).toBe(200);
    expect(Object.keys(a.json).sort()).toEqual(['policy', 'version']);
    expect(a.json.version).toBe(gw.policies.version);
    expect(a.json.version).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(a.json.version).toBe('sha256:' + crypto.createHash('sha256').update(canonicalJson(a.json.policy)).digest('hex'));
    expect(a.json.policy).toEqual(gw.policies.effective());
    expect(Object.keys(a.json.policy).sort()).toEqual(['access_rules', 'dictionary', 'issuers', 'privileges', 'purposes', 'roles', 'sources']);
    // the reviewable content is the YAML's
    expect(a.json.policy.access_rules).toEqual((parse(fs.readFileSync(path.join(REPO_POLICIES, 'access-rules.yaml'), 'utf8')) as { rules: unknown }).rules);
    const purposes = (
      parse(fs.readFileSync(path.join(REPO_POLICIES, 'purposes.yaml'), 'utf8')) as {
        purposes: Record<string, { basis: string; legal_bases: string[]; consent_validity_days: number }>;
      }
    ).purposes;
    for (const [name, p] of Object.entries(purposes)) {
      expect(a.json.policy.purposes[name]).toMatchObject({ basis: p.basis, legalBases: p.legal_bases, consentValidityDays: p.consent_validity_days });
    }
    const privileges = (parse(fs.readFileSync(path.join(REPO_POLICIES, 'privileges.yaml'), 'utf8')) as { privileges: Record<string, { purposes: string[] }> })
      .privileges;
    for (const [r, p] of Object.entries(privileges)) expect(a.json.policy.privileges[r].purposes).toEqual(p.purposes);
    // key material never: only key ids
    for (const f of fs.readdirSync(path.join(gw.policiesDir, 'keys'))) {
      const jwks = JSON.parse(fs.readFileSync(path.join(gw.policiesDir, 'keys', f), 'utf8')) as { keys: { x?: string; y?: string; n?: string }[] };
      for (const k of jwks.keys) for (const v of [k.x, k.y, k.n]) if (v) expect(a.text).not.toContain(v);
    }
  });

  it('only the roles roles.yaml grants policies.read may read it', async () => {
    expect(POLICY.rolesFor('policies.read').slice().sort()).toEqual(['admin', 'dpo']);
    for (const role of POLICY.roles.keys()) {
      const a = await rec.get('/v1/policies', await gw.mint([role]));
      expect(a.status, role).toBe(POLICY.rolesFor('policies.read').includes(role) ? 200 : 403);
    }
  });
});

describe('the version hash covers the whole effective policy', () => {
  function copyWith(file: string, from: string, to: string): string {
    const dir = tempDir('pol-version');
    made.push(dir);
    fs.cpSync(REPO_POLICIES, dir, { recursive: true });
    const full = path.join(dir, file);
    const text = fs.readFileSync(full, 'utf8');
    expect(text.split(from).length, `${file} contains ${from} once`).toBe(2);
    fs.writeFileSync(full, text.replace(from, to));
    return dir;
  }

  it('a per-issuer narrowing in privileges.yaml is shown by the effective policy and moves the version', () => {
    const dir = copyWith(
      'privileges.yaml',
      '    partner_scoped: true\n',
      '    partner_scoped: true\n    issuers:\n      example-agency: { min_group_size: 500, export_members: false }\n',
    );
    const narrowed = loadPolicies(dir);
    expect(narrowed.access.privilegeOf('partner', 'example-agency')).toMatchObject({ minGroupSize: 500, exportMembers: false });
    expect(narrowed.version).not.toBe(POLICY.version);
    const shown = (narrowed.effective()['privileges'] as Record<string, Record<string, unknown>>)['partner']!;
    expect(shown['issuers']).toEqual({
      'example-agency': { purposes: ['partner_sharing'], export_members: false, partner_scoped: true, min_group_size: 500, reidentify_purposes: [] },
    });
    // without narrowings the effective policy lists none
    expect((POLICY.effective()['privileges'] as Record<string, Record<string, unknown>>)['partner']).not.toHaveProperty('issuers');
    // a different narrowing is a different version again
    const other = loadPolicies(
      copyWith('privileges.yaml', '    partner_scoped: true\n', '    partner_scoped: true\n    issuers:\n      example-agency: { min_group_size: 501 }\n'),
    );
    expect(other.version).not.toBe(narrowed.version);
  });

  it.each<[string, string, string]>([
    ['access-rules.yaml', '    priority: 30\n', '    priority: 31\n'],
    ['purposes.yaml', '    consent_validity_days: 395\n', '    consent_validity_days: 396\n'],
    ['privileges.yaml', '    min_group_size: 50\n', '    min_group_size: 51\n'],
    ['roles.yaml', 'operations: [me.read, policies.read, quality.read, metrics.read]', 'operations: [me.read, quality.read, metrics.read]'],
  ])('a change to %s moves the version', (file, from, to) => {
    expect(loadPolicies(copyWith(file, from, to)).version).not.toBe(POLICY.version);
  });

  it('formatting and comments do not move it', () => {
    const dir = copyWith('access-rules.yaml', '# Field-level access', '# A reviewer comment\n\n# Field-level access');
    expect(loadPolicies(dir).version).toBe(POLICY.version);
  });
});

describe('evaluate() is a pure decision', () => {
  const rules = POLICY.access.rules;
  const version = POLICY.version;
  const marketing = POLICY.access.privilegeOf('marketing').purposes;

  it('returns decision, rule, policy_version and the trail of every matching rule, best first', () => {
    const d = evaluate(rules, version, marketing, { role: 'marketing', purpose: 'profitability_analysis', action: 'see', category: 'user.financial.income' });
    expect(d).toEqual({
      decision: 'ALLOW',
      rule: 'marketing-income-for-profitability',
      policy_version: version,
      trail: [
        { rule: 'marketing-income-for-profitability', decision: 'ALLOW', priority: 30 },
        { rule: 'marketing-no-financial', decision: 'DENY', priority: 20 },
      ],
    });
    const seg = evaluate(rules, version, marketing, { role: 'marketing', purpose: 'segmentation_analytics', action: 'see', category: 'user.financial.income' });
    expect(seg).toEqual({
      decision: 'DENY',
      rule: 'marketing-no-financial',
      policy_version: version,
      trail: [{ rule: 'marketing-no-financial', decision: 'DENY', priority: 20 }],
    });
  });

  it('no matching rule is default-deny; a purpose outside the role is purpose-not-allowed with an empty trail', () => {
    expect(
      evaluate(rules, version, POLICY.access.privilegeOf('partner').purposes, {
        role: 'partner',
        purpose: 'partner_sharing',
        action: 'see',
        category: 'user.demographic.age',
      }),
    ).toEqual({ decision: 'DENY', rule: 'default-deny', policy_version: version, trail: [] });
    expect(
      evaluate(rules, version, marketing, { role: 'marketing', purpose: 'partner_sharing', action: 'see', category: 'user.demographic.age_band' }),
    ).toEqual({ decision: 'DENY', rule: 'purpose-not-allowed', policy_version: version, trail: [] });
    expect(evaluate(rules, version, undefined, { role: 'nobody', purpose: 'segmentation_analytics', action: 'see', category: 'user' }).rule).toBe(
      'purpose-not-allowed',
    );
    expect(
      evaluate([], version, marketing, { role: 'marketing', purpose: 'segmentation_analytics', action: 'see', category: 'user.demographic.age' }).rule,
    ).toBe('default-deny');
  });

  it('at equal priority DENY wins; categories match by dotted prefix only', () => {
    const tie = [
      { id: 'a-allow', decision: 'ALLOW' as const, priority: 5, roles: ['r'], actions: ['see' as const], data_categories: ['user'] },
      { id: 'b-deny', decision: 'DENY' as const, priority: 5, roles: ['r'], actions: ['see' as const], data_categories: ['user.financial'] },
    ];
    const req = { role: 'r', purpose: 'p', action: 'see' as const, category: 'user.financial.income' };
    expect(evaluate(tie, 'v', new Set(['p']), req).rule).toBe('b-deny');
    expect(evaluate([...tie].reverse(), 'v', new Set(['p']), req).rule).toBe('b-deny');
    expect(categoryMatches('user.financial', 'user.financial.income')).toBe(true);
    expect(categoryMatches('user.fin', 'user.financial.income')).toBe(false);
    expect(categoryMatches('user.financial.income', 'user.financial')).toBe(false);
  });

  it('same inputs, same output; inputs untouched; no clock, no state', () => {
    // deeply frozen: any mutation inside evaluate() would throw (ESM is strict mode)
    const frozen = deepFreeze(structuredClone(rules));
    const before = structuredClone(frozen);
    const purposes = new Set(marketing);
    const reqs = [...POLICY.dictionary.features.values()].flatMap((f) =>
      (['use', 'see'] as const).map((action) => ({ role: 'marketing', purpose: 'segmentation_analytics', action, category: f.category })),
    );
    expect(reqs.length).toBeGreaterThan(0);
    const first = reqs.map((r) => evaluate(frozen, version, purposes, r));
    const second = [...reqs]
      .reverse()
      .map((r) => evaluate(frozen, version, purposes, r))
      .reverse();
    expect(second).toEqual(first);
    expect(frozen).toEqual(before);
    expect([...purposes].sort()).toEqual([...marketing].sort());
  });
});

describe('policies/examples scenarios', () => {
  it('the loader ran every scenario of every examples file, all passing', () => {
    expect(SCENARIOS.length).toBeGreaterThanOrEqual(12);
    expect(POLICY.examples.map((r) => [r.file, r.name])).toEqual(SCENARIOS.map((s) => [s.file, s.name]));
  });

  it.each(SCENARIOS.map((s, i) => [s.name, s, i] as const))('%s', (_name, s, i) => {
    const result = POLICY.examples[i]!;
    expect(result.name).toBe(s.name);
    expect(result.ok).toBe(true);
    expect(result.actual.decision).toBe(s.expect.decision);
    if (s.expect.rule !== undefined) expect(result.actual.rule).toBe(s.expect.rule);
    // and our own evaluation through the access policy agrees with the YAML
    const r = s.request;
    const category = r.feature !== undefined ? POLICY.access.featureCategory(r.feature) : POLICY.access.fieldCategory(r.field!);
    expect(category, 'the scenario names a known feature or vault field').toBeDefined();
    const d = POLICY.access.decide({ roles: [r.role], ...(r.issuer !== undefined && { issuerId: r.issuer }) }, r.purpose, r.action, category!);
    expect(d.decision).toBe(s.expect.decision);
    if (s.expect.rule !== undefined) expect(d.rule).toBe(s.expect.rule);
    expect(d.policy_version).toBe(POLICY.version);
    if (d.rule !== 'purpose-not-allowed' && d.rule !== 'default-deny') expect(d.trail[0]!.rule).toBe(d.rule);
    // feature scenarios agree with allowedFeatures as well
    if (r.feature !== undefined && r.action !== 'reidentify') {
      expect(POLICY.access.allowedFeatures({ roles: [r.role] }, r.purpose, r.action).includes(r.feature as never)).toBe(s.expect.decision === 'ALLOW');
    }
  });
});

describe('veilgate policies check', () => {
  function copy(): string {
    const dir = tempDir('pol-check');
    made.push(dir);
    fs.cpSync(REPO_POLICIES, dir, { recursive: true });
    return dir;
  }
  function edit(dir: string, file: string, from: string, to: string): void {
    const full = path.join(dir, file);
    const text = fs.readFileSync(full, 'utf8');
    expect(text.split(from).length, `${file} contains ${from} once`).toBe(2);
    fs.writeFileSync(full, text.replace(from, to));
  }
  /** 1-based line of the examples file where the scenario named `name` starts. */
  function scenarioLine(dir: string, name: string): number {
    const lines = fs.readFileSync(path.join(dir, 'examples', 'default-decisions.yaml'), 'utf8').split('\n');
    const i = lines.findIndex((l) => l.includes(`name: ${name}`));
    expect(i).toBeGreaterThanOrEqual(0);
    return i + 1;
  }

  it('passes on an unchanged copy', async () => {
    const dir = copy();
    const r = await runVeilgate(['policies', 'check', dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(POLICY.version);
  });

  it('exits 1 naming examples/<file>:<line> for each scenario a rule change breaks, and for an unknown feature', async () => {
    const dir = copy();
    // income-for-profitability now loses to marketing-no-financial (priority 20)
    edit(dir, 'access-rules.yaml', '    priority: 30\n', '    priority: 15\n');
    // and partners lose the area
    edit(dir, 'access-rules.yaml', '      - user.location.area\n', '');
    // and a scenario names a feature the dictionary does not have
    edit(
      dir,
      'examples/default-decisions.yaml',
      '{ role: admin, purpose: segmentation_analytics, action: see, feature: area }',
      '{ role: admin, purpose: segmentation_analytics, action: see, feature: areaa }',
    );
    const r = await runVeilgate(['policies', 'check', dir]);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    const income = scenarioLine(dir, 'marketing sees income under profitability analysis');
    const area = scenarioLine(dir, 'partner sees area');
    expect(r.stderr).toContain(`examples/default-decisions.yaml:${income}`);
    expect(r.stderr).toContain('marketing sees income under profitability analysis');
    expect(r.stderr).toMatch(/expected ALLOW by marketing-income-for-profitability, got DENY by marketing-no-financial/);
    expect(r.stderr).toContain(`examples/default-decisions.yaml:${area}`);
    expect(r.stderr).toMatch(/partner sees area.*got DENY by default-deny/);
    // the unknown feature is reported at the line of its request
    expect(r.stderr).toContain(`examples/default-decisions.yaml:${scenarioLine(dir, 'admin sees no personal data') + 1}`);
    expect(r.stderr).toMatch(/unknown feature or field/);
    expect(r.stderr).toContain('3 problems');
    expect(r.stderr).not.toMatch(/\n\s+at\s/);
  });
});
