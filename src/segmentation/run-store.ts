// What segmentation jobs need from storage: run rows and member lists.
import type { FeatureName } from '../policy/features.ts';
import type { JobInput } from './worker/job-input.ts';

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
export interface ChangeMark {
  erasures: number;
  consents: number;
}

/** Why a member read with the population is left out when the members are written. */
export type MemberExclusion = 'erased' | 'not_covered';

/** A run taken from the shared queue by one gateway instance, held while its lease lasts. */
export interface ClaimedRun {
  job: JobInput;
  attempts: number;
}

export interface RunStore {
  /** A queued run with the job a worker will run (claimed from the queue by any instance). */
  insert(r: Omit<RunRow, 'progress' | 'result' | 'error' | 'startedAt' | 'finishedAt' | 'status'>, job: JobInput): Promise<void>;
  get(id: string): Promise<RunRow | undefined>;
  listByOwner(owner: string, limit: number): Promise<RunRow[]>;
  activeCount(owner: string): Promise<number>;
  /**
   * Takes the next run to work on for `claimant` until `leaseUntil`: a queued one nobody holds, or
   * one whose claim lapsed (its instance died), of the caller served least recently (oldest
   * first). Runs once each however many instances ask at once. The status is left as it was.
   */
  claim(claimant: string, now: number, leaseUntil: number): Promise<ClaimedRun | undefined>;
  /** The claimant's worker started: the run shows as running (it stays queued while a worker boots). */
  markRunning(id: string, at: number, claimant: string): Promise<boolean>;
  /** Extends the claim; false when it is no longer `claimant`'s (taken over, or finished). */
  renew(id: string, claimant: string, leaseUntil: number): Promise<boolean>;
  /** Whether `claimant` still holds the run (asked inside member writes, so a lost claim writes nothing). */
  holds(id: string, claimant: string): Promise<boolean>;
  /**
   * The claimant stops (its process shuts down) before the run finished: the run is queued again
   * for any instance, from the start, and this claim does not count as an attempt.
   */
  release(id: string, claimant: string): Promise<boolean>;
  /** Runs left running by a process that is gone, queued again (a backend one process owns, at start). */
  requeueRunning(): Promise<number>;
  /** The writes of the claimant only: once a run is taken over, the old holder changes nothing. */
  progress(id: string, p: number, claimant: string): Promise<void>;
  succeed(id: string, result: unknown, at: number, claimant: string): Promise<boolean>;
  /** Fails a run that is not finished; `claimant` null: whoever holds it (limits and refusals). */
  fail(id: string, error: { code: string; message: string }, at: number, claimant: string | null): Promise<boolean>;
  /** Where the erasure and consent histories stand now (taken before the population read). */
  changeMark(): Promise<ChangeMark>;
  /** Subjects erased, and subjects whose consent for `purpose` changed, since `mark`. */
  changedSince(mark: ChangeMark, purpose: string): Promise<{ erased: string[]; consentChanged: string[] }>;
  /**
   * Stores a segment's members in the given order, a group of chunks per unit of work;
   * `exclude`, asked inside each, says who to leave out (erased or no longer covered). Returns how many were.
   */
  writeMembers(id: string, segmentId: string, pseudonyms: readonly string[], exclude?: () => Promise<ReadonlyMap<string, MemberExclusion>>): Promise<number>;
  members(id: string, segmentId: string, offset: number, limit: number): Promise<(string | null)[]>;
}
