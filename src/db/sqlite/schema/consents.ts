/**
 * Consent registry: `consent_records` is the append-only history (triggers refuse UPDATE, and
 * DELETE but of an erased subject's records). The state it derives lives in the subject's row
 * (subjects.consent), kept in step on every append so reads need no aggregation.
 * Invariant: subject ids only.
 */
import { sqliteTable, text, integer, index } from 'drizzle-orm/sqlite-core';

export const consentRecords = sqliteTable(
  'consent_records',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    subjectId: integer('subject_id').notNull(),
    purpose: text('purpose').notNull(),
    status: text('status', { enum: ['granted', 'denied', 'withdrawn'] }).notNull(),
    legalBasis: text('legal_basis').notNull(),
    source: text('source').notNull(),
    collectedAt: integer('collected_at').notNull(),
    expiresAt: integer('expires_at'),
    noticeVersion: text('notice_version'),
    recordedAt: integer('recorded_at').notNull(),
    recordedBy: text('recorded_by').notNull(),
  },
  (t) => [index('consent_records_subject').on(t.subjectId, t.purpose)],
);
