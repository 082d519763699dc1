// Runs one segmentation job against its own database connection (called inside a worker).
import crypto from 'node:crypto';
import { openStore } from '../../db/open-database.ts';
import { sqliteRunStore } from '../../db/sqlite-run-store.ts';
import { sqliteConsentStore } from '../../db/sqlite-consent-store.ts';
import { coverage } from '../../consent/coverage.ts';
import type { MemberExclusion } from '../run-store.ts';
import { runSegmentation } from '../run-segmentation.ts';
import { SegmentationInputError } from '../segmentation-error.ts';
import type { JobInput } from './job-input.ts';
import { readPopulation, type ReadHelper } from './parallel-population-read.ts';

/** Points in a job where a caller may look in (tests place an erasure between read and write). */
export interface JobHooks { afterRead?: () => void }

export function executeJob(input: JobInput, clock: () => number = Date.now, helper?: ReadHelper, hooks: JobHooks = {}): void {
  const store = openStore(input.dataDir, { migrate: false });
  const runs = sqliteRunStore(store.sqlite);
  let last = 0;
  const progress = (p: number) => {
    const t = clock();
    if (t - last < 250) return;
    last = t;
    runs.progress(input.runId, Math.round(p * 1000) / 1000);
  };
  try {
    runs.markRunning(input.runId, clock());
    // before the read: erasures and consent changes after this are left out of the members
    const mark = runs.changeMark();
    const t0 = performance.now();
    // No progress writes during the scan: the connection is busy iterating.
    const { matrix: population } = readPopulation(store, { purpose: input.purpose, features: input.features, now: input.now }, { threads: input.threads, dataDir: input.dataDir, ...(helper && { helper }) });
    progress(0.1);
    hooks.afterRead?.();
    const t1 = performance.now();
    const out = runSegmentation(population, input.spec, { minGroupSize: input.minGroupSize, onProgress: progress, threads: input.threads, profileFeatures: input.profileFeatures });
    const t2 = performance.now();
    const consents = sqliteConsentStore(store.sqlite);
    // Asked inside each member write transaction: who was erased, or stopped being covered by the
    // run's purpose, since the population was read.
    const exclude = () => {
      const changed = runs.changedSince(mark, input.purpose.name);
      const out = new Map<string, MemberExclusion>(changed.erased.map((p) => [p, 'erased']));
      for (const p of changed.consentChanged) {
        if (!out.has(p) && !coverage(input.purpose, consents.state(p, input.purpose.name), input.now).covered) out.set(p, 'not_covered');
      }
      return out;
    };
    for (const [segmentId, rows] of out.members) {
      runs.writeMembers(input.runId, segmentId, Array.from(rows, (i) => out.matrix.pseudonyms[i]!), exclude);
    }
    const t3 = performance.now();
    const digest = crypto.createHash('sha256');
    for (const p of population.pseudonyms) digest.update(p).update('\n');
    // Counts beside the population must not reveal what was hidden: covered - population would
    // be the size of a suppressed remainder, covered - after_filters that of a small filtered-out
    // group. They are given only when neither is a hidden group under the minimum.
    const hiddenRows = out.matrix.n - out.population;
    const filteredOut = population.n - out.matrix.n;
    const countsSafe = hiddenRows === 0 && (filteredOut === 0 || filteredOut >= input.minGroupSize);
    runs.succeed(input.runId, {
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
          // sha256 of the covered pseudonyms in order: proves later which population was used
          population_digest: digest.digest('hex'),
        },
        min_group_size: input.minGroupSize,
        suppressed_segments: out.suppressed_segments,
        // every feature the run read (its list, target, rule and filter features, RFM's three)
        features_used: input.features.map((f) => f.name),
      },
      // where the run's time went (operators size machines with it); milliseconds
      timings: { read_features: Math.round(t1 - t0), segment: Math.round(t2 - t1), store_members: Math.round(t3 - t2) },
    }, clock());
  } catch (e) {
    const error = e instanceof SegmentationInputError
      ? { code: e.code, message: e.message }
      : { code: 'internal_error', message: 'The run failed unexpectedly; it was not completed.' };
    runs.fail(input.runId, error, clock());
    if (!(e instanceof SegmentationInputError)) throw e;
  } finally {
    store.close();
  }
}
