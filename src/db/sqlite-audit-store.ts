// SQLite storage of the audit chain.
import type Database from 'better-sqlite3';
import { immediate } from './immediate.ts';
import type { AuditEntry } from '../audit/audit-entry.ts';
import type { AuditQuery, AuditStore } from '../audit/audit-store.ts';

const COLUMNS = `seq, at, actor_issuer AS actorIssuer, actor_subject AS actorSubject, roles, action, outcome, purpose, justification,
  subjects, policy_version AS policyVersion, request_id AS requestId, detail, prev_hash AS prevHash, hash`;

export function sqliteAuditStore(sqlite: Database.Database): AuditStore {
  const st = {
    last: sqlite.prepare<[], { seq: number; hash: string }>('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1'),
    hashAt: sqlite.prepare<[number], { hash: string }>('SELECT hash FROM audit_log WHERE seq = ?'),
    insert: sqlite.prepare(`INSERT INTO audit_log (seq, at, actor_issuer, actor_subject, roles, action, outcome, purpose, justification,
      subjects, policy_version, request_id, detail, prev_hash, hash) VALUES (@seq, @at, @actorIssuer, @actorSubject, @roles, @action,
      @outcome, @purpose, @justification, @subjects, @policyVersion, @requestId, @detail, @prevHash, @hash)`),
    all: sqlite.prepare<[], AuditEntry>(`SELECT ${COLUMNS} FROM audit_log ORDER BY seq`),
    reid: sqlite.prepare<[string, string, number], { subjects: string }>(
      `SELECT subjects FROM audit_log WHERE actor_issuer = ? AND actor_subject = ? AND at >= ?
       AND action = 'reidentification.request' AND outcome IN ('granted', 'pending')`),
  };
  return {
    transaction: (fn) => immediate(sqlite, fn),
    last: () => st.last.get(),
    hashAt: (seq) => st.hashAt.get(seq)?.hash,
    insert: (e) => void st.insert.run(e),
    iterate: () => st.all.iterate(),
    query: (q: AuditQuery) => {
      const where: string[] = [];
      const p: Record<string, unknown> = { limit: q.limit };
      if (q.from !== undefined) { where.push('at >= @from'); p['from'] = q.from; }
      if (q.to !== undefined) { where.push('at < @to'); p['to'] = q.to; }
      if (q.actor !== undefined) { where.push("(actor_issuer || ':' || actor_subject) = @actor"); p['actor'] = q.actor; }
      if (q.action !== undefined) { where.push('action = @action'); p['action'] = q.action; }
      if (q.outcome !== undefined) { where.push('outcome = @outcome'); p['outcome'] = q.outcome; }
      if (q.subject !== undefined) { where.push('EXISTS (SELECT 1 FROM json_each(subjects) WHERE value = @subject)'); p['subject'] = q.subject; }
      if (q.afterSeq !== undefined) { where.push('seq > @afterSeq'); p['afterSeq'] = q.afterSeq; }
      return sqlite.prepare(`SELECT ${COLUMNS} FROM audit_log ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY seq LIMIT @limit`).all(p) as AuditEntry[];
    },
    reidentifiedSince: (iss, sub, since) => st.reid.all(iss, sub, since).reduce((n, r) => n + (JSON.parse(r.subjects) as unknown[]).length, 0),
    aboutSubject: (pseudonym, actions) => sqlite.prepare(
      `SELECT ${COLUMNS} FROM audit_log WHERE instr(subjects, @q) > 0 ${actions.length ? `AND action IN (${actions.map((_, i) => '@a' + i).join(', ')})` : ''} ORDER BY seq`,
    ).all({ q: JSON.stringify(pseudonym), ...Object.fromEntries(actions.map((a, i) => ['a' + i, a])) }) as AuditEntry[],
  };
}
