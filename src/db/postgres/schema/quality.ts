/**
 * Data quality counters per source, record type and field, accumulated by ingest (merged in
 * SQL, so concurrent batches from several instances add up). Invariant: counts only.
 */
import { pgTable, text, bigint, jsonb, primaryKey } from 'drizzle-orm/pg-core';
import { epochMs } from './columns.ts';

const count = (name: string) => bigint(name, { mode: 'number' });

export const qualityFieldStats = pgTable(
  'quality_field_stats',
  {
    source: text('source').notNull(),
    recordType: text('record_type').notNull(),
    field: text('field').notNull(),
    seen: count('seen').notNull(),
    present: count('present').notNull(),
    valid: count('valid').notNull(),
    /** {rule code: count} */
    invalidByRule: jsonb('invalid_by_rule').notNull(),
  },
  (t) => [primaryKey({ columns: [t.source, t.recordType, t.field] })],
);

export const qualitySourceStats = pgTable(
  'quality_source_stats',
  {
    source: text('source').notNull(),
    recordType: text('record_type').notNull(),
    batches: count('batches').notNull(),
    rows: count('rows').notNull(),
    accepted: count('accepted').notNull(),
    rejected: count('rejected').notNull(),
    duplicates: count('duplicates').notNull(),
    /** {rule code: count} of rejected rows. */
    rejectedByRule: jsonb('rejected_by_rule').notNull(),
    firstBatchAt: epochMs('first_batch_at').notNull(),
    lastBatchAt: epochMs('last_batch_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.source, t.recordType] })],
);
