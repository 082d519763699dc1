/**
 * The audit log: append-only (triggers refuse UPDATE and DELETE), hash-chained with an HMAC
 * under the audit key, one row per access to personal data or decision about it.
 * Invariant: pseudonyms only, never a raw identifier; justifications are the caller's words.
 */
import { sqliteTable, text, integer, index } from 'drizzle-orm/sqlite-core';

export const auditLog = sqliteTable(
  'audit_log',
  {
    seq: integer('seq').primaryKey(),
    at: integer('at').notNull(),
    actorIssuer: text('actor_issuer').notNull(),
    actorSubject: text('actor_subject').notNull(),
    roles: text('roles').notNull(),
    action: text('action').notNull(),
    outcome: text('outcome').notNull(),
    purpose: text('purpose'),
    justification: text('justification'),
    /** JSON array of pseudonyms concerned. */
    subjects: text('subjects').notNull(),
    policyVersion: text('policy_version').notNull(),
    requestId: text('request_id'),
    /** JSON of non-personal details (counts, ids, reason codes). */
    detail: text('detail').notNull(),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
  },
  (t) => [index('audit_log_actor_at').on(t.actorIssuer, t.actorSubject, t.at), index('audit_log_action_at').on(t.action, t.at)],
);
