/**
 * Purchases per subject (pseudonym only), the raw material of behaviour features.
 * Invariant: no identifier; a source's transaction id is kept only to refuse duplicates.
 */
import { sqliteTable, text, integer, real, uniqueIndex, index } from 'drizzle-orm/sqlite-core';
import { subjectFeatures } from './subjects.ts';

export const transactions = sqliteTable('transactions', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  pseudonym: text('pseudonym').notNull().references(() => subjectFeatures.pseudonym, { onDelete: 'cascade' }),
  source: text('source').notNull(),
  sourceTxnId: text('source_txn_id'),
  day: integer('day').notNull(),
  amount: real('amount').notNull(),
  currency: text('currency').notNull(),
  channel: text('channel', { enum: ['web', 'store', 'phone', 'app'] }).notNull(),
  category: text('category'),
  batchId: text('batch_id').notNull(),
}, (t) => [
  uniqueIndex('transactions_source_txn').on(t.source, t.sourceTxnId),
  index('transactions_pseudonym').on(t.pseudonym),
]);
