/**
 * Data-quality counters per source, record type and field. Invariant: counts and rule codes only.
 */
import { sqliteTable, text, integer, primaryKey } from 'drizzle-orm/sqlite-core';

export const qualityFieldStats = sqliteTable(
  'quality_field_stats',
  {
    source: text('source').notNull(),
    recordType: text('record_type').notNull(),
    field: text('field').notNull(),
    seen: integer('seen').notNull(),
    present: integer('present').notNull(),
    valid: integer('valid').notNull(),
    /** JSON {rule code: count} */
    invalidByRule: text('invalid_by_rule').notNull(),
  },
  (t) => [primaryKey({ columns: [t.source, t.recordType, t.field] })],
);

export const qualitySourceStats = sqliteTable(
  'quality_source_stats',
  {
    source: text('source').notNull(),
    recordType: text('record_type').notNull(),
    batches: integer('batches').notNull(),
    rows: integer('rows').notNull(),
    accepted: integer('accepted').notNull(),
    rejected: integer('rejected').notNull(),
    duplicates: integer('duplicates').notNull(),
    /** JSON {rule code: count} of rejected rows. */
    rejectedByRule: text('rejected_by_rule').notNull(),
    firstBatchAt: integer('first_batch_at').notNull(),
    lastBatchAt: integer('last_batch_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.source, t.recordType] })],
);
