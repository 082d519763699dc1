// The new-segmentation form as data: its state, the request body built from it, and where each
// path of the API's answer (422 errors[].path) shows on the form. Pure functions, no DOM.
import type { ConditionBody, Method, RuleBody, SegmentationBody, WhereBody } from './run-types.ts';

export type Operator = 'eq' | 'in' | 'gte' | 'lte' | 'between';
export const NUMERIC_OPERATORS: Operator[] = ['eq', 'in', 'gte', 'lte', 'between'];
export const CATEGORICAL_OPERATORS: Operator[] = ['eq', 'in'];

export interface ConditionDraft {
  id: string;
  feature: string;
  op: Operator;
  value: string;
  /** The upper bound of `between`. */
  value2: string;
}

/** One OR alternative of a rule: its conditions ANDed. */
export interface GroupDraft {
  id: string;
  conditions: ConditionDraft[];
}

export interface RuleDraft {
  id: string;
  name: string;
  where: ConditionDraft[];
  any: GroupDraft[];
}

export interface FormState {
  purpose: string;
  method: Method;
  features: string[];
  kMode: 'k' | 'range';
  k: string;
  kMin: string;
  kMax: string;
  seed: string;
  target: string;
  maxDepth: string;
  rules: RuleDraft[];
}

let seq = 0;
export const draftId = (prefix: string) => `${prefix}${++seq}`;

export const newCondition = (feature = ''): ConditionDraft => ({ id: draftId('c'), feature, op: 'eq', value: '', value2: '' });
export const newGroup = (): GroupDraft => ({ id: draftId('g'), conditions: [newCondition()] });
export const newRule = (): RuleDraft => ({ id: draftId('r'), name: '', where: [newCondition()], any: [] });

export function initialForm(purpose: string): FormState {
  return { purpose, method: 'kmeans', features: [], kMode: 'k', k: '', kMin: '', kMax: '', seed: '', target: '', maxDepth: '4', rules: [newRule()] };
}

/** Keys of the form's fields, by which errors are shown next to them. */
export const fieldKey = {
  rule: (r: RuleDraft) => `rule:${r.id}`,
  ruleName: (r: RuleDraft) => `rule:${r.id}:name`,
  group: (g: GroupDraft) => `group:${g.id}`,
  condition: (c: ConditionDraft) => `cond:${c.id}`,
};

export type Kinds = (feature: string) => 'numeric' | 'categorical' | undefined;

/**
 * A number when the text is one; otherwise the text itself, so the API's own validation refuses
 * it and names the field (the form does not second-guess the gateway's limits).
 */
function numberOrText(s: string): number | string | undefined {
  const t = s.trim();
  if (t === '') return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : t;
}

export interface Built {
  body: SegmentationBody;
  /** API path -> field key, for every path the body holds. */
  fields: Map<string, string>;
  /** What the form itself can tell is missing or not a number, by field key. */
  clientErrors: Record<string, ClientError>;
}

export type ClientError = 'feature_required' | 'number_required' | 'value_required' | 'repeated';

function whereOf(conditions: ConditionDraft[], path: string, kinds: Kinds, built: Built): WhereBody {
  const where: WhereBody = {};
  for (const c of conditions) {
    const key = fieldKey.condition(c);
    if (!c.feature) {
      built.clientErrors[key] = 'feature_required';
      continue;
    }
    const numeric = kinds(c.feature) === 'numeric';
    const num = (s: string): number | undefined => {
      const n = Number(s.trim());
      if (s.trim() === '' || !Number.isFinite(n)) {
        built.clientErrors[key] = s.trim() === '' ? 'value_required' : 'number_required';
        return undefined;
      }
      return n;
    };
    const scalar = (s: string): string | number | undefined => {
      if (s.trim() === '') {
        built.clientErrors[key] = 'value_required';
        return undefined;
      }
      return numeric ? num(s) : s.trim();
    };
    const cond: ConditionBody = (where[c.feature] ??= {});
    if (cond[c.op] !== undefined) built.clientErrors[key] = 'repeated';
    switch (c.op) {
      case 'eq': {
        const v = scalar(c.value);
        if (v !== undefined) cond.eq = v;
        break;
      }
      case 'in': {
        const parts = c.value
          .split(',')
          .map((p) => p.trim())
          .filter(Boolean);
        if (parts.length === 0) built.clientErrors[key] = 'value_required';
        const vs = parts.map(scalar);
        if (vs.every((v) => v !== undefined)) cond.in = vs as (string | number)[];
        break;
      }
      case 'gte':
      case 'lte': {
        const v = num(c.value);
        if (v !== undefined) cond[c.op] = v;
        break;
      }
      case 'between': {
        const a = num(c.value);
        const b = num(c.value2);
        if (a !== undefined && b !== undefined) cond.between = [a, b];
        break;
      }
    }
    // the first condition on a feature answers for the feature, each for its own operator
    if (!built.fields.has(`${path}.${c.feature}`)) built.fields.set(`${path}.${c.feature}`, key);
    built.fields.set(`${path}.${c.feature}.${c.op}`, key);
  }
  return where;
}

export function buildRequest(f: FormState, kinds: Kinds, allowed: (feature: string) => boolean): Built {
  const built: Built = {
    body: { purpose: f.purpose, method: f.method, features: f.features.filter(allowed) },
    fields: new Map([
      ['purpose', 'purpose'],
      ['method', 'method'],
      ['features', 'features'],
    ]),
    clientErrors: {},
  };
  const b = built.body as unknown as Record<string, unknown>;
  const put = (name: string, text: string, key: string) => {
    const v = numberOrText(text);
    if (v !== undefined) b[name] = v;
    built.fields.set(name, key);
  };
  switch (f.method) {
    case 'kmeans':
      if (f.kMode === 'k') put('k', f.k, 'k');
      else {
        b['k_range'] = [numberOrText(f.kMin) ?? null, numberOrText(f.kMax) ?? null];
        built.fields.set('k_range', 'kMin').set('k_range.0', 'kMin').set('k_range.1', 'kMax');
      }
      put('seed', f.seed, 'seed');
      break;
    case 'tree':
      if (f.target) b['target'] = f.target;
      built.fields.set('target', 'target');
      put('max_depth', f.maxDepth, 'max_depth');
      put('seed', f.seed, 'seed');
      break;
    case 'rules': {
      built.fields.set('rules', 'rules');
      const rules: RuleBody[] = f.rules.map((r, i) => {
        const path = `rules.${i}`;
        built.fields
          .set(path, fieldKey.rule(r))
          .set(`${path}.name`, fieldKey.ruleName(r))
          .set(`${path}.where`, fieldKey.rule(r))
          .set(`${path}.any`, fieldKey.rule(r));
        const rule: RuleBody = { name: r.name.trim() };
        if (r.where.length > 0) rule.where = whereOf(r.where, `${path}.where`, kinds, built);
        if (r.any.length > 0) {
          rule.any = r.any.map((g, j) => {
            built.fields.set(`${path}.any.${j}`, fieldKey.group(g));
            return whereOf(g.conditions, `${path}.any.${j}`, kinds, built);
          });
        }
        return rule;
      });
      b['rules'] = rules;
      break;
    }
    case 'rfm':
      break;
  }
  return built;
}

/**
 * The form field an API error path belongs to: its longest prefix the body holds
 * (`json.rules.0.where.age.gte.0` -> the age condition of rule 1). Undefined: shown in the summary.
 */
export function fieldOfPath(fields: Map<string, string>, apiPath: string): string | undefined {
  const parts = apiPath.replace(/^json\./, '').split('.');
  for (let n = parts.length; n > 0; n--) {
    const key = fields.get(parts.slice(0, n).join('.'));
    if (key) return key;
  }
  return undefined;
}
