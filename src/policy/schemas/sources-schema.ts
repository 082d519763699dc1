// sources.yaml: the source systems that may push data, and which issuers (and token subjects) may write as each.
import { z } from 'zod';

export const sourceName = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'source names are lower-case identifiers');

export const sourcesFileSchema = z.strictObject({
  sources: z.record(
    sourceName,
    z.strictObject({
      description: z.string().min(1),
      writers: z
        .array(
          z.strictObject({
            /** An issuer id of issuers.yaml, or `dev` for the development issuer (trusted only in development mode). */
            issuer: z.string().min(1),
            /** When given, only tokens whose `sub` is one of these may write. */
            subjects: z.array(z.string().min(1)).min(1).optional(),
          }),
        )
        .min(1),
    }),
  ),
});
