/**
 * Operational key/value state of the gateway (readiness heartbeat, first-start markers).
 * Invariant: never holds personal data.
 */
import { pgTable, text } from 'drizzle-orm/pg-core';
import { epochMs } from './columns.ts';

export const serviceState = pgTable('service_state', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
  updatedAt: epochMs('updated_at').notNull(),
});
