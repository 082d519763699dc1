// purposes.yaml: the processing purposes, their accepted legal bases and the basis applied.
import { z } from 'zod';

export const LEGAL_BASES = ['consent', 'legitimate_interest', 'contract', 'legal_obligation'] as const;
export type LegalBasis = (typeof LEGAL_BASES)[number];

export const purposeName = z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'purpose names are lower-case identifiers');

export const purposesFileSchema = z.strictObject({
  purposes: z.record(
    purposeName,
    z
      .strictObject({
        description: z.string().min(1),
        legal_bases: z.array(z.enum(LEGAL_BASES)).min(1),
        basis: z.enum(LEGAL_BASES),
        consent_validity_days: z.number().int().positive().max(3650),
      })
      .refine((p) => p.legal_bases.includes(p.basis), { message: 'basis must be one of legal_bases', path: ['basis'] }),
  ),
});
