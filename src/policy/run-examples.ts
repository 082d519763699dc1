// Runs policies/examples/*.yaml scenarios against the loaded policy; a mismatch is a policy error.
import fs from 'node:fs';
import path from 'node:path';
import type { AccessPolicy } from './access-policy.ts';
import type { PolicyIssue } from './policy-error.ts';
import { examplesFileSchema } from './schemas/access-rules-schema.ts';
import { lineOf, readYamlSource, validateSource } from './yaml-source.ts';

export interface ScenarioResult {
  file: string;
  name: string;
  expected: { decision: string; rule?: string };
  actual: { decision: string; rule: string };
  ok: boolean;
}

export function runExamples(dir: string, access: AccessPolicy, issues: PolicyIssue[]): ScenarioResult[] {
  const exDir = path.join(dir, 'examples');
  if (!fs.existsSync(exDir)) return [];
  const results: ScenarioResult[] = [];
  for (const name of fs
    .readdirSync(exDir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()) {
    const file = path.join('examples', name);
    const src = readYamlSource(dir, file, issues);
    const ex = src && validateSource(src, examplesFileSchema, issues);
    if (!src || !ex) continue;
    ex.scenarios.forEach((s, i) => {
      const r = s.request;
      const category = r.feature !== undefined ? access.featureCategory(r.feature) : access.fieldCategory(r.field!);
      if (category === undefined) {
        issues.push({ file, path: `scenarios[${i}].request`, line: lineOf(src, ['scenarios', i, 'request']), message: 'names an unknown feature or field' });
        return;
      }
      const d = access.decide({ roles: [r.role], ...(r.issuer !== undefined && { issuerId: r.issuer }) }, r.purpose, r.action, category);
      const ok = d.decision === s.expect.decision && (s.expect.rule === undefined || s.expect.rule === d.rule);
      results.push({ file, name: s.name, expected: s.expect, actual: { decision: d.decision, rule: d.rule }, ok });
      if (!ok) {
        issues.push({
          file,
          path: `scenarios[${i}]`,
          line: lineOf(src, ['scenarios', i]),
          message: `"${s.name}": expected ${s.expect.decision}${s.expect.rule ? ` by ${s.expect.rule}` : ''}, got ${d.decision} by ${d.rule}`,
        });
      }
    });
  }
  return results;
}
