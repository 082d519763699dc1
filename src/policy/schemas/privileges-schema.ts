// privileges.yaml: per role (and optionally per issuer) purposes, export right, group minimum.
import { z } from 'zod';
import { purposeName } from './purposes-schema.ts';
import { roleName } from './roles-schema.ts';

const privilege = z.strictObject({
  purposes: z.array(purposeName),
  export_members: z.boolean(),
  partner_scoped: z.boolean().optional(),
  min_group_size: z.number().int().min(1).max(1_000_000),
  reidentify: z
    .strictObject({
      purposes: z.array(purposeName).min(1),
      /** A justification shorter than this is refused (and the refusal audited). */
      min_justification: z.number().int().min(1).max(2000).default(20),
      /** Pseudonyms one actor may re-identify per UTC day. */
      daily_quota: z.number().int().min(1).max(1_000_000).default(100),
      /** Fields whose re-identification needs a second DPO's approval. */
      four_eyes_fields: z.array(z.string()).default([]),
    })
    .optional(),
  /** Data-subject requests (access and erasure) one actor may handle per UTC day. */
  dsr: z.strictObject({ daily_quota: z.number().int().min(1).max(100_000) }).optional(),
});

export const privilegesFileSchema = z.strictObject({
  privileges: z.record(
    roleName,
    privilege.extend({
      issuers: z.record(z.string(), privilege.partial()).optional(),
    }),
  ),
});

export type PrivilegeEntry = z.infer<typeof privilege>;
