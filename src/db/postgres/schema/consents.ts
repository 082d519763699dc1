/**
 * Consent registry: `consent_records` is the append-only history (triggers refuse UPDATE and
 * TRUNCATE, and DELETE but of an erased subject's records); the state it derives lives in the
 * subject's row (subjects.consent). Invariant: subject ids only.
 */
import { pgTable, text, index, bigint } from 'drizzle-orm/pg-core';
import { epochMs, id } from './columns.ts';

export const consentRecords = pgTable(
  'consent_records',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    subjectId: id('subject_id').notNull(),
    purpose: text('purpose').notNull(),
    status: text('status', { enum: ['granted', 'denied', 'withdrawn'] }).notNull(),
    legalBasis: text('legal_basis').notNull(),
    source: text('source').notNull(),
    collectedAt: epochMs('collected_at').notNull(),
    expiresAt: epochMs('expires_at'),
    noticeVersion: text('notice_version'),
    recordedAt: epochMs('recorded_at').notNull(),
    recordedBy: text('recorded_by').notNull(),
  },
  (t) => [index('consent_records_subject').on(t.subjectId, t.purpose)],
);
