/**
 * Data-subject requests as the DPOs filed them, their four-eyes decisions and receipts.
 * Invariant: the identifier itself is never stored (its type only), nor any delivered value.
 */
import { pgTable, text, index } from 'drizzle-orm/pg-core';
import { epochMs } from './columns.ts';

export const dsrRequests = pgTable(
  'dsr_requests',
  {
    id: text('id').primaryKey(),
    kind: text('kind', { enum: ['access', 'erasure'] }).notNull(),
    requester: text('requester').notNull(),
    reference: text('reference').notNull(),
    identifierType: text('identifier_type').notNull(),
    pseudonym: text('pseudonym'),
    status: text('status', { enum: ['completed', 'pending_approval', 'approved', 'denied', 'delivered', 'not_found', 'ambiguous'] }).notNull(),
    withheld: text('withheld').notNull().default('[]'),
    decidedBy: text('decided_by'),
    decidedAt: epochMs('decided_at'),
    deliveredAt: epochMs('delivered_at'),
    receipt: text('receipt'),
    maintenance: text('maintenance'),
    createdAt: epochMs('created_at').notNull(),
  },
  (t) => [index('dsr_requests_requester_at').on(t.requester, t.createdAt), index('dsr_requests_pseudonym').on(t.pseudonym)],
);
