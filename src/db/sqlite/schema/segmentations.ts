/**
 * Segmentation runs and their memberships. A run records who asked, for which purpose,
 * under which policy version and consent snapshot; members hold pseudonyms only, and only
 * for visible (not suppressed) segments.
 */
import { sqliteTable, text, integer, real, primaryKey, index } from 'drizzle-orm/sqlite-core';

export const segmentationRuns = sqliteTable(
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
    progress: real('progress').notNull().default(0),
    result: text('result'),
    /** JSON {code, message}: a reason for the caller, never internals. */
    error: text('error'),
    policyVersion: text('policy_version').notNull(),
    /**
     * JSON of the privilege the run was made under (minimum group size, partner scoping, features
     * read and shown): a reader or exporter gets the stricter of it and their own.
     */
    privilege: text('privilege'),
    /** JSON of what a worker needs to run it (from the queue, on whichever instance claims it). */
    job: text('job'),
    /** The instance running it, and until when its claim holds (renewed while it runs). */
    claimedBy: text('claimed_by'),
    leaseUntil: integer('lease_until'),
    attempts: integer('attempts').notNull().default(0),
    createdAt: integer('created_at').notNull(),
    startedAt: integer('started_at'),
    finishedAt: integer('finished_at'),
  },
  (t) => [index('segmentation_runs_owner').on(t.owner, t.createdAt), index('segmentation_runs_status').on(t.status)],
);

/**
 * A segment's members in pseudonym order, MEMBER_CHUNK (src/db/member-chunks.ts) slots per row, joined by newlines: a
 * 1M-member run is ~1000 rows instead of 1M, and a page at any offset is one keyed lookup.
 * An erased subject's slot is left empty, so offsets handed out as cursors stay valid.
 */
export const segmentMemberChunks = sqliteTable(
  'segment_member_chunks',
  {
    runId: text('run_id').notNull(),
    segmentId: text('segment_id').notNull(),
    chunk: integer('chunk').notNull(),
    members: text('members').notNull(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.segmentId, t.chunk] })],
);
