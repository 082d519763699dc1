/**
 * The audit log: append-only (triggers refuse UPDATE, DELETE and TRUNCATE), hash-chained with an
 * HMAC under the audit key; appends from every instance take one advisory lock in the action's
 * transaction, so the chain stays gapless and totally ordered.
 * Invariant: pseudonyms only, never a raw identifier; justifications are the caller's words.
 */
import { pgTable, text, bigint, index } from 'drizzle-orm/pg-core';
import { epochMs } from './columns.ts';

export const auditLog = pgTable(
  'audit_log',
  {
    seq: bigint('seq', { mode: 'number' }).primaryKey(),
    at: epochMs('at').notNull(),
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
