// Loads purposes.yaml, privileges.yaml and access-rules.yaml, cross-checked against roles.
import { AccessPolicy, type Privilege, type Purpose } from './access-policy.ts';
import type { Dictionary } from './load-dictionary.ts';
import type { PolicyIssue } from './policy-error.ts';
import { accessRulesFileSchema } from './schemas/access-rules-schema.ts';
import { privilegesFileSchema, type PrivilegeEntry } from './schemas/privileges-schema.ts';
import { purposesFileSchema } from './schemas/purposes-schema.ts';
import { lineOf, readYamlSource, validateSource } from './yaml-source.ts';

export function loadPurposes(dir: string, issues: PolicyIssue[]): Map<string, Purpose> | undefined {
  const src = readYamlSource(dir, 'purposes.yaml', issues);
  const file = src && validateSource(src, purposesFileSchema, issues);
  if (!file) return undefined;
  return new Map(
    Object.entries(file.purposes).map(([name, p]) => [
      name,
      Object.freeze({
        name,
        description: p.description,
        legalBases: p.legal_bases,
        basis: p.basis,
        consentValidityDays: p.consent_validity_days,
      }),
    ]),
  );
}

export function loadAccess(
  dir: string,
  issues: PolicyIssue[],
  ctx: {
    roles: ReadonlySet<string>;
    dsrRoles: ReadonlySet<string>;
    issuerIds: ReadonlySet<string>;
    purposes: ReadonlyMap<string, Purpose>;
    dictionary: Dictionary;
    version: () => string;
  },
): AccessPolicy | undefined {
  const before = issues.length;
  const privSrc = readYamlSource(dir, 'privileges.yaml', issues);
  const privFile = privSrc && validateSource(privSrc, privilegesFileSchema, issues);
  const rulesSrc = readYamlSource(dir, 'access-rules.yaml', issues);
  const rulesFile = rulesSrc && validateSource(rulesSrc, accessRulesFileSchema, issues);
  if (!privSrc || !privFile || !rulesSrc || !rulesFile) return undefined;

  const privileges = new Map<string, { base: Privilege; issuers: Map<string, Privilege> }>();
  for (const [role, entry] of Object.entries(privFile.privileges)) {
    const at = (p: PropertyKey[], message: string) =>
      issues.push({ file: privSrc.file, path: ['privileges', role, ...p].map(String).join('.'), line: lineOf(privSrc, ['privileges', role, ...p]), message });
    if (!ctx.roles.has(role)) at([], 'role is not defined in roles.yaml');
    const checkPurposes = (list: readonly string[], p: PropertyKey[]) =>
      list.forEach((name, i) => {
        if (!ctx.purposes.has(name)) at([...p, i], 'not a purpose of purposes.yaml');
      });
    checkPurposes(entry.purposes, ['purposes']);
    // Fail closed at load: a role that handles data-subject requests has a daily quota for them.
    if (ctx.dsrRoles.has(role) && !entry.dsr) at([], 'the role may handle data-subject requests (roles.yaml) but has no dsr.daily_quota');
    if (entry.reidentify) checkPurposes(entry.reidentify.purposes, ['reidentify', 'purposes']);
    const base = toPrivilege(entry);
    const issuers = new Map<string, Privilege>();
    for (const [issuerId, narrow] of Object.entries(entry.issuers ?? {})) {
      if (!ctx.issuerIds.has(issuerId)) at(['issuers', issuerId], 'not an issuer id of issuers.yaml');
      if (narrow.purposes) checkPurposes(narrow.purposes, ['issuers', issuerId, 'purposes']);
      issuers.set(issuerId, narrowed(base, narrow));
    }
    privileges.set(role, { base, issuers });
  }
  for (const role of ctx.roles) {
    if (!privileges.has(role))
      issues.push({
        file: privSrc.file,
        path: 'privileges',
        line: lineOf(privSrc, ['privileges']),
        message: `role ${role} of roles.yaml has no privileges entry`,
      });
  }
  const ids = new Set<string>();
  rulesFile.rules.forEach((r, i) => {
    const at = (p: PropertyKey[], message: string) =>
      issues.push({
        file: rulesSrc.file,
        path: `rules[${i}]${p.map((k) => (typeof k === 'number' ? `[${k}]` : '.' + String(k))).join('')}`,
        line: lineOf(rulesSrc, ['rules', i, ...p]),
        message,
      });
    if (ids.has(r.id)) at(['id'], 'rule id is used twice');
    ids.add(r.id);
    r.roles.forEach((role, j) => {
      if (!ctx.roles.has(role)) at(['roles', j], 'role is not defined in roles.yaml');
    });
    r.purposes?.forEach((p, j) => {
      if (!ctx.purposes.has(p)) at(['purposes', j], 'not a purpose of purposes.yaml');
    });
    r.issuers?.forEach((p, j) => {
      if (!ctx.issuerIds.has(p)) at(['issuers', j], 'not an issuer id of issuers.yaml');
    });
  });
  if (issues.length > before) return undefined;
  return new AccessPolicy(ctx.version, ctx.purposes, privileges, Object.freeze(rulesFile.rules), ctx.dictionary);
}

function toPrivilege(e: PrivilegeEntry): Privilege {
  return Object.freeze({
    purposes: new Set(e.purposes),
    exportMembers: e.export_members,
    partnerScoped: e.partner_scoped ?? false,
    minGroupSize: e.min_group_size,
    reidentifyPurposes: new Set(e.reidentify?.purposes ?? []),
    minJustification: e.reidentify?.min_justification ?? Number.MAX_SAFE_INTEGER,
    dailyQuota: e.reidentify?.daily_quota ?? 0,
    fourEyesFields: new Set(e.reidentify?.four_eyes_fields ?? []),
    dsrDailyQuota: e.dsr?.daily_quota ?? 0,
  });
}

/** An issuer entry may only take rights away: intersect purposes, AND rights, MAX the minimum. */
function narrowed(base: Privilege, n: Partial<PrivilegeEntry>): Privilege {
  return Object.freeze({
    purposes: new Set([...base.purposes].filter((p) => !n.purposes || n.purposes.includes(p))),
    exportMembers: base.exportMembers && (n.export_members ?? true),
    partnerScoped: base.partnerScoped || (n.partner_scoped ?? false),
    minGroupSize: Math.max(base.minGroupSize, n.min_group_size ?? 0),
    reidentifyPurposes: new Set([...base.reidentifyPurposes].filter((p) => !n.reidentify || n.reidentify.purposes.includes(p))),
    minJustification: Math.max(base.minJustification, n.reidentify?.min_justification ?? 0),
    dailyQuota: Math.min(base.dailyQuota, n.reidentify?.daily_quota ?? Number.MAX_SAFE_INTEGER),
    fourEyesFields: new Set([...base.fourEyesFields, ...(n.reidentify?.four_eyes_fields ?? [])]),
    dsrDailyQuota: Math.min(base.dsrDailyQuota, n.dsr?.daily_quota ?? Number.MAX_SAFE_INTEGER),
  });
}
