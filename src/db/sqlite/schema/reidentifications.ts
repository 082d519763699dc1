/**
 * Re-identification requests. Invariant: pseudonyms and field names only; the revealed
 * values are never stored here, they are decrypted from the vault at delivery.
 */
import { sqliteTable, text, integer } from 'drizzle-orm/sqlite-core';

export const reidentificationRequests = sqliteTable('reidentification_requests', {
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
  decidedAt: integer('decided_at'),
  deliveredAt: integer('delivered_at'),
  createdAt: integer('created_at').notNull(),
});
