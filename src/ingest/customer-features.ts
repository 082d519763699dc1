// Turns a validated customer record into feature-store columns via the dictionary's mappings.
import type { RecordTypeSpec } from '../policy/load-dictionary.ts';
import { ageBand, ageYears, departement, periodStart } from './generalize.ts';
import type { Cell } from './field-value.ts';

/** Feature -> feature-store column; tenure_days is derived on read from tenure_since. */
const COLUMN: Record<string, string> = {
  age: 'age',
  age_band: 'age_band',
  area: 'area',
  gender: 'gender',
  csp: 'csp',
  income: 'income',
  channel_preference: 'channel_preference',
  tenure_days: 'tenure_since',
};

export function customerFeatures(
  spec: RecordTypeSpec,
  values: Record<string, Cell>,
  today: string,
): { columns: Record<string, string | number>; features: string[] } {
  const columns: Record<string, string | number> = {};
  const features: string[] = [];
  const set = (feature: string, v: string | number | undefined) => {
    const col = COLUMN[feature];
    if (col === undefined || v === undefined) return;
    columns[col] = v;
    features.push(feature);
  };
  for (const rule of spec.fields.values()) {
    const v = values[rule.name];
    if (v === undefined) continue;
    if (rule.feature) set(rule.feature, typeof v === 'boolean' ? String(v) : v);
    for (const g of rule.generalization ?? []) {
      const s = String(v);
      switch (g.method) {
        case 'departement':
          set(g.feature, departement(s));
          break;
        case 'age_years':
          set(g.feature, ageYears(s, today));
          break;
        case 'age_band':
          set(g.feature, ageBand(ageYears(s, today), g.bands ?? []));
          break;
        case 'days_since':
          set(g.feature, periodStart(s, g.granularity ?? 'month'));
          break;
      }
    }
  }
  return { columns, features };
}
