// Validates dictionary.yaml beyond its shape: linkage, feature mappings, cross-references.
import { dictionaryFileSchema, type FieldSpec } from './schemas/dictionary-schema.ts';
import type { FeatureName } from './features.ts';
import type { PolicyIssue } from './policy-error.ts';
import { lineOf, validateSource, type YamlSource } from './yaml-source.ts';

export type RecordTypeName = 'customers' | 'transactions' | 'consents';

export interface FieldRule extends FieldSpec {
  name: string;
}

export interface RecordTypeSpec {
  name: RecordTypeName;
  fields: ReadonlyMap<string, FieldRule>;
  /** The timestamp field a row's consent flags are recorded with (see the dictionary schema). */
  consentTimeField?: string;
}

/** Prefix of the consent flag columns a customer row may carry, one per purpose (`consent_<purpose>`). */
export const CONSENT_COLUMN_PREFIX = 'consent_';

export interface FeatureSpec {
  name: FeatureName;
  kind: 'numeric' | 'categorical';
  classification: 'feature' | 'sensitive_feature';
  category: string;
}

export interface Dictionary {
  defaultRegion: string;
  /** Ordered linkage keys; each is a tuple of field names, `source` meaning the ingest source. */
  linkage: readonly (readonly string[])[];
  validityThreshold: number;
  recordTypes: Readonly<Record<RecordTypeName, RecordTypeSpec>>;
  features: ReadonlyMap<FeatureName, FeatureSpec>;
}

export function loadDictionary(src: YamlSource, issues: PolicyIssue[], purposes: ReadonlySet<string> | undefined): Dictionary | undefined {
  const file = validateSource(src, dictionaryFileSchema, issues);
  if (!file) return undefined;
  const before = issues.length;
  const at = (p: PropertyKey[], message: string) => issues.push({ file: src.file, path: p.map(String).join('.'), line: lineOf(src, p), message });

  const features = new Map<FeatureName, FeatureSpec>();
  for (const [name, f] of Object.entries(file.features)) features.set(name as FeatureName, { name: name as FeatureName, ...f });

  const recordTypes = {} as Record<RecordTypeName, RecordTypeSpec>;
  for (const type of ['customers', 'transactions', 'consents'] as const) {
    const fields = new Map<string, FieldRule>();
    for (const [name, spec] of Object.entries(file.record_types[type].fields)) {
      const p = ['record_types', type, 'fields', name];
      fields.set(name, { name, ...spec });
      const targets = [
        ...(spec.feature ? [{ feature: spec.feature, path: [...p, 'feature'] }] : []),
        ...(spec.generalization ?? []).map((g, i) => ({ feature: g.feature, path: [...p, 'generalization', i, 'feature'] })),
      ];
      for (const t of targets) {
        if (!features.has(t.feature)) at(t.path, `feature ${t.feature} is not declared under features`);
      }
      (spec.generalization ?? []).forEach((g, i) => {
        if ((g.method === 'days_since') !== (g.feature === 'tenure_days'))
          at([...p, 'generalization', i], 'days_since feeds tenure_days, and tenure_days comes only from days_since');
      });
      if (spec.classification === 'direct_identifier' && (spec.feature || spec.generalization)) {
        at(p, 'a direct identifier never becomes a feature');
      }
      if (spec.consent_purpose !== undefined) {
        if (spec.type !== 'boolean' || spec.classification !== 'consent') at(p, 'a consent flag is a boolean field classified consent');
        if (purposes && !purposes.has(spec.consent_purpose)) at([...p, 'consent_purpose'], 'not a purpose of purposes.yaml');
      }
      if ((spec.validation.format === 'phone' || spec.normalization === 'phone_e164') && spec.type !== 'string') {
        at([...p, 'type'], 'phone numbers are strings');
      }
    }
    // A customer row may carry a flag for every purpose: those the file does not declare are
    // derived, so an objection to any purpose (consent_segmentation_analytics: false) is recorded.
    if (type === 'customers' && purposes) {
      const declared = new Set([...fields.values()].map((f) => f.consent_purpose).filter(Boolean));
      for (const purpose of purposes) {
        const name = CONSENT_COLUMN_PREFIX + purpose;
        if (declared.has(purpose) || fields.has(name)) continue;
        fields.set(name, { name, type: 'boolean', classification: 'consent', category: 'system.consent', consent_purpose: purpose, validation: {} });
      }
    }
    const timeField = file.record_types[type].consent_time_field;
    const hasFlags = [...fields.values()].some((f) => f.consent_purpose !== undefined);
    if (timeField !== undefined) {
      const f = fields.get(timeField);
      if (!f || (f.type !== 'timestamp' && f.type !== 'date'))
        at(['record_types', type, 'consent_time_field'], 'must name a timestamp or date field of this record type');
    } else if (hasFlags) {
      at(['record_types', type], 'consent flags need consent_time_field: the time the source collected them, never the ingest time');
    }
    recordTypes[type] = { name: type, fields, ...(timeField !== undefined && { consentTimeField: timeField }) };
  }

  file.linkage.forEach((key, i) => {
    key.forEach((f, j) => {
      if (f === 'source') return;
      for (const type of ['customers', 'transactions', 'consents'] as const) {
        const spec = recordTypes[type].fields.get(f);
        if (!spec) at(['linkage', i, j], `linkage field ${f} is not a field of ${type}`);
        else if (spec.classification !== 'direct_identifier') at(['linkage', i, j], `linkage field ${f} must be a direct identifier`);
      }
    });
  });

  if (issues.length > before) return undefined;
  return Object.freeze({
    defaultRegion: file.default_region,
    linkage: file.linkage,
    validityThreshold: file.quality.validity_threshold,
    recordTypes,
    features,
  });
}
