// GET /v1/me: who the gateway thinks the caller is, and what its roles may do (the console
// builds its menus and forms from this; the API still decides every call on its own).
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { PolicySet } from '../../policy/load-policies.ts';
import type { Principal } from '../../auth/principal.ts';
import type { AppEnv } from '../app-env.ts';
import { authorize } from '../middleware/authorize.ts';

const Capabilities = {
  operations: z.array(z.string()).openapi({ description: 'Gateway operations the roles may call (roles.yaml)' }),
  purposes: z
    .array(z.object({ id: z.string(), description: z.string() }))
    .openapi({ description: 'Purposes the roles may invoke in segmentations and member exports (privileges.yaml)' }),
  features: z
    .array(
      z.object({
        name: z.string(),
        category: z.string(),
        kind: z.enum(['numeric', 'categorical']),
        purposes: z.array(z.string()).openapi({ description: 'The purposes under which the roles may use this feature' }),
      }),
    )
    .openapi({ description: 'Features the roles may use in a segmentation under at least one purpose, with their data categories' }),
  reidentify_fields: z
    .array(z.object({ name: z.string(), category: z.string(), purposes: z.array(z.string()) }))
    .openapi({ description: 'Vault fields the roles may re-identify, with the purposes under which each may be (access-rules.yaml, action reidentify)' }),
  privilege: z.object({
    export_members: z.boolean(),
    min_group_size: z.number().int(),
    reidentify_purposes: z.array(z.string()),
    four_eyes_fields: z.array(z.string()),
    min_justification: z.number().int(),
  }),
  policy_version: z.string(),
};

export const MeSchema = z
  .object({ issuer: z.string(), issuer_id: z.string(), subject: z.string(), roles: z.array(z.string()), expires_at: z.string(), ...Capabilities })
  .openapi('Me');

/** Exported so the auth benchmark can mount the same handler without authentication. */
export const meHandler = (c: Context<AppEnv>) => c.json(identityOf(c.get('principal')), 200);

const identityOf = (p: Principal) => ({
  issuer: p.issuer,
  issuer_id: p.issuerId,
  subject: p.subject,
  roles: [...p.roles],
  expires_at: new Date(p.exp * 1000).toISOString(),
});

/** What a set of roles of one issuer may do; a pure function of the policy, cached per role set. */
function capabilities(policies: PolicySet, roles: readonly string[], issuerId: string) {
  const caller = { roles, issuerId };
  const access = policies.access;
  const privilege = access.callerPrivilege(caller);
  const purposes = [...privilege.purposes].filter((p) => policies.purposes.has(p)).sort();
  const operations = new Set<string>();
  for (const r of roles) for (const op of policies.roles.get(r)?.operations ?? []) operations.add(op);
  const features = [...policies.dictionary.features.values()]
    .map((f) => ({
      name: f.name,
      category: f.category,
      kind: f.kind,
      purposes: purposes.filter((p) => access.decide(caller, p, 'use', f.category).decision === 'ALLOW'),
    }))
    .filter((f) => f.purposes.length > 0);
  const reidentifyPurposes = [...privilege.reidentifyPurposes].sort();
  const reidentifyFields = [...policies.dictionary.recordTypes.customers.fields.keys()].flatMap((name) => {
    const category = access.fieldCategory(name);
    if (!category) return [];
    const allowed = reidentifyPurposes.filter((p) => access.decide(caller, p, 'reidentify', category).decision === 'ALLOW');
    return allowed.length > 0 ? [{ name, category, purposes: allowed }] : [];
  });
  return {
    operations: [...operations].sort(),
    purposes: purposes.map((id) => ({ id, description: policies.purposes.get(id)!.description })),
    features,
    reidentify_fields: reidentifyFields,
    privilege: {
      export_members: privilege.exportMembers,
      min_group_size: privilege.minGroupSize === Number.MAX_SAFE_INTEGER ? 0 : privilege.minGroupSize,
      reidentify_purposes: reidentifyPurposes,
      four_eyes_fields: [...privilege.fourEyesFields].sort(),
      min_justification: privilege.minJustification === Number.MAX_SAFE_INTEGER ? 0 : privilege.minJustification,
    },
    policy_version: policies.version,
  };
}

export function meRoutes(deps: { policies: PolicySet }) {
  const app = new OpenAPIHono<AppEnv>();
  const cache = new Map<string, ReturnType<typeof capabilities>>();
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/me',
      tags: ['identity'],
      summary: 'The verified identity of the calling token, and what its roles may do',
      security: [{ bearer: [] }],
      middleware: [authorize(deps.policies, 'me.read')] as const,
      responses: { 200: { description: 'Identity and capabilities', content: { 'application/json': { schema: MeSchema } } } },
    }),
    (c) => {
      const p = c.get('principal');
      const key = `${p.issuerId}\u0000${[...p.roles].sort().join('\u0000')}`;
      let caps = cache.get(key);
      if (!caps) {
        caps = capabilities(deps.policies, [...p.roles], p.issuerId);
        if (cache.size < 1000) cache.set(key, caps);
      }
      return c.json({ ...identityOf(p), ...caps }, 200);
    },
  );
  return app;
}
