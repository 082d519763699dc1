// SQLite storage of re-identification requests.
import type Database from 'better-sqlite3';
import type { ReidRequest, ReidStore, RequestStatus } from '../../reidentification/reidentification-store.ts';

interface Raw {
  id: string;
  requester: string;
  issuer_id: string;
  roles: string;
  purpose: string;
  justification: string;
  pseudonyms: string;
  fields: string;
  status: RequestStatus;
  decided_by: string | null;
  decided_at: number | null;
  delivered_at: number | null;
  created_at: number;
}

const fromRaw = (r: Raw): ReidRequest => ({
  id: r.id,
  requester: r.requester,
  issuerId: r.issuer_id,
  roles: JSON.parse(r.roles) as string[],
  purpose: r.purpose,
  justification: r.justification,
  pseudonyms: JSON.parse(r.pseudonyms) as string[],
  fields: JSON.parse(r.fields) as string[],
  status: r.status,
  decidedBy: r.decided_by,
  decidedAt: r.decided_at,
  deliveredAt: r.delivered_at,
  createdAt: r.created_at,
});

export function sqliteReidStore(sqlite: Database.Database): ReidStore {
  const insert =
    sqlite.prepare(`INSERT INTO reidentification_requests (id, requester, issuer_id, roles, purpose, justification, pseudonyms, fields, status, created_at)
    VALUES (@id, @requester, @issuerId, @roles, @purpose, @justification, @pseudonyms, @fields, @status, @createdAt)`);
  const get = sqlite.prepare<[string], Raw>('SELECT * FROM reidentification_requests WHERE id = ?');
  // Compare-and-set on the status: of two instances deciding or delivering at once, one wins.
  const decide = sqlite.prepare(`UPDATE reidentification_requests SET status = ?, decided_by = ?, decided_at = ? WHERE id = ? AND status = 'pending_approval'`);
  const deliver = sqlite.prepare(`UPDATE reidentification_requests SET status = 'delivered', delivered_at = ? WHERE id = ? AND status = 'approved'`);
  return {
    insert: async (r) => void insert.run({ ...r, roles: JSON.stringify(r.roles), pseudonyms: JSON.stringify(r.pseudonyms), fields: JSON.stringify(r.fields) }),
    get: async (id) => {
      const r = get.get(id);
      return r && fromRaw(r);
    },
    list: async (q) => {
      const where: string[] = [];
      const params: unknown[] = [];
      if (q.statuses) {
        where.push(`status IN (${q.statuses.map(() => '?').join(', ')})`);
        params.push(...q.statuses);
      }
      if (q.requester !== undefined) {
        where.push('requester = ?');
        params.push(q.requester);
      }
      if (q.after) {
        where.push('(created_at < ? OR (created_at = ? AND id < ?))');
        params.push(q.after.createdAt, q.after.createdAt, q.after.id);
      }
      const sql = `SELECT * FROM reidentification_requests ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, id DESC LIMIT ?`;
      return sqlite
        .prepare<unknown[], Raw>(sql)
        .all(...params, q.limit)
        .map(fromRaw);
    },
    setStatus: async (id, status, by, at) => (status === 'delivered' ? deliver.run(at, id) : decide.run(status, by, at, id)).changes === 1,
  };
}
