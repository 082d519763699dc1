/**
 * Re-identification requests. Invariant: pseudonyms and field names only; revealed values are
 * never stored here, they are decrypted from the vault at delivery.
 */
import { pgTable, text, index } from 'drizzle-orm/pg-core';
import { epochMs } from './columns.ts';

export const reidentificationRequests = pgTable(
  'reidentification_requests',
  {
    id: text('id').primaryKey(),
    requester: text('requester').notNull(),
    issuerId: text('issuer_id').notNull(),
    roles: text('roles').notNull(),
    purpose: text('purpose').notNull(),
    justification: text('justification').notNull(),
    pseudonyms: text('pseudonyms').notNull(),
    fields: text('fields').notNull(),
    status: text('status', { enum: ['pending_approval', 'approved', 'denied', 'delivered'] }).notNull(),
    decidedBy: text('decided_by'),
    decidedAt: epochMs('decided_at'),
    deliveredAt: epochMs('delivered_at'),
    createdAt: epochMs('created_at').notNull(),
  },
  (t) => [index('reidentification_requests_requester_at').on(t.requester, t.createdAt)],
);
