// dictionary.yaml: fields per record type, their classification, normalization, generalization, validation.
import { z } from 'zod';
import { FEATURE_NAMES } from '../features.ts';

export const CLASSIFICATIONS = ['direct_identifier', 'quasi_identifier', 'feature', 'sensitive_feature', 'consent'] as const;
export const NORMALIZERS = ['email', 'phone_e164', 'iban', 'name', 'trim', 'upper', 'lower', 'compact'] as const;
export const FORMATS = ['email', 'phone', 'fr_postcode'] as const;
export const CHECKSUMS = ['iban', 'nir', 'siret', 'luhn'] as const;
export const GENERALIZERS = ['departement', 'age_years', 'age_band', 'days_since'] as const;

const category = z.string().regex(/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/, 'categories are dotted lower-case names (user.contact.email)');
const dateBound = z.union([z.literal('today'), z.iso.date({ message: 'must be an ISO date (YYYY-MM-DD) or "today"' })]);
const feature = z.enum(FEATURE_NAMES, { message: 'unknown feature (see src/policy/features.ts)' });

const generalization = z
  .strictObject({
    method: z.enum(GENERALIZERS),
    feature,
    bands: z.array(z.number().int().min(0).max(150)).min(1).optional(),
    /** days_since: the period whose first day is stored (never the exact date); default month. */
    granularity: z.enum(['month', 'quarter', 'year']).optional(),
  })
  .refine((g) => g.method !== 'age_band' || (g.bands && g.bands.every((b, i, a) => i === 0 || b > a[i - 1]!)), {
    message: 'age_band needs increasing bands',
  });

export const fieldSpecSchema = z.strictObject({
  type: z.enum(['string', 'number', 'date', 'timestamp', 'boolean']),
  classification: z.enum(CLASSIFICATIONS),
  category,
  normalization: z.enum(NORMALIZERS).optional(),
  validation: z
    .strictObject({
      required: z.boolean().optional(),
      format: z.enum(FORMATS).optional(),
      pattern: z
        .string()
        .refine((p) => {
          try {
            new RegExp(p, 'u');
            return true;
          } catch {
            return false;
          }
        }, 'not a valid regular expression')
        .optional(),
      enum: z
        .array(z.union([z.string(), z.number()]))
        .min(1)
        .optional(),
      min: z.union([z.number(), dateBound]).optional(),
      max: z.union([z.number(), dateBound]).optional(),
      max_length: z.number().int().positive().optional(),
      checksum: z.enum(CHECKSUMS).optional(),
      /** The value must name a purpose of purposes.yaml. */
      purpose: z.literal(true).optional(),
    })
    .default({}),
  generalization: z.array(generalization).optional(),
  feature: feature.optional(),
  /** For a boolean consent flag on a record: the purpose it grants (true) or refuses (false). */
  consent_purpose: z.string().optional(),
});

const fieldName = z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'field names are lower-case identifiers');

const recordType = z.strictObject({
  /**
   * The timestamp field holding when the source collected the row's consent flags: what they are
   * recorded with (never the ingest time), and required on a row that carries a flag.
   */
  consent_time_field: fieldName.optional(),
  fields: z.record(fieldName, fieldSpecSchema),
});

export const dictionaryFileSchema = z.strictObject({
  default_region: z.string().regex(/^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 region'),
  linkage: z.array(z.array(fieldName).min(1)).min(1),
  quality: z.strictObject({ validity_threshold: z.number().min(0).max(1) }),
  record_types: z.strictObject({
    customers: recordType,
    transactions: recordType,
    consents: recordType,
  }),
  features: z.record(
    feature,
    z.strictObject({
      kind: z.enum(['numeric', 'categorical']),
      classification: z.enum(['feature', 'sensitive_feature']),
      category,
    }),
  ),
});

export type DictionaryFile = z.infer<typeof dictionaryFileSchema>;
export type FieldSpec = z.infer<typeof fieldSpecSchema>;
