/**
 * The feature store: one row per pseudonymous subject, features only.
 * Invariant: no direct identifier and no raw quasi-identifier ever lands here; the key is the
 * keyed pseudonym, generalized values (age band, area) replace the raw ones. Time-relative
 * features are stored with their reference day and derived on read.
 * WITHOUT ROWID (migration 0002): keyed by the random pseudonym, one B-tree instead of two.
 */
import { sqliteTable, text, integer, real } from 'drizzle-orm/sqlite-core';

export const subjectFeatures = sqliteTable('subject_features', {
  pseudonym: text('pseudonym').primaryKey(),
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
  createdAt: integer('created_at').notNull(),
  updatedAt: integer('updated_at').notNull(),
});
