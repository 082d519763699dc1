/**
 * The feature store: one row per pseudonymous subject under a sequential surrogate key (an
 * identity, never reused), so every per-subject table appends; only the pseudonym's unique index
 * and the link index take random keys.
 * Invariant: no direct identifier and no raw quasi-identifier ever lands here; generalized values
 * replace the raw ones; time-relative features are stored with their reference day.
 */
import { sql } from 'drizzle-orm';
import { pgTable, text, integer, doublePrecision, jsonb, bigint } from 'drizzle-orm/pg-core';
import { epochMs } from './columns.ts';

export const subjects = pgTable('subjects', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
  pseudonym: text('pseudonym').notNull().unique(),
  keyVersion: integer('key_version').notNull(),
  age: integer('age'),
  ageBand: text('age_band'),
  area: text('area'),
  gender: text('gender'),
  csp: text('csp'),
  income: doublePrecision('income'),
  channelPreference: text('channel_preference'),
  /** Epoch day of the start of the signup period: tenure is counted from it, the exact date is never stored. */
  tenureSince: integer('tenure_since'),
  firstPurchaseDay: integer('first_purchase_day'),
  lastPurchaseDay: integer('last_purchase_day'),
  frequency: integer('frequency').notNull().default(0),
  monetary: doublePrecision('monetary').notNull().default(0),
  nWeb: integer('n_web').notNull().default(0),
  nStore: integer('n_store').notNull().default(0),
  nPhone: integer('n_phone').notNull().default(0),
  nApp: integer('n_app').notNull().default(0),
  /** {feature: [source, epoch ms]}: which source last set each feature, and when. */
  provenance: jsonb('provenance')
    .notNull()
    .default(sql`'{}'::jsonb`),
  /** The consent state derived from consent_records: {purpose: [status, legal basis, collected at, expires at, record id]}. */
  consent: jsonb('consent')
    .notNull()
    .default(sql`'{}'::jsonb`),
  createdAt: epochMs('created_at').notNull(),
  updatedAt: epochMs('updated_at').notNull(),
});
