/**
 * Operational key/value state of the gateway (readiness heartbeat, first-start markers).
 * Invariant: never holds personal data.
 */
import { sqliteTable, text, integer } from 'drizzle-orm/sqlite-core';

export const serviceState = sqliteTable('service_state', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
  updatedAt: integer('updated_at', { mode: 'number' }).notNull(),
});
