/**
 * Data-subject requests handled by the gateway (access and erasure), one row per request that
 * reached an identifier lookup: the register a DPO keeps, the per-actor daily quota's count, the
 * four-eyes state of access packages holding fields that need a second DPO, and the erasure
 * receipt with its maintenance. Invariant: pseudonyms, field names, counts and the caller's
 * ticket reference only; never an identifier or a delivered value.
 */
import { sqliteTable, text, integer, index } from 'drizzle-orm/sqlite-core';

export const dsrRequests = sqliteTable(
  'dsr_requests',
  {
    id: text('id').primaryKey(),
    kind: text('kind', { enum: ['access', 'erasure'] }).notNull(),
    /** issuer id + ':' + token subject of the DPO who made it. */
    requester: text('requester').notNull(),
    /** The data subject's request as the DPO files it (a ticket reference). */
    reference: text('reference').notNull(),
    identifierType: text('identifier_type').notNull(),
    /** Null when the identifier led to no one (not found, erased, shared). */
    pseudonym: text('pseudonym'),
    status: text('status', { enum: ['completed', 'pending_approval', 'approved', 'denied', 'delivered', 'not_found', 'ambiguous'] }).notNull(),
    /** JSON array of field names held back until a second DPO approves. */
    withheld: text('withheld').notNull().default('[]'),
    decidedBy: text('decided_by'),
    decidedAt: integer('decided_at'),
    deliveredAt: integer('delivered_at'),
    /** Erasure: JSON receipt of what was removed (counts only), updated by runs that were in flight. */
    receipt: text('receipt'),
    /** Erasure: JSON {wal_compaction, completed_at, delay_ms} of the maintenance that follows the commit. */
    maintenance: text('maintenance'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('dsr_requests_requester_at').on(t.requester, t.createdAt), index('dsr_requests_pseudonym').on(t.pseudonym)],
);
