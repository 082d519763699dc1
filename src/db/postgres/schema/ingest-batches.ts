/**
 * One row per ingest request: its answer, kept for idempotent replays. Invariant: counts and
 * row errors only (error messages never hold values).
 */
import { pgTable, text, integer, uniqueIndex } from 'drizzle-orm/pg-core';
import { epochMs } from './columns.ts';

export const ingestBatches = pgTable(
  'ingest_batches',
  {
    batchId: text('batch_id').primaryKey(),
    source: text('source').notNull(),
    recordType: text('record_type').notNull(),
    idempotencyKey: text('idempotency_key'),
    /** Keyed HMAC of the body: the same key with another body is a conflict, not a replay. */
    requestHash: text('request_hash').notNull(),
    accepted: integer('accepted').notNull(),
    rejected: integer('rejected').notNull(),
    response: text('response').notNull(),
    actor: text('actor').notNull(),
    createdAt: epochMs('created_at').notNull(),
  },
  (t) => [uniqueIndex('ingest_batches_idempotency').on(t.source, t.recordType, t.idempotencyKey)],
);
