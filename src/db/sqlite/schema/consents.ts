/**
 * Consent registry. `consent_records` is the append-only history (a trigger refuses UPDATE
 * and DELETE); `consent_state` is derived from it: the latest record per subject and purpose
 * by collection time, kept in step on every append so reads need no aggregation; it is
 * WITHOUT ROWID (migration 0011) since every customer row with consent flags writes it.
 * Invariant: pseudonyms only.
 */
import { sqliteTable, text, integer, index, primaryKey } from 'drizzle-orm/sqlite-core';

export const consentRecords = sqliteTable('consent_records', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  pseudonym: text('pseudonym').notNull(),
  purpose: text('purpose').notNull(),
  status: text('status', { enum: ['granted', 'denied', 'withdrawn'] }).notNull(),
  legalBasis: text('legal_basis').notNull(),
  source: text('source').notNull(),
  collectedAt: integer('collected_at').notNull(),
  expiresAt: integer('expires_at'),
  noticeVersion: text('notice_version'),
  recordedAt: integer('recorded_at').notNull(),
  recordedBy: text('recorded_by').notNull(),
}, (t) => [index('consent_records_subject').on(t.pseudonym, t.purpose)]);

export const consentState = sqliteTable('consent_state', {
  pseudonym: text('pseudonym').notNull(),
  purpose: text('purpose').notNull(),
  status: text('status', { enum: ['granted', 'denied', 'withdrawn'] }).notNull(),
  legalBasis: text('legal_basis').notNull(),
  collectedAt: integer('collected_at').notNull(),
  expiresAt: integer('expires_at'),
  recordId: integer('record_id').notNull(),
}, (t) => [primaryKey({ columns: [t.pseudonym, t.purpose] })]);
