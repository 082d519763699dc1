// roles.yaml: which role may call which operation. Anything not listed is denied.
import { z } from 'zod';
import { OPERATION_IDS, type Operation } from '../operations.ts';

export const roleName = z.string().regex(/^[a-z][a-z0-9_-]{0,63}$/, 'role names are lower-case identifiers');

export const rolesFileSchema = z.strictObject({
  roles: z
    .record(
      roleName,
      z.strictObject({
        description: z.string().min(1),
        operations: z
          .array(
            z.enum(OPERATION_IDS as [Operation, ...Operation[]], {
              message: 'unknown operation (see src/policy/operations.ts for the catalogue)',
            }),
          )
          .refine((ops) => new Set(ops).size === ops.length, 'an operation is listed twice'),
      }),
    )
    .refine((r) => Object.keys(r).length > 0, 'at least one role is required'),
});

export type RolesFile = z.infer<typeof rolesFileSchema>;
