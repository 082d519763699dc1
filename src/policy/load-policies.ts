// Loads every policy file of a directory into one immutable, validated, versioned set.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { PolicyError, type PolicyIssue } from './policy-error.ts';
import { readYamlSource, validateSource, lineOf } from './yaml-source.ts';
import { rolesFileSchema } from './schemas/roles-schema.ts';
import { issuersFileSchema, publicJwksSchema, type AsymmetricAlgorithm } from './schemas/issuers-schema.ts';
import type { Operation } from './operations.ts';
import type { JSONWebKeySet } from 'jose';
import { loadDictionary, type Dictionary } from './load-dictionary.ts';
import type { AccessPolicy, Privilege, Purpose } from './access-policy.ts';
import { loadAccess, loadPurposes } from './load-access.ts';
import { runExamples, type ScenarioResult } from './run-examples.ts';
import { sourcesFileSchema } from './schemas/sources-schema.ts';
import { SourcePolicy } from './sources.ts';
import { DEV_ISSUER_ID } from '../auth/dev-issuer.ts';

export interface RolePolicy {
  name: string;
  description: string;
  operations: ReadonlySet<Operation>;
}

export interface IssuerPolicy {
  id: string;
  issuer: string;
  audience: string[];
  algorithms: AsymmetricAlgorithm[];
  roles: string[];
  /** Seconds a token may live (exp - iat), when the issuer declares it. */
  maxTokenLifetime?: number;
  keys: { kind: 'jwks'; jwks: JSONWebKeySet; file: string } | { kind: 'url'; url: string };
  /** The web console signs in with this issuer through OpenID Connect (authorization code + PKCE). */
  console?: ConsoleOidc;
}

export interface ConsoleOidc {
  discoveryUrl: string;
  clientId: string;
  /** Asked for besides `openid`. */
  scopes: string[];
  /** RFC 8707 resource indicator, when the provider needs one to issue a JWT for the gateway. */
  resource?: string;
}

export interface PolicySet {
  /** sha256 of the canonical effective policy: what audit entries and decisions cite. */
  version: string;
  dir: string;
  roles: ReadonlyMap<string, RolePolicy>;
  issuers: readonly IssuerPolicy[];
  dictionary: Dictionary;
  purposes: ReadonlyMap<string, Purpose>;
  access: AccessPolicy;
  /** Which issuers (and token subjects) may write as which source. */
  sources: SourcePolicy;
  /** Outcomes of policies/examples scenarios (all passed, or loading failed). */
  examples: readonly ScenarioResult[];
  /** Roles that may call `op`; empty when none may. */
  rolesFor(op: Operation): readonly string[];
  /** The validated content, without key material, for review through the API. */
  effective(): Record<string, unknown>;
}

export function loadPolicies(dir: string): PolicySet {
  const issues: PolicyIssue[] = [];
  const rolesSrc = readYamlSource(dir, 'roles.yaml', issues);
  const issuersSrc = readYamlSource(dir, 'issuers.yaml', issues);
  const rolesFile = rolesSrc && validateSource(rolesSrc, rolesFileSchema, issues);
  const issuersFile = issuersSrc && validateSource(issuersSrc, issuersFileSchema, issues);
  const purposes = loadPurposes(dir, issues);
  const dictionarySrc = readYamlSource(dir, 'dictionary.yaml', issues);
  const dictionary = dictionarySrc && loadDictionary(dictionarySrc, issues, purposes && new Set(purposes.keys()));

  const roles = new Map<string, RolePolicy>();
  for (const [name, r] of Object.entries(rolesFile?.roles ?? {})) {
    roles.set(name, Object.freeze({ name, description: r.description, operations: new Set(r.operations) }));
  }

  const issuers: IssuerPolicy[] = [];
  if (issuersSrc && issuersFile) {
    const seenIds = new Set<string>();
    const seenIss = new Set<string>();
    issuersFile.issuers.forEach((e, i) => {
      const at = (...p: PropertyKey[]) => ({
        file: issuersSrc.file,
        path: `issuers[${i}]${p.map((k) => '.' + String(k)).join('')}`,
        line: lineOf(issuersSrc, ['issuers', i, ...p]),
      });
      if (seenIds.has(e.id)) issues.push({ ...at('id'), message: 'issuer id is used twice' });
      if (seenIss.has(e.issuer)) issues.push({ ...at('issuer'), message: 'issuer is listed twice' });
      seenIds.add(e.id);
      seenIss.add(e.issuer);
      e.roles.forEach((role, j) => {
        if (rolesFile && !roles.has(role)) issues.push({ ...at('roles', j), message: 'role is not defined in roles.yaml' });
      });
      let keys: IssuerPolicy['keys'] | undefined;
      if (e.jwks_url) keys = { kind: 'url', url: e.jwks_url };
      else if (e.jwks_file) {
        const jwks = readJwksFile(dir, e.jwks_file, (message) => issues.push({ ...at('jwks_file'), message }));
        if (jwks) keys = { kind: 'jwks', jwks, file: e.jwks_file };
      }
      if (keys) {
        issuers.push(
          Object.freeze({
            id: e.id,
            issuer: e.issuer,
            audience: Array.isArray(e.audience) ? e.audience : [e.audience],
            algorithms: e.algorithms,
            roles: e.roles,
            ...(e.max_token_lifetime !== undefined && { maxTokenLifetime: e.max_token_lifetime }),
            keys,
            ...(e.console && {
              console: Object.freeze({
                discoveryUrl: e.console.discovery_url,
                clientId: e.console.client_id,
                scopes: e.console.scopes ?? [],
                ...(e.console.resource !== undefined && { resource: e.console.resource }),
              }),
            }),
          }),
        );
      }
    });
  }

  const sourcesSrc = readYamlSource(dir, 'sources.yaml', issues);
  const sourcesFile = sourcesSrc && validateSource(sourcesSrc, sourcesFileSchema, issues);
  if (sourcesSrc && sourcesFile && issuersFile) {
    const ids = new Set([...issuersFile.issuers.map((i) => i.id), DEV_ISSUER_ID]);
    for (const [name, s] of Object.entries(sourcesFile.sources)) {
      s.writers.forEach((w, i) => {
        if (!ids.has(w.issuer))
          issues.push({
            file: sourcesSrc.file,
            path: `sources.${name}.writers[${i}].issuer`,
            line: lineOf(sourcesSrc, ['sources', name, 'writers', i, 'issuer']),
            message: `not an issuer id of issuers.yaml (nor ${DEV_ISSUER_ID})`,
          });
      });
    }
  }

  let version = '';
  const access =
    dictionary && purposes && rolesFile && issuersFile
      ? loadAccess(dir, issues, {
          roles: new Set(roles.keys()),
          dsrRoles: new Set([...roles.values()].filter((r) => r.operations.has('dsr.access') || r.operations.has('dsr.erasure')).map((r) => r.name)),
          issuerIds: new Set(issuersFile.issuers.map((i) => i.id)),
          purposes,
          dictionary,
          version: () => version,
        })
      : undefined;
  const examples = access && issues.length === 0 ? runExamples(dir, access, issues) : [];
  if (issues.length > 0 || !dictionary || !purposes || !access || !sourcesFile) throw new PolicyError(issues);
  const sources = new SourcePolicy(new Map(Object.entries(sourcesFile.sources)));

  const effective = {
    roles: Object.fromEntries([...roles].map(([n, r]) => [n, { description: r.description, operations: [...r.operations].sort() }])),
    issuers: issuers.map((i) => ({
      id: i.id,
      issuer: i.issuer,
      audience: i.audience,
      algorithms: i.algorithms,
      roles: i.roles,
      ...(i.maxTokenLifetime !== undefined && { max_token_lifetime: i.maxTokenLifetime }),
      keys: i.keys.kind === 'url' ? { jwks_url: i.keys.url } : { jwks_file: i.keys.file, kids: i.keys.jwks.keys.map((k) => k.kid ?? null) },
      ...(i.console && {
        console: {
          discovery_url: i.console.discoveryUrl,
          client_id: i.console.clientId,
          scopes: i.console.scopes,
          ...(i.console.resource !== undefined && { resource: i.console.resource }),
        },
      }),
    })),
    dictionary: {
      default_region: dictionary.defaultRegion,
      linkage: dictionary.linkage,
      validity_threshold: dictionary.validityThreshold,
      record_types: Object.fromEntries(Object.values(dictionary.recordTypes).map((t) => [t.name, Object.fromEntries(t.fields)])),
      features: Object.fromEntries(dictionary.features),
    },
    purposes: Object.fromEntries(purposes),
    privileges: Object.fromEntries(
      [...roles.keys()].map((r) => {
        const show = (p: Privilege) => ({
          purposes: [...p.purposes],
          export_members: p.exportMembers,
          partner_scoped: p.partnerScoped,
          min_group_size: p.minGroupSize,
          reidentify_purposes: [...p.reidentifyPurposes],
          ...(p.reidentifyPurposes.size > 0 && { min_justification: p.minJustification, daily_quota: p.dailyQuota, four_eyes_fields: [...p.fourEyesFields] }),
          ...(p.dsrDailyQuota > 0 && { dsr_daily_quota: p.dsrDailyQuota }),
        });
        const base = access.privilegeOf(r);
        // Per-issuer narrowings are part of the policy: reviewable, and they move the version hash.
        const narrowed = issuers.map((i) => [i.id, access.privilegeOf(r, i.id)] as const).filter(([, p]) => p !== base);
        return [r, { ...show(base), ...(narrowed.length > 0 && { issuers: Object.fromEntries(narrowed.map(([id, p]) => [id, show(p)])) }) }];
      }),
    ),
    access_rules: access.rules,
    sources: sources.effective(),
  };
  version = 'sha256:' + crypto.createHash('sha256').update(canonicalJson(effective)).digest('hex');
  const byOp = new Map<Operation, string[]>();
  for (const r of roles.values()) for (const op of r.operations) byOp.set(op, [...(byOp.get(op) ?? []), r.name]);

  return Object.freeze({
    version,
    dir,
    roles,
    issuers: Object.freeze(issuers),
    dictionary,
    purposes,
    access,
    sources,
    examples,
    rolesFor: (op: Operation) => byOp.get(op) ?? [],
    effective: () => structuredClone(effective),
  });
}

function readJwksFile(dir: string, rel: string, fail: (m: string) => void): JSONWebKeySet | undefined {
  const full = path.resolve(dir, rel);
  if (!full.startsWith(path.resolve(dir) + path.sep)) {
    fail('jwks_file must stay inside the policies directory');
    return undefined;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(full, 'utf8'));
  } catch {
    fail(`jwks_file ${rel} is missing or not valid JSON`);
    return undefined;
  }
  const parsed = publicJwksSchema.safeParse(raw);
  if (!parsed.success) {
    fail(`jwks_file ${rel}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    return undefined;
  }
  return parsed.data as unknown as JSONWebKeySet;
}

/** JSON with sorted keys, so the version hash does not depend on formatting or key order. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}
