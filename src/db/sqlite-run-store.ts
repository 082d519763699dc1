// SQLite storage of segmentation runs and members.
import type Database from 'better-sqlite3';
import type { RunRow, RunStore } from '../segmentation/run-store.ts';

interface Raw { id: string; owner: string; issuer_id: string; roles: string; purpose: string; method: string; params: string; status: RunRow['status']; progress: number; result: string | null; error: string | null; policy_version: string; created_at: number; started_at: number | null; finished_at: number | null }

const toRow = (r: Raw): RunRow => ({
  id: r.id, owner: r.owner, issuerId: r.issuer_id, roles: JSON.parse(r.roles) as string[], purpose: r.purpose, method: r.method,
  params: JSON.parse(r.params), status: r.status, progress: r.progress, result: r.result === null ? null : JSON.parse(r.result),
  error: r.error === null ? null : (JSON.parse(r.error) as RunRow['error']), policyVersion: r.policy_version,
  createdAt: r.created_at, startedAt: r.started_at, finishedAt: r.finished_at,
});

const MULTI = 250;

export function sqliteRunStore(sqlite: Database.Database): RunStore {
  const st = {
    insert: sqlite.prepare(`INSERT INTO segmentation_runs (id, owner, issuer_id, roles, purpose, method, params, status, progress, policy_version, created_at)
      VALUES (@id, @owner, @issuerId, @roles, @purpose, @method, @params, 'queued', 0, @policyVersion, @createdAt)`),
    get: sqlite.prepare<[string], Raw>('SELECT * FROM segmentation_runs WHERE id = ?'),
    list: sqlite.prepare<[string, number], Raw>('SELECT * FROM segmentation_runs WHERE owner = ? ORDER BY created_at DESC LIMIT ?'),
    running: sqlite.prepare(`UPDATE segmentation_runs SET status = 'running', started_at = ? WHERE id = ?`),
    progress: sqlite.prepare('UPDATE segmentation_runs SET progress = ? WHERE id = ?'),
    succeed: sqlite.prepare(`UPDATE segmentation_runs SET status = 'succeeded', progress = 1, result = ?, finished_at = ? WHERE id = ?`),
    fail: sqlite.prepare(`UPDATE segmentation_runs SET status = 'failed', error = ?, finished_at = ? WHERE id = ?`),
    member: sqlite.prepare('INSERT INTO segment_members (run_id, segment_id, pseudonym) VALUES (?, ?, ?)'),
    // Multi-row insert: a 1M-member run is dominated by per-statement overhead otherwise.
    members: sqlite.prepare(`INSERT INTO segment_members (run_id, segment_id, pseudonym) VALUES ${Array.from({ length: MULTI }, () => '(?, ?, ?)').join(', ')}`),
    clear: sqlite.prepare('DELETE FROM segment_members WHERE run_id = ? AND segment_id = ?'),
    page: sqlite.prepare<[string, string, number, number], { pseudonym: string }>(
      'SELECT pseudonym FROM segment_members WHERE run_id = ? AND segment_id = ? ORDER BY pseudonym LIMIT ? OFFSET ?'),
    interrupted: sqlite.prepare<[], { id: string }>(`SELECT id FROM segmentation_runs WHERE status IN ('queued', 'running')`),
  };
  const CHUNK = 50_000;
  return {
    insert: (r) => void st.insert.run({ ...r, roles: JSON.stringify(r.roles), params: JSON.stringify(r.params) }),
    get: (id) => { const r = st.get.get(id); return r && toRow(r); },
    listByOwner: (owner, limit) => st.list.all(owner, limit).map(toRow),
    markRunning: (id, at) => void st.running.run(at, id),
    progress: (id, p) => void st.progress.run(p, id),
    succeed: (id, result, at) => void st.succeed.run(JSON.stringify(result), at, id),
    fail: (id, error, at) => void st.fail.run(JSON.stringify(error), at, id),
    writeMembers: (id, segmentId, pseudonyms) => {
      st.clear.run(id, segmentId);
      // Commits in chunks: the API's own writes wait at most one chunk for the lock.
      for (let i = 0; i < pseudonyms.length; i += CHUNK) {
        sqlite.transaction(() => {
          const end = Math.min(pseudonyms.length, i + CHUNK);
          let j = i;
          const params: string[] = new Array<string>(MULTI * 3);
          for (; j + MULTI <= end; j += MULTI) {
            for (let m = 0; m < MULTI; m++) { params[m * 3] = id; params[m * 3 + 1] = segmentId; params[m * 3 + 2] = pseudonyms[j + m]!; }
            st.members.run(params);
          }
          for (; j < end; j++) st.member.run(id, segmentId, pseudonyms[j]!);
        }).immediate();
      }
    },
    members: (id, segmentId, offset, limit) => st.page.all(id, segmentId, limit, offset).map((r) => r.pseudonym),
    interrupted: () => st.interrupted.all().map((r) => r.id),
  };
}
