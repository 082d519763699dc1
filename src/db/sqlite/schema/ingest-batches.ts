/**
 * One row per accepted ingest call, holding the answer given, so an Idempotency-Key retry
 * gets the same answer. Invariant: answers list row numbers, fields and rule codes only.
 */
import { sqliteTable, text, integer, uniqueIndex } from 'drizzle-orm/sqlite-core';

export const ingestBatches = sqliteTable(
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
    createdAt: integer('created_at').notNull(),
  },
  (t) => [uniqueIndex('ingest_batches_idempotency').on(t.source, t.recordType, t.idempotencyKey)],
);
