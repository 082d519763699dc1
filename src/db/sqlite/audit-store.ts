// SQLite storage of the audit chain. One writer at a time holds the database: that lock is the
// chain's, so lockChain has nothing more to take.
import type Database from 'better-sqlite3';
import type { AuditEntry } from '../../audit/audit-entry.ts';
import type { AuditFilter, AuditQuery, AuditStore } from '../../audit/audit-store.ts';
import { keysetEntries, keysetPages } from '../audit-pages.ts';

const COLUMNS = `seq, at, actor_issuer AS actorIssuer, actor_subject AS actorSubject, roles, action, outcome, purpose, justification,
  subjects, policy_version AS policyVersion, request_id AS requestId, detail, prev_hash AS prevHash, hash`;

function where(q: AuditFilter): { sql: string; params: Record<string, unknown> } {
  const w: string[] = [];
  const p: Record<string, unknown> = {};
  if (q.from !== undefined) {
    w.push('at >= @from');
    p['from'] = q.from;
  }
  if (q.to !== undefined) {
    w.push('at < @to');
    p['to'] = q.to;
  }
  if (q.actor !== undefined) {
    w.push("(actor_issuer || ':' || actor_subject) = @actor");
    p['actor'] = q.actor;
  }
  if (q.action !== undefined) {
    w.push('action = @action');
    p['action'] = q.action;
  }
  if (q.outcome !== undefined) {
    w.push('outcome = @outcome');
    p['outcome'] = q.outcome;
  }
  if (q.subject !== undefined) {
    w.push('EXISTS (SELECT 1 FROM json_each(subjects) WHERE value = @subject)');
    p['subject'] = q.subject;
  }
  if (q.afterSeq !== undefined) {
    w.push('seq > @afterSeq');
    p['afterSeq'] = q.afterSeq;
  }
  if (q.throughSeq !== undefined) {
    w.push('seq <= @throughSeq');
    p['throughSeq'] = q.throughSeq;
  }
  return { sql: w.length ? 'WHERE ' + w.join(' AND ') : '', params: p };
}

export function sqliteAuditStore(sqlite: Database.Database): AuditStore {
  const st = {
    last: sqlite.prepare<[], { seq: number; hash: string }>('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1'),
    hashAt: sqlite.prepare<[number], { hash: string }>('SELECT hash FROM audit_log WHERE seq = ?'),
    insert: sqlite.prepare(`INSERT INTO audit_log (seq, at, actor_issuer, actor_subject, roles, action, outcome, purpose, justification,
      subjects, policy_version, request_id, detail, prev_hash, hash) VALUES (@seq, @at, @actorIssuer, @actorSubject, @roles, @action,
      @outcome, @purpose, @justification, @subjects, @policyVersion, @requestId, @detail, @prevHash, @hash)`),
    reid: sqlite.prepare<[string, string, number], { subjects: string }>(
      `SELECT subjects FROM audit_log WHERE actor_issuer = ? AND actor_subject = ? AND at >= ?
       AND action = 'reidentification.request' AND outcome IN ('granted', 'pending')`,
    ),
  };
  const query = async (q: AuditQuery): Promise<AuditEntry[]> => {
    const w = where(q);
    return sqlite.prepare(`SELECT ${COLUMNS} FROM audit_log ${w.sql} ORDER BY seq LIMIT @limit`).all({ ...w.params, limit: q.limit }) as AuditEntry[];
  };
  return {
    lockChain: async () => {},
    last: async () => st.last.get(),
    hashAt: async (seq) => st.hashAt.get(seq)?.hash,
    insert: async (e) => void st.insert.run(e),
    // In pages by seq: the connection is shared, so no statement stays open across an await.
    iterate: (q = {}) => keysetEntries(query, q),
    pages: (q, size) => keysetPages(query, q, size),
    query,
    seqs: async (q) => {
      const w = where(q);
      return (sqlite.prepare(`SELECT seq FROM audit_log ${w.sql} ORDER BY seq LIMIT @limit`).all({ ...w.params, limit: q.limit }) as { seq: number }[]).map(
        (r) => r.seq,
      );
    },
    reidentifiedSince: async (iss, sub, since) => st.reid.all(iss, sub, since).reduce((n, r) => n + (JSON.parse(r.subjects) as unknown[]).length, 0),
    aboutSubject: async (pseudonym, actions) =>
      sqlite
        .prepare(
          `SELECT ${COLUMNS} FROM audit_log WHERE instr(subjects, @q) > 0 ${actions.length ? `AND action IN (${actions.map((_, i) => '@a' + i).join(', ')})` : ''} ORDER BY seq`,
        )
        .all({ q: JSON.stringify(pseudonym), ...Object.fromEntries(actions.map((a, i) => ['a' + i, a])) }) as AuditEntry[],
  };
}
