// Data-quality counters per source and field (quality_field_stats, quality_source_stats), and the
// GET /v1/quality scorecard built on them: counts and rule codes only, never a value.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem } from './helpers/problem.ts';
import { ingestClient, type IngestClient } from './helpers/ingest.ts';
import { testGateway, type TestGateway } from './helpers/test-gateway.ts';

const CLOCK = Date.UTC(2026, 0, 15, 8);
const HOUR = 3_600_000;

interface FieldStats {
  seen: number;
  present: number;
  valid: number;
  invalid_by_rule: string;
}
interface SourceStats {
  batches: number;
  rows: number;
  accepted: number;
  rejected: number;
  duplicates: number;
  rejected_by_rule: string;
  first_batch_at: number;
  last_batch_at: number;
}

describe('data quality counters', () => {
  let gw: TestGateway;
  let client: IngestClient;
  const json = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v) as Record<string, number>;
  const field = async (source: string, type: string, name: string) => {
    const r = await gw.db.get<FieldStats>(
      'SELECT seen, present, valid, invalid_by_rule FROM quality_field_stats WHERE source = ? AND record_type = ? AND field = ?',
      source,
      type,
      name,
    );
    return r && { ...r, invalid_by_rule: json(r.invalid_by_rule) };
  };
  const source = async (s: string, type: string) => {
    const r = await gw.db.get<SourceStats>('SELECT * FROM quality_source_stats WHERE source = ? AND record_type = ?', s, type);
    return r && { ...r, rejected_by_rule: json(r.rejected_by_rule) };
  };

  beforeAll(async () => {
    gw = await testGateway({ clockStart: CLOCK });
    client = await ingestClient(gw);
  });
  afterAll(() => gw.cleanup());

  it('one batch: completeness, validity and rejections per field and per source', async () => {
    const a = await client.ingest('bad-crm', 'customers', [
      { customer_id: 'Q1', email: 'q1@example.test', gender: 'f' },
      { customer_id: 'Q2', email: 'q2-pas-valide' },
      { customer_id: 'Q3' },
      { email: 'q4@example.test', gender: 'zz' },
    ]);
    expect(a).toMatchObject({ accepted: 2, rejected: 2 });
    expect(await field('bad-crm', 'customers', 'email')).toEqual({ seen: 4, present: 3, valid: 2, invalid_by_rule: { format: 1 } });
    expect(await field('bad-crm', 'customers', 'customer_id')).toEqual({ seen: 4, present: 3, valid: 3, invalid_by_rule: { required: 1 } });
    expect(await field('bad-crm', 'customers', 'gender')).toEqual({ seen: 4, present: 2, valid: 1, invalid_by_rule: { enum: 1 } });
    expect(await field('bad-crm', 'customers', 'iban')).toEqual({ seen: 4, present: 0, valid: 0, invalid_by_rule: {} });
    expect(await source('bad-crm', 'customers')).toEqual({
      source: 'bad-crm',
      record_type: 'customers',
      batches: 1,
      rows: 4,
      accepted: 2,
      rejected: 2,
      duplicates: 0,
      rejected_by_rule: { format: 1, required: 1, enum: 1 },
      first_batch_at: CLOCK,
      last_batch_at: CLOCK,
    });
  });

  it('a second batch adds to the counters, merges rule counts and moves last_batch_at only', async () => {
    gw.advance(2 * HOUR);
    await client.ingest(
      'bad-crm',
      'customers',
      [
        { customer_id: 'Q5', email: 'q5@example.test' },
        { customer_id: 'Q5', email: 'Q5@example.test' },
        { customer_id: 'Q6', email: 'encore-faux' },
      ],
      'csv',
    );
    expect(await field('bad-crm', 'customers', 'email')).toEqual({ seen: 7, present: 6, valid: 4, invalid_by_rule: { format: 2 } });
    expect(await source('bad-crm', 'customers')).toMatchObject({
      batches: 2,
      rows: 7,
      accepted: 4,
      rejected: 3,
      duplicates: 1,
      rejected_by_rule: { format: 2, required: 1, enum: 1 },
      first_batch_at: CLOCK,
      last_batch_at: CLOCK + 2 * HOUR,
    });
  });

  it('transactions: unknown subjects and duplicates are counted per source, apart from customers', async () => {
    await client.ingest('good-shop', 'customers', [{ customer_id: 'G1', email: 'g1@example.test' }]);
    await client.ingest('good-shop', 'transactions', [
      { email: 'g1@example.test', date: '2026-01-10', amount: 5, channel: 'web', transaction_id: 'X1' },
      { email: 'g1@example.test', date: '2026-01-10', amount: 5, channel: 'web', transaction_id: 'X1' },
      { email: 'nobody@example.test', date: '2026-01-10', amount: 5, channel: 'web' },
    ]);
    expect(await source('good-shop', 'transactions')).toMatchObject({
      batches: 1,
      rows: 3,
      rejected: 1,
      duplicates: 1,
      rejected_by_rule: { unknown_subject: 1 },
    });
    expect(await source('good-shop', 'customers')).toMatchObject({ batches: 1, rows: 1, accepted: 1, rejected: 0 });
  });

  it('the quality tables hold counts and rule codes only', async () => {
    const dump = JSON.stringify(await gw.db.all('SELECT * FROM quality_field_stats')) + JSON.stringify(await gw.db.all('SELECT * FROM quality_source_stats'));
    for (const v of ['q1@', 'q2-pas-valide', 'encore-faux', 'zz', 'nobody@', 'X1', 'Q5']) expect(dump).not.toContain(v);
  });

  it('GET /v1/quality (dpo, admin) reports the scorecard and flags a source under the validity threshold', async () => {
    gw.advance(HOUR);
    for (const role of ['dpo', 'admin']) {
      const res = await gw.request('/v1/quality', { token: await gw.mint([role]) });
      expect(res.status).toBe(200);
      const card = (await res.json()) as {
        validity_threshold: number;
        sources: {
          source: string;
          record_type: string;
          rows: number;
          validity: number | null;
          duplicate_rate: number | null;
          flagged: boolean;
          freshness: { first_batch_at: string; last_batch_at: string; hours_since_last_batch: number };
          rejected_by_rule: Record<string, number>;
          fields: Record<string, { completeness: number | null; validity: number | null; invalid_by_rule: Record<string, number> }>;
        }[];
      };
      expect(card.validity_threshold).toBe(0.95);
      const bad = card.sources.find((s) => s.source === 'bad-crm' && s.record_type === 'customers')!;
      expect(bad).toMatchObject({ rows: 7, flagged: true, rejected_by_rule: { format: 2, required: 1, enum: 1 } });
      expect(bad.validity).toBeCloseTo(4 / 7, 3);
      expect(bad.duplicate_rate).toBeCloseTo(1 / 7, 3);
      expect(bad.freshness).toEqual({
        first_batch_at: new Date(CLOCK).toISOString(),
        last_batch_at: new Date(CLOCK + 2 * HOUR).toISOString(),
        hours_since_last_batch: 1,
      });
      expect(bad.fields['email']!.completeness).toBeCloseTo(6 / 7, 3);
      expect(bad.fields['email']!.validity).toBeCloseTo(4 / 6, 3);
      expect(bad.fields['iban']!.validity).toBeNull();
      const good = card.sources.find((s) => s.source === 'good-shop' && s.record_type === 'customers')!;
      expect(good).toMatchObject({ validity: 1, flagged: false });
      const text = JSON.stringify(card);
      for (const v of ['q1@', 'q2-pas-valide', 'encore-faux', 'nobody@']) expect(text).not.toContain(v);
    }
  });

  it('GET /v1/quality is refused to ingest and marketing tokens (403) and without a token (401)', async () => {
    for (const role of ['ingest', 'marketing']) {
      await expectProblem(await gw.request('/v1/quality', { token: await gw.mint([role]) }), 403, 'auth.forbidden');
    }
    await expectProblem(await gw.request('/v1/quality'), 401, 'auth.invalid_token');
  });
});
