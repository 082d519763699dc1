/**
 * Purchases per subject (subject id only), the raw material of behaviour features.
 * Invariant: no identifier; a source's transaction id is kept only to refuse duplicates.
 */
import { sqliteTable, text, integer, real, uniqueIndex, index } from 'drizzle-orm/sqlite-core';
import { subjects } from './subjects.ts';

export const transactions = sqliteTable(
  'transactions',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    subjectId: integer('subject_id')
      .notNull()
      .references(() => subjects.id, { onDelete: 'cascade' }),
    source: text('source').notNull(),
    sourceTxnId: text('source_txn_id'),
    day: integer('day').notNull(),
    amount: real('amount').notNull(),
    currency: text('currency').notNull(),
    channel: text('channel', { enum: ['web', 'store', 'phone', 'app'] }).notNull(),
    category: text('category'),
    batchId: text('batch_id').notNull(),
  },
  (t) => [uniqueIndex('transactions_source_txn').on(t.source, t.sourceTxnId), index('transactions_subject').on(t.subjectId)],
);
