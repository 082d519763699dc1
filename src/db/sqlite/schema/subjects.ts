/**
 * The feature store: one row per pseudonymous subject, features only, under a sequential
 * surrogate key so every per-subject table appends; only the pseudonym's unique index and the
 * link index take random keys.
 * Invariant: no direct identifier and no raw quasi-identifier ever lands here; generalized
 * values (age band, area, signup period) replace the raw ones. Time-relative features are
 * stored with their reference day and derived on read.
 */
import { sqliteTable, text, integer, real } from 'drizzle-orm/sqlite-core';

export const subjects = sqliteTable('subjects', {
  /** Never reused (AUTOINCREMENT): an erased subject's shredded vault row keeps its id. */
  id: integer('id').primaryKey({ autoIncrement: true }),
  pseudonym: text('pseudonym').notNull().unique(),
  keyVersion: integer('key_version').notNull(),
  age: integer('age'),
  ageBand: text('age_band'),
  area: text('area'),
  gender: text('gender'),
  csp: text('csp'),
  income: real('income'),
  channelPreference: text('channel_preference'),
  /**
   * Epoch day of the start of the signup period (month, quarter or year, as the dictionary's
   * generalization says): tenure is counted from it, so the exact signup date is never stored.
   */
  tenureSince: integer('tenure_since'),
  firstPurchaseDay: integer('first_purchase_day'),
  lastPurchaseDay: integer('last_purchase_day'),
  frequency: integer('frequency').notNull().default(0),
  monetary: real('monetary').notNull().default(0),
  nWeb: integer('n_web').notNull().default(0),
  nStore: integer('n_store').notNull().default(0),
  nPhone: integer('n_phone').notNull().default(0),
  nApp: integer('n_app').notNull().default(0),
  /** JSON {feature: [source, epoch ms]}: which source last set each feature, and when. */
  provenance: text('provenance').notNull().default('{}'),
  /**
   * The consent state, derived from consent_records: JSON {purpose: [status, legal basis,
   * collected at, expires at, record id]}. In the subject's row, so a customer's consent flags
   * cost no row of their own beyond the history.
   */
  consent: text('consent').notNull().default('{}'),
  createdAt: integer('created_at').notNull(),
  updatedAt: integer('updated_at').notNull(),
});
