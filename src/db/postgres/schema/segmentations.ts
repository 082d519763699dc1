/**
 * Segmentation runs, their place in the shared job queue, and their memberships. A run records
 * who asked, for which purpose, under which policy version; members hold pseudonyms only.
 */
import { pgTable, text, integer, doublePrecision, primaryKey, index } from 'drizzle-orm/pg-core';
import { epochMs } from './columns.ts';

export const segmentationRuns = pgTable(
  'segmentation_runs',
  {
    id: text('id').primaryKey(),
    /** issuer id + ':' + token subject of the caller. */
    owner: text('owner').notNull(),
    issuerId: text('issuer_id').notNull(),
    /** JSON array of the caller's roles at request time. */
    roles: text('roles').notNull(),
    purpose: text('purpose').notNull(),
    method: text('method').notNull(),
    /** JSON of the validated request. */
    params: text('params').notNull(),
    status: text('status', { enum: ['queued', 'running', 'succeeded', 'failed'] }).notNull(),
    progress: doublePrecision('progress').notNull().default(0),
    result: text('result'),
    /** JSON {code, message}: a reason for the caller, never internals. */
    error: text('error'),
    policyVersion: text('policy_version').notNull(),
    /** JSON of the privilege the run was made under. */
    privilege: text('privilege'),
    /** JSON of what a worker needs to run it (from the queue, on whichever instance claims it). */
    job: text('job'),
    /** The instance running it, and until when its claim holds (renewed while it runs). */
    claimedBy: text('claimed_by'),
    leaseUntil: epochMs('lease_until'),
    attempts: integer('attempts').notNull().default(0),
    createdAt: epochMs('created_at').notNull(),
    startedAt: epochMs('started_at'),
    finishedAt: epochMs('finished_at'),
  },
  (t) => [index('segmentation_runs_owner').on(t.owner, t.createdAt), index('segmentation_runs_status').on(t.status)],
);

/** A segment's members in pseudonym order, MEMBER_CHUNK slots per row, joined by newlines. */
export const segmentMemberChunks = pgTable(
  'segment_member_chunks',
  {
    runId: text('run_id').notNull(),
    segmentId: text('segment_id').notNull(),
    chunk: integer('chunk').notNull(),
    members: text('members').notNull(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.segmentId, t.chunk] })],
);
