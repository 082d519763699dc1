// Runs one segmentation job against storage of its own (called inside a worker thread).
import crypto from 'node:crypto';
import { coverage } from '../../consent/coverage.ts';
import type { Storage } from '../../storage/storage.ts';
import { pseudonymOrder, ranksOf } from '../pseudonym-order.ts';
import { runSegmentation } from '../run-segmentation.ts';
import type { MemberExclusion } from '../run-store.ts';
import { SegmentationInputError } from '../segmentation-error.ts';
import type { JobInput } from './job-input.ts';

/** The run was taken over by another instance (this one's claim lapsed): it writes nothing more. */
export class ClaimLost extends Error {
  constructor() {
    super('the run is no longer held by this instance');
    this.name = 'ClaimLost';
  }
}

export interface JobOptions {
  /** Who holds the run (its instance's claimant id): every write is guarded by it. */
  claimant: string;
  /** Threads the read and the engine may use (the instance's own configuration). */
  threads: number;
  clock?: () => number;
  /**
   * Told of progress (a fraction) at most every 250 ms. The engine computes synchronously, so a
   * worker thread hands it to its parent, whose event loop is free to write it; by default it is
   * written here once the engine yields.
   */
  onProgress?: (fraction: number) => void;
  /** Points where a caller may look in (tests place an erasure between read and write). */
  afterRead?: () => Promise<void> | void;
}

export async function executeJob(input: JobInput, storage: Storage, opts: JobOptions): Promise<void> {
  const runs = storage.runs;
  const { claimant, threads } = opts;
  const clock = opts.clock ?? Date.now;
  let last = 0;
  let writing: Promise<void> = Promise.resolve();
  const report =
    opts.onProgress ??
    ((p: number) => {
      writing = writing.then(() => runs.progress(input.runId, p, claimant)).catch(() => {});
    });
  const progress = (p: number) => {
    const t = clock();
    if (t - last < 250) return;
    last = t;
    report(Math.round(p * 1000) / 1000);
  };
  try {
    // taken over while this worker booted: the other instance runs it
    if (!(await runs.markRunning(input.runId, clock(), claimant))) return;
    // before the read: erasures and consent changes after this are left out of the members
    const mark = await runs.changeMark();
    const t0 = performance.now();
    const { matrix: population } = await storage.population.read({ purpose: input.purpose, features: input.features, now: input.now }, { threads });
    progress(0.1);
    await opts.afterRead?.();
    const t1 = performance.now();
    const out = runSegmentation(population, input.spec, {
      minGroupSize: input.minGroupSize,
      onProgress: progress,
      threads,
      profileFeatures: input.profileFeatures,
    });
    await writing;
    const t2 = performance.now();
    // Asked inside each member write transaction: who was erased, or stopped being covered by the
    // run's purpose, since the population was read.
    const exclude = async () => {
      if (!(await runs.holds(input.runId, claimant))) throw new ClaimLost();
      const changed = await runs.changedSince(mark, input.purpose.name);
      const excluded = new Map<string, MemberExclusion>(changed.erased.map((p) => [p, 'erased']));
      const states = await storage.consents.states(changed.consentChanged.filter((p) => !excluded.has(p)));
      for (const p of changed.consentChanged) {
        if (!excluded.has(p) && !coverage(input.purpose, states.get(p)?.get(input.purpose.name), input.now).covered) excluded.set(p, 'not_covered');
      }
      return excluded;
    };
    // members in pseudonym order, never in the order subjects were stored
    const order = pseudonymOrder(out.matrix.pseudonyms);
    const rank = ranksOf(order);
    for (const [segmentId, rows] of out.members) {
      const ranks = Uint32Array.from(rows, (i) => rank[i]!).sort();
      await runs.writeMembers(
        input.runId,
        segmentId,
        Array.from(ranks, (k) => out.matrix.pseudonyms[order[k]!]!),
        exclude,
      );
    }
    const t3 = performance.now();
    const digest = crypto.createHash('sha256');
    const populationOrder = out.matrix === population ? order : pseudonymOrder(population.pseudonyms);
    for (const i of populationOrder) digest.update(population.pseudonyms[i]!).update('\n');
    // Counts beside the population must not reveal what was hidden: covered - population would
    // be the size of a suppressed remainder, covered - after_filters that of a small filtered-out
    // group. They are given only when neither is a hidden group under the minimum.
    const hiddenRows = out.matrix.n - out.population;
    const filteredOut = population.n - out.matrix.n;
    const countsSafe = hiddenRows === 0 && (filteredOut === 0 || filteredOut >= input.minGroupSize);
    await runs.succeed(
      input.runId,
      {
        population: out.population,
        segments: out.segments,
        ...(out.quality && { quality: out.quality }),
        receipt: {
          purpose: input.purpose.name,
          policy_version: input.policyVersion,
          consent_snapshot: {
            legal_basis: input.purpose.basis,
            evaluated_at: new Date(input.now).toISOString(),
            ...(countsSafe && { covered_subjects: population.n, after_filters: out.matrix.n }),
            // sha256 of the covered pseudonyms in pseudonym order: proves later which population was used
            population_digest: digest.digest('hex'),
          },
          min_group_size: input.minGroupSize,
          suppressed_segments: out.suppressed_segments,
          // every feature the run read (its list, target, rule and filter features, RFM's three)
          features_used: input.features.map((f) => f.name),
        },
        // where the run's time went (operators size machines with it); milliseconds
        timings: { read_features: Math.round(t1 - t0), segment: Math.round(t2 - t1), store_members: Math.round(t3 - t2) },
      },
      clock(),
      claimant,
    );
  } catch (e) {
    await writing;
    // taken over: the instance that holds it now writes the outcome
    if (e instanceof ClaimLost) return;
    const error =
      e instanceof SegmentationInputError
        ? { code: e.code, message: e.message }
        : { code: 'internal_error', message: 'The run failed unexpectedly; it was not completed.' };
    await runs.fail(input.runId, error, clock(), claimant);
    if (!(e instanceof SegmentationInputError)) throw e;
  }
}
