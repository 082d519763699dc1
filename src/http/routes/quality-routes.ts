// GET /v1/quality: the per-source data-quality scorecard (counts only, no personal data).
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { PolicySet } from '../../policy/load-policies.ts';
import { qualityScorecard, type QualityReader } from '../../quality/quality-scorecard.ts';
import type { AppEnv } from '../app-env.ts';
import { authorize } from '../middleware/authorize.ts';

const Ratio = z.number().nullable();
const ScorecardSchema = z
  .object({
    validity_threshold: z.number(),
    sources: z.array(
      z.object({
        source: z.string(),
        record_type: z.string(),
        batches: z.number(),
        rows: z.number(),
        accepted: z.number(),
        rejected: z.number(),
        validity: Ratio,
        duplicate_rate: Ratio,
        freshness: z.object({ first_batch_at: z.string(), last_batch_at: z.string(), hours_since_last_batch: z.number() }),
        rejected_by_rule: z.record(z.string(), z.number()),
        flagged: z.boolean(),
        fields: z.record(z.string(), z.object({ completeness: Ratio, validity: Ratio, invalid_by_rule: z.record(z.string(), z.number()) })),
      }),
    ),
  })
  .openapi('QualityScorecard');

export function qualityRoutes(deps: { policies: PolicySet; quality: QualityReader; clock: () => number }) {
  const app = new OpenAPIHono<AppEnv>();
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/quality',
      tags: ['quality'],
      summary: 'Data-quality scorecard per source',
      security: [{ bearer: [] }],
      middleware: [authorize(deps.policies, 'quality.read')] as const,
      responses: {
        200: { description: 'Scorecard; a source under the validity threshold is flagged', content: { 'application/json': { schema: ScorecardSchema } } },
      },
    }),
    async (c) => c.json(await qualityScorecard(deps.quality, deps.policies.dictionary.validityThreshold, deps.clock()), 200),
  );
  return app;
}
