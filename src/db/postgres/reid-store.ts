// Re-identification requests on PostgreSQL: decisions and deliveries are compare-and-set on the
// status, so two instances deciding (or delivering) one request cannot both succeed.
import type { ReidRequest, ReidStore, RequestStatus } from '../../reidentification/reidentification-store.ts';
import type { Db } from './db.ts';

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

export function pgReidStore(db: Db): ReidStore {
  return {
    insert: async (r) =>
      void (await db.run(
        `INSERT INTO reidentification_requests (id, requester, issuer_id, roles, purpose, justification, pseudonyms, fields, status, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [
          r.id,
          r.requester,
          r.issuerId,
          JSON.stringify(r.roles),
          r.purpose,
          r.justification,
          JSON.stringify(r.pseudonyms),
          JSON.stringify(r.fields),
          r.status,
          r.createdAt,
        ],
      )),
    get: async (id) => {
      const r = await db.one<Raw>('SELECT * FROM reidentification_requests WHERE id = $1', [id]);
      return r && fromRaw(r);
    },
    list: async (q) => {
      const where: string[] = [];
      const params: unknown[] = [];
      const p = (v: unknown) => `$${params.push(v)}`;
      if (q.statuses) where.push(`status = ANY(${p(q.statuses)}::text[])`);
      if (q.requester !== undefined) where.push(`requester = ${p(q.requester)}`);
      if (q.after) where.push(`(created_at, id) < (${p(q.after.createdAt)}, ${p(q.after.id)})`);
      const sql = `SELECT * FROM reidentification_requests ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, id DESC LIMIT ${p(q.limit)}`;
      return (await db.rows<Raw>(sql, params)).map(fromRaw);
    },
    setStatus: async (id, status, by, at) =>
      (status === 'delivered'
        ? await db.run(`UPDATE reidentification_requests SET status = 'delivered', delivered_at = $1 WHERE id = $2 AND status = 'approved'`, [at, id])
        : await db.run(`UPDATE reidentification_requests SET status = $1, decided_by = $2, decided_at = $3 WHERE id = $4 AND status = 'pending_approval'`, [
            status,
            by,
            at,
            id,
          ])) === 1,
  };
}
