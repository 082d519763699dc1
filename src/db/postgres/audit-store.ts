// The audit log on PostgreSQL. Appends from every instance take one transaction-scoped advisory
// lock, so the chain is one gapless, totally ordered sequence; the lock is released at commit.
import type { AuditEntry } from '../../audit/audit-entry.ts';
import type { AuditFilter, AuditQuery, AuditStore } from '../../audit/audit-store.ts';
import { keysetEntries, keysetPages } from '../audit-pages.ts';
import type { Db } from './db.ts';
import { LOCKS } from './migrate.ts';

const COLUMNS = `seq, at, actor_issuer AS "actorIssuer", actor_subject AS "actorSubject", roles, action, outcome, purpose, justification,
  subjects, policy_version AS "policyVersion", request_id AS "requestId", detail, prev_hash AS "prevHash", hash`;

function where(q: AuditFilter, params: unknown[]): string {
  const w: string[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  if (q.from !== undefined) w.push(`at >= ${p(q.from)}`);
  if (q.to !== undefined) w.push(`at < ${p(q.to)}`);
  if (q.actor !== undefined) w.push(`(actor_issuer || ':' || actor_subject) = ${p(q.actor)}`);
  if (q.action !== undefined) w.push(`action = ${p(q.action)}`);
  if (q.outcome !== undefined) w.push(`outcome = ${p(q.outcome)}`);
  if (q.subject !== undefined) w.push(`subjects::jsonb ? ${p(q.subject)}`);
  if (q.afterSeq !== undefined) w.push(`seq > ${p(q.afterSeq)}`);
  if (q.throughSeq !== undefined) w.push(`seq <= ${p(q.throughSeq)}`);
  return w.length ? 'WHERE ' + w.join(' AND ') : '';
}

export function pgAuditStore(db: Db): AuditStore {
  const query = (q: AuditQuery): Promise<AuditEntry[]> => {
    const params: unknown[] = [];
    const w = where(q, params);
    params.push(q.limit);
    return db.rows<AuditEntry>(`SELECT ${COLUMNS} FROM audit_log ${w} ORDER BY seq LIMIT $${params.length}`, params);
  };
  return {
    lockChain: async () => {
      if (!db.inside) throw new Error('the audit chain is locked inside a unit of work only');
      await db.run('SELECT pg_advisory_xact_lock($1, $2)', LOCKS.auditChain);
    },
    last: () => db.one<{ seq: number; hash: string }>('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1'),
    hashAt: async (seq) => (await db.one<{ hash: string }>('SELECT hash FROM audit_log WHERE seq = $1', [seq]))?.hash,
    insert: async (e) =>
      void (await db.run(
        `INSERT INTO audit_log (seq, at, actor_issuer, actor_subject, roles, action, outcome, purpose, justification,
         subjects, policy_version, request_id, detail, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
        [
          e.seq,
          e.at,
          e.actorIssuer,
          e.actorSubject,
          e.roles,
          e.action,
          e.outcome,
          e.purpose,
          e.justification,
          e.subjects,
          e.policyVersion,
          e.requestId,
          e.detail,
          e.prevHash,
          e.hash,
        ],
      )),
    iterate: (q = {}) => keysetEntries(query, q),
    pages: (q, size) => keysetPages(query, q, size),
    query,
    seqs: async (q) => {
      const params: unknown[] = [];
      const w = where(q, params);
      params.push(q.limit);
      return (await db.rows<{ seq: number }>(`SELECT seq FROM audit_log ${w} ORDER BY seq LIMIT $${params.length}`, params)).map((r) => Number(r.seq));
    },
    reidentifiedSince: async (iss, sub, since) => {
      const r = await db.one<{ n: number }>(
        `SELECT coalesce(sum(jsonb_array_length(subjects::jsonb)), 0)::int AS n FROM audit_log WHERE actor_issuer = $1 AND actor_subject = $2
         AND at >= $3 AND action = 'reidentification.request' AND outcome IN ('granted', 'pending')`,
        [iss, sub, since],
      );
      return r?.n ?? 0;
    },
    aboutSubject: (pseudonym, actions) =>
      db.rows<AuditEntry>(
        `SELECT ${COLUMNS} FROM audit_log WHERE subjects::jsonb ? $1 ${actions.length ? 'AND action = ANY($2::text[])' : ''} ORDER BY seq`,
        actions.length ? [pseudonym, actions] : [pseudonym],
      ),
  };
}
