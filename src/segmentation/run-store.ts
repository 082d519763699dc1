// What segmentation jobs need from storage: run rows and member lists.
export type RunStatus = 'queued' | 'running' | 'succeeded' | 'failed';

export interface RunRow {
  id: string;
  owner: string;
  issuerId: string;
  roles: string[];
  purpose: string;
  method: string;
  params: unknown;
  status: RunStatus;
  progress: number;
  result: unknown;
  error: { code: string; message: string } | null;
  policyVersion: string;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
}

export interface RunStore {
  insert(r: Omit<RunRow, 'progress' | 'result' | 'error' | 'startedAt' | 'finishedAt' | 'status'>): void;
  get(id: string): RunRow | undefined;
  listByOwner(owner: string, limit: number): RunRow[];
  /** Runs of `owner` queued or running. */
  activeCount(owner: string): number;
  markRunning(id: string, at: number): void;
  progress(id: string, p: number): void;
  succeed(id: string, result: unknown, at: number): void;
  fail(id: string, error: { code: string; message: string }, at: number): void;
  /** Replaces the members of a run; `pseudonyms` in segment order, sorted inside a segment. */
  writeMembers(id: string, segmentId: string, pseudonyms: readonly string[]): void;
  /**
   * Member slots of a segment in pseudonym order, from `offset` (offsets reveal nothing; pseudonyms
   * would). An erased subject's slot is null: offsets already handed out keep their meaning.
   */
  members(id: string, segmentId: string, offset: number, limit: number): (string | null)[];
  /** Runs left queued or running by a process that stopped. */
  interrupted(): string[];
}
