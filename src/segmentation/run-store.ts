// What segmentation jobs need from storage: run rows and member lists.
import type { FeatureName } from '../policy/features.ts';

export type RunStatus = 'queued' | 'running' | 'succeeded' | 'failed';

/** The privilege a run was made under; whoever reads or exports it gets the stricter of this and theirs. */
export interface RunPrivilege {
  minGroupSize: number;
  partnerScoped: boolean;
  /** Every feature the run read (used), and those its profiles describe (seen). */
  features: FeatureName[];
  profileFeatures: FeatureName[];
}

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
  /** Null for runs made before privileges were recorded. */
  privilege: RunPrivilege | null;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
}

/** Where the erasure and consent histories stood before a population read (see RunStore.changedSince). */
export interface ChangeMark { erasures: number; consents: number }

/** Why a member read with the population is left out when the members are written. */
export type MemberExclusion = 'erased' | 'not_covered';

export interface RunStore {
  insert(r: Omit<RunRow, 'progress' | 'result' | 'error' | 'startedAt' | 'finishedAt' | 'status'>): Promise<void>;
  get(id: string): Promise<RunRow | undefined>;
  listByOwner(owner: string, limit: number): Promise<RunRow[]>;
  /** Runs of `owner` queued or running, counted under the transaction's lock. */
  activeCount(owner: string): Promise<number>;
  markRunning(id: string, at: number): Promise<void>;
  progress(id: string, p: number): Promise<void>;
  succeed(id: string, result: unknown, at: number): Promise<void>;
  fail(id: string, error: { code: string; message: string }, at: number): Promise<void>;
  /** Taken before a population read: later erasures and consent changes are those after it. */
  changeMark(): Promise<ChangeMark>;
  /** Subjects erased, and subjects whose consent to `purpose` changed, after `mark`. */
  changedSince(mark: ChangeMark, purpose: string): Promise<{ erased: string[]; consentChanged: string[] }>;
  /**
   * Replaces the members of a run; `pseudonyms` in segment order, sorted inside a segment. Each
   * write transaction first asks `exclude` who must be left out (erased or no longer covered since
   * the population was read): their slots stay empty, so no erasure lands between the check and
   * the write; an erased subject left out counts in its erasure's receipt. Returns how many were.
   */
  writeMembers(id: string, segmentId: string, pseudonyms: readonly string[], exclude?: () => Promise<ReadonlyMap<string, MemberExclusion>>): Promise<number>;
  /**
   * Member slots of a segment in pseudonym order, from `offset` (offsets reveal nothing; pseudonyms
   * would). An erased subject's slot is null: offsets already handed out keep their meaning.
   */
  members(id: string, segmentId: string, offset: number, limit: number): Promise<(string | null)[]>;
  /** Runs left queued or running by a process that stopped. */
  interrupted(): Promise<string[]>;
}
