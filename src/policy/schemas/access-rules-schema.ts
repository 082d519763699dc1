// access-rules.yaml: prioritised ALLOW/DENY rules on dotted data categories (fides-style).
import { z } from 'zod';
import { roleName } from './roles-schema.ts';
import { purposeName } from './purposes-schema.ts';

export const ACTIONS = ['use', 'see', 'reidentify'] as const;
export type Action = (typeof ACTIONS)[number];

export const accessRuleSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'rule ids are lower-case identifiers'),
  decision: z.enum(['ALLOW', 'DENY']),
  priority: z.number().int().min(0).max(1000),
  roles: z.array(roleName).min(1),
  issuers: z.array(z.string()).min(1).optional(),
  purposes: z.array(purposeName).min(1).optional(),
  actions: z.array(z.enum(ACTIONS)).min(1),
  data_categories: z.array(z.string().regex(/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/, 'dotted lower-case category')).min(1),
});

export const accessRulesFileSchema = z.strictObject({ rules: z.array(accessRuleSchema) });
export type AccessRule = z.infer<typeof accessRuleSchema>;

export const examplesFileSchema = z.strictObject({
  scenarios: z
    .array(
      z.strictObject({
        name: z.string().min(1),
        request: z
          .strictObject({
            role: roleName,
            issuer: z.string().optional(),
            purpose: z.string(),
            action: z.enum(ACTIONS),
            feature: z.string().optional(),
            field: z.string().optional(),
          })
          .refine((r) => (r.feature === undefined) !== (r.field === undefined), 'name exactly one of feature or field'),
        expect: z.strictObject({ decision: z.enum(['ALLOW', 'DENY']), rule: z.string().optional() }),
      }),
    )
    .min(1),
});
