// Role x route and role x purpose x feature matrices, generated from the policy files: roles.yaml
// decides which operations answer (else 403), privileges.yaml which purposes a role may invoke
// (else 403) and access-rules.yaml which features the subject answer carries.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_ISSUER_ID } from '../src/auth/dev-issuer.ts';
import type { Caller } from '../src/policy/access-policy.ts';
import { loadPolicies, type PolicySet } from '../src/policy/load-policies.ts';
import type { Operation } from '../src/policy/operations.ts';
import { partnerOneToken, partnerScopeOf, Recorder, seedSubject, type Seeded } from './helpers/access.ts';
import { REPO_POLICIES, testGateway, type TestGateway } from './helpers/test-gateway.ts';

const CLOCK = Date.UTC(2026, 0, 15, 9, 30);
/** Read from the repository's files, not from the gateway: the expectation comes from YAML. */
const POLICY: PolicySet = loadPolicies(REPO_POLICIES);
const ROLES = [...POLICY.roles.keys()];
const PURPOSES = [...POLICY.purposes.keys()];

interface RouteCase {
  op: Operation;
  method: 'GET' | 'POST';
  /** Path for a caller; `p` is the pseudonym as this caller must present it. */
  path: (p: string) => string;
  body?: () => { contentType: string; text: string };
  /** The answer when the role holds the operation (404: as designed, for an unknown subject). */
  granted: number;
  label?: string;
}

const UNKNOWN = 'p1_AAAAAAAAAAAAAAAAAAAAAA';

const consentRow = () => ({
  contentType: 'application/json',
  text: JSON.stringify([{ email: 'nobody-known@example.test', purpose: 'marketing_email', status: 'granted', collected_at: '2025-06-01' }]),
});

/** Every operation route the gateway serves today. */
const ROUTES: RouteCase[] = [
  { op: 'me.read', method: 'GET', path: () => '/v1/me', granted: 200 },
  { op: 'policies.read', method: 'GET', path: () => '/v1/policies', granted: 200 },
  { op: 'quality.read', method: 'GET', path: () => '/v1/quality', granted: 200 },
  { op: 'subjects.read', method: 'GET', path: (p) => `/v1/subjects/${p}?purpose=PURPOSE`, granted: 200 },
  { op: 'subjects.read', method: 'GET', path: () => `/v1/subjects/${UNKNOWN}?purpose=PURPOSE`, granted: 404, label: 'unknown subject' },
  { op: 'subjects.consents.read', method: 'GET', path: (p) => `/v1/subjects/${p}/consents`, granted: 200 },
  { op: 'subjects.consents.read', method: 'GET', path: () => `/v1/subjects/${UNKNOWN}/consents`, granted: 404, label: 'unknown subject' },
  {
    op: 'subjects.consents.write',
    method: 'POST',
    path: (p) => `/v1/subjects/${p}/consents`,
    granted: 201,
    // customer_service rests on contract: this record changes no coverage the matrix relies on
    body: () => ({ contentType: 'application/json', text: JSON.stringify({ purpose: 'customer_service', status: 'granted', notice_version: 'v1' }) }),
  },
  {
    op: 'ingest.customers',
    method: 'POST',
    path: () => '/v1/ingest/matrix/customers',
    granted: 200,
    body: () => ({ contentType: 'application/json', text: JSON.stringify([{ customer_id: 'M-1', gender: 'x' }]) }),
  },
  {
    op: 'ingest.transactions',
    method: 'POST',
    path: () => '/v1/ingest/matrix/transactions',
    granted: 200,
    body: () => ({ contentType: 'application/json', text: JSON.stringify([{ customer_id: 'M-1', date: '2025-12-01', amount: 3, channel: 'web' }]) }),
  },
  { op: 'ingest.consents', method: 'POST', path: () => '/v1/ingest/matrix/consents', granted: 200, body: consentRow },
];

describe('role x route x purpose x feature matrix generated from policies/', () => {
  let gw: TestGateway;
  let rec: Recorder;
  let subject: Seeded;
  const tokens = new Map<string, string>();

  /** The pseudonym a caller has to present: partner-scoped callers know only their s1_ form. */
  const presented = (caller: Caller): string =>
    POLICY.access.callerPrivilege(caller).partnerScoped ? partnerScopeOf(gw).toPartner(subject.pseudonym, caller.issuerId!) : subject.pseudonym;

  beforeAll(async () => {
    gw = await testGateway({ clockStart: CLOCK });
    rec = new Recorder(gw);
    subject = await seedSubject(rec, 'matrix', 1);
    for (const role of ROLES) tokens.set(role, await gw.mint([role]));
  });
  afterAll(() => gw?.cleanup());

  it('the gateway runs the policy the matrix was generated from', () => {
    expect(gw.policies.version).not.toBe('');
    // The gateway's copy adds a test partner issuer, nothing else: same roles, purposes, rules.
    expect([...gw.policies.roles.keys()]).toEqual(ROLES);
    expect([...gw.policies.purposes.keys()]).toEqual(PURPOSES);
    expect(gw.policies.access.rules).toEqual(POLICY.access.rules);
    expect(ROLES.length).toBeGreaterThanOrEqual(6);
    expect(PURPOSES).toHaveLength(7);
  });

  it('the seeded subject has a value for every feature of the dictionary', async () => {
    const a = await rec.get(`/v1/subjects/${subject.pseudonym}?purpose=legal_obligation`, tokens.get('dpo')!);
    expect(a.status, a.text).toBe(200);
    expect(Object.keys(a.json.features).sort()).toEqual([...POLICY.dictionary.features.keys()].sort());
    for (const [f, v] of Object.entries(a.json.features)) expect(v, f).not.toBeNull();
    expect(a.json.features).toMatchObject({ frequency: 4, monetary: 237.75, recency_days: 12 });
  });

  describe.each(ROLES)('role %s', (role) => {
    it.each(ROUTES.map((r) => [`${r.method} ${r.op}${r.label ? ` (${r.label})` : ''}`, r] as const))('%s answers as roles.yaml says', async (_n, route) => {
      const caller: Caller = { roles: [role], issuerId: DEV_ISSUER_ID };
      const grants = POLICY.roles.get(role)!.operations.has(route.op);
      // a purpose the role may invoke, if any (else any purpose: the route check comes first)
      const purpose = [...POLICY.access.callerPrivilege(caller).purposes][0] ?? PURPOSES[0]!;
      const body = route.body?.();
      const a = await rec.send(route.path(presented(caller)).replace('PURPOSE', purpose), {
        method: route.method,
        token: tokens.get(role)!,
        ...(body && { headers: { 'content-type': body.contentType }, body: body.text }),
      });
      if (grants) {
        expect(a.status, a.text).toBe(route.granted);
        expect(a.headers.get('content-type')).toMatch(route.granted === 404 ? /^application\/problem\+json/ : /^application\/json/);
      } else {
        expect(a.status, a.text).toBe(403);
        expect(a.json.code).toBe('auth.forbidden');
        expect(a.headers.get('www-authenticate')).toMatch(/insufficient_scope/);
      }
    });

    it.each(PURPOSES)('subject answer under %s: exactly the features access-rules.yaml lets it see', async (purpose) => {
      await expectFeatureMatrix({ roles: [role], issuerId: DEV_ISSUER_ID }, tokens.get(role)!, purpose);
    });
  });

  it.each(PURPOSES)('the test partner issuer (partner-one) under %s: same rules, own pseudonyms', async (purpose) => {
    await expectFeatureMatrix({ roles: ['partner'], issuerId: gw.partner.id }, await partnerOneToken(gw), purpose);
  });

  async function expectFeatureMatrix(caller: Caller, token: string, purpose: string): Promise<void> {
    const p = presented(caller);
    const a = await rec.get(`/v1/subjects/${p}?purpose=${purpose}`, token);
    const readsSubjects = caller.roles.some((r) => POLICY.roles.get(r)!.operations.has('subjects.read'));
    const mayInvoke = POLICY.access.callerPrivilege(caller).purposes.has(purpose);
    if (!readsSubjects || !mayInvoke) {
      expect(a.status, a.text).toBe(403);
      expect(a.json.code).toBe('auth.forbidden');
      expect(a.text).not.toContain('"features"');
      return;
    }
    expect(a.status, a.text).toBe(200);
    const expected = POLICY.access.allowedFeatures(caller, purpose, 'see');
    expect(Object.keys(a.json).sort()).toEqual(['features', 'legal_basis', 'policy_version', 'pseudonym', 'purpose']);
    expect(Object.keys(a.json.features).sort()).toEqual([...expected].sort());
    for (const f of POLICY.dictionary.features.values()) {
      const d = POLICY.access.decide(caller, purpose, 'see', f.category);
      expect(f.name in a.json.features, `${caller.roles.join('+')} ${purpose} ${f.name}: ${d.decision} by ${d.rule}`).toBe(d.decision === 'ALLOW');
    }
    expect(a.json.pseudonym).toBe(p);
    expect(a.json.purpose).toBe(purpose);
    expect(a.json.legal_basis).toBe(POLICY.purposes.get(purpose)!.basis);
    expect(a.json.policy_version).toBe(gw.policies.version);
    if (POLICY.access.callerPrivilege(caller).partnerScoped) {
      expect(p).toMatch(/^s1_/);
      expect(a.text).not.toContain(subject.pseudonym);
    }
  }

  it('the default policy is the one documented (cross-check of the generated matrix)', () => {
    const dict = POLICY.dictionary.features;
    const of = (cls: string) =>
      [...dict.values()]
        .filter((f) => f.classification === cls)
        .map((f) => f.name)
        .sort();
    const see = (role: string, purpose: string) => POLICY.access.allowedFeatures({ roles: [role] }, purpose, 'see').sort();
    expect(POLICY.access.privilegeOf('marketing').purposes).toEqual(
      new Set(['segmentation_analytics', 'profitability_analysis', 'marketing_email', 'marketing_sms']),
    );
    expect(POLICY.access.privilegeOf('partner').purposes).toEqual(new Set(['partner_sharing']));
    for (const purpose of ['segmentation_analytics', 'marketing_email', 'marketing_sms']) expect(see('marketing', purpose)).toEqual(of('feature'));
    expect(see('marketing', 'profitability_analysis')).toEqual([...of('feature'), 'income'].sort());
    expect(of('sensitive_feature')).toEqual(['income']);
    expect(see('partner', 'partner_sharing')).toEqual(['age_band', 'area', 'channel_preference', 'csp', 'frequency', 'gender', 'monetary', 'recency_days']);
    for (const purpose of PURPOSES) expect(see('dpo', purpose)).toEqual([...dict.keys()].sort());
  });

  it('no answer of the matrix carries a raw identifier of the subject', () => {
    expect(rec.answers.length).toBeGreaterThan(ROLES.length * (ROUTES.length + PURPOSES.length));
    expect(rec.leaks([subject.identity])).toEqual([]);
  });
});
