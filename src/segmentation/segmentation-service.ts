// Accepts segmentation requests under policy, queues them, and serves results and members.
import crypto from 'node:crypto';
import { AppError } from '../errors/app-error.ts';
import type { AccessPolicy, Caller } from '../policy/access-policy.ts';
import type { Dictionary } from '../policy/load-dictionary.ts';
import type { FeatureName } from '../policy/features.ts';
import type { ConsentRegistry } from '../consent/consent-registry.ts';
import type { CallerPseudonyms } from '../subjects/caller-pseudonyms.ts';
import type { JobQueue } from './job-queue.ts';
import type { RunPrivilege, RunRow } from './run-store.ts';
import type { Storage } from '../storage/storage.ts';
import type { JobInput } from './worker/job-input.ts';
import { coverage } from '../consent/coverage.ts';
import { featuresRead, type SegmentationSpec } from './segmentation-spec.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import { POPULATION_TOO_SMALL, populationTooSmall } from './segmentation-error.ts';
import { requestComplexity } from './complexity.ts';
import { actorFields, type AuditActor } from '../audit/audit-actor.ts';

export interface CallerIdentity extends Caller {
  owner: string;
  issuerId: string;
}

const notFound = () => new AppError('request.not_found', 'No such segmentation or segment.');
const invalid = (path: string, message: string, code = 'invalid') =>
  new AppError('request.validation_failed', message, { errors: [{ path, code, message }] });

export class SegmentationService {
  constructor(private readonly d: {
    storage: Storage; queue: JobQueue; access: AccessPolicy; dictionary: Dictionary;
    consents: ConsentRegistry; pseudonyms: CallerPseudonyms; clock: () => number; audit: AuditLog;
    /** Work one request may ask for: conditions and values of its rules, runs queued or running per caller. */
    limits: { ruleTerms: number; jobsPerCaller: number };
  }) {}

  async submit(caller: CallerIdentity, actor: AuditActor, spec: SegmentationSpec): Promise<RunRow> {
    const purpose = this.d.consents.purpose(spec.purpose);
    const privilege = this.d.access.callerPrivilege(caller);
    if (!privilege.purposes.has(spec.purpose)) throw new AppError('auth.forbidden', `The token's roles may not invoke the purpose ${spec.purpose}.`);
    const read = featuresRead(spec);
    for (const f of read) if (!this.d.dictionary.features.has(f)) throw invalid('features', `Unknown feature ${f}.`);
    for (const f of read) {
      const category = this.d.dictionary.features.get(f)!.category;
      if (this.d.access.decide(caller, spec.purpose, 'use', category).decision !== 'ALLOW') {
        throw new AppError('auth.forbidden', `The feature ${f} may not be used by this role under ${spec.purpose}.`, {
          errors: [{ path: 'features', code: 'forbidden_feature', message: `${f} is not usable` }],
        });
      }
    }
    const kind = (f: FeatureName) => this.d.dictionary.features.get(f)!.kind;
    if (spec.method === 'rules' && !spec.rules?.length) throw invalid('rules', 'method rules needs at least one rule.');
    if (spec.method === 'tree') {
      if (!spec.target) throw invalid('target', 'method tree needs a target feature.');
      if (kind(spec.target) !== 'numeric') throw invalid('target', 'the target must be a numeric feature.');
    }
    if (spec.method === 'kmeans' && spec.k === undefined && spec.k_range === undefined) throw invalid('k', 'method kmeans needs k or k_range.');
    if ((spec.method === 'kmeans' || spec.method === 'tree') && spec.features.length === 0) throw invalid('features', 'name at least one feature.');
    const terms = requestComplexity(spec);
    if (terms > this.d.limits.ruleTerms) {
      throw invalid(spec.rules?.length ? 'rules' : 'filters', `The request holds ${terms} conditions and listed values; at most ${this.d.limits.ruleTerms} are allowed (VEILGATE_MAX_RULE_TERMS).`, 'too_complex');
    }
    const now = this.d.clock();
    if (spec.k !== undefined) {
      // Under the minimum, one refusal whatever the size (the job says the same after filters);
      // at or over it, the population's size is shown by any run anyway.
      const n = await this.d.storage.population.count(purpose, now);
      if (n < privilege.minGroupSize) throw invalid('purpose', populationTooSmall().message, POPULATION_TOO_SMALL);
      if (spec.k > n) throw invalid('k', `k is larger than the population covered by ${spec.purpose}.`);
    }
    const profileFeatures = read.filter((f) => this.d.access.decide(caller, spec.purpose, 'see', this.d.dictionary.features.get(f)!.category).decision === 'ALLOW');
    const id = 'seg_' + crypto.randomUUID();
    const row = {
      id, owner: caller.owner, issuerId: caller.issuerId, roles: [...caller.roles], purpose: spec.purpose, method: spec.method,
      params: spec, policyVersion: this.d.access.version(), createdAt: now,
      privilege: { minGroupSize: privilege.minGroupSize, partnerScoped: privilege.partnerScoped, features: read, profileFeatures },
    };
    const job: JobInput = {
      runId: id, owner: caller.owner, purpose, spec, minGroupSize: privilege.minGroupSize, profileFeatures,
      features: read.map((name) => ({ name, kind: kind(name) })), policyVersion: row.policyVersion, now,
    };
    await this.d.storage.transaction(async (tx) => {
      // counted and inserted under one lock: two requests cannot both take the last place
      await tx.audit.lockChain();
      if ((await tx.runs.activeCount(caller.owner)) >= this.d.limits.jobsPerCaller) {
        throw new AppError('request.rate_limited', `At most ${this.d.limits.jobsPerCaller} runs of one caller may be queued or running; wait for one to finish.`, {
          headers: { 'Retry-After': '10' },
        });
      }
      await tx.runs.insert(row, job);
      await this.d.audit.append({
        ...actorFields(actor), action: 'segmentation.create', outcome: 'ok', purpose: spec.purpose,
        detail: { run_id: id, method: spec.method, features: read, min_group_size: privilege.minGroupSize },
      }, tx);
    });
    // the answer says queued: read before any instance claims it
    const created = (await this.d.storage.runs.get(id))!;
    this.d.queue.poke();
    return created;
  }

  /** A run of the caller's, whatever its result may show them. */
  private async owned(caller: CallerIdentity, id: string): Promise<RunRow> {
    const run = await this.d.storage.runs.get(id);
    if (!run || run.owner !== caller.owner) throw notFound();
    return run;
  }

  /**
   * The privilege a run's results are read or exported under: the stricter of the one it was made
   * under and the caller's. A token of the same subject with another role (a partner token for a
   * marketing run) must be able to use every feature the run read under its purpose, or is refused;
   * it never gets a smaller group minimum, and partner scoping holds if either side has it.
   */
  private underStricter(caller: CallerIdentity, run: RunRow, also: 'see' | undefined): { minGroupSize: number; partnerScoped: boolean; exportMembers: boolean } {
    const mine = this.d.access.callerPrivilege(caller);
    const made = run.privilege ?? this.legacyPrivilege(run);
    const category = (f: FeatureName) => this.d.dictionary.features.get(f)?.category ?? '';
    const refused = !mine.purposes.has(run.purpose)
      || made.features.some((f) => this.d.access.decide(caller, run.purpose, 'use', category(f)).decision !== 'ALLOW')
      || (also === 'see' && made.profileFeatures.some((f) => this.d.access.decide(caller, run.purpose, 'see', category(f)).decision !== 'ALLOW'));
    if (refused) throw new AppError('auth.forbidden', 'This run was made under a privilege this token does not hold (purpose or features); make the run with this token.');
    return { minGroupSize: Math.max(mine.minGroupSize, made.minGroupSize), partnerScoped: mine.partnerScoped || made.partnerScoped, exportMembers: mine.exportMembers };
  }

  /** Runs made before privileges were recorded: what their roles grant under the current policy. */
  private legacyPrivilege(run: RunRow): RunPrivilege {
    const p = this.d.access.callerPrivilege({ roles: run.roles, issuerId: run.issuerId });
    const features = featuresRead(run.params as SegmentationSpec);
    return { minGroupSize: p.minGroupSize, partnerScoped: p.partnerScoped, features, profileFeatures: features };
  }

  /** A run and its result, if the caller's privilege is not narrower than the one it was made under. */
  async get(caller: CallerIdentity, id: string): Promise<RunRow> {
    const run = await this.owned(caller, id);
    const made = run.privilege ?? this.legacyPrivilege(run);
    const p = this.underStricter(caller, run, 'see');
    if (p.minGroupSize > made.minGroupSize || (p.partnerScoped && !made.partnerScoped)) {
      throw new AppError('auth.forbidden', 'This run was made under a wider privilege than this token\'s (smaller groups, or not partner-scoped); make the run with this token.');
    }
    return run;
  }

  list(caller: CallerIdentity): Promise<RunRow[]> {
    return this.d.storage.runs.listByOwner(caller.owner, 100);
  }

  /**
   * One page of a visible segment's members, re-checked against consent now: a withdrawal
   * after the run still takes the subject out of every later export.
   */
  async members(caller: CallerIdentity, actor: AuditActor, id: string, segmentId: string, cursor: string | undefined, limit: number): Promise<{ members: string[]; next_cursor: string | null }> {
    const run = await this.owned(caller, id);
    const privilege = this.underStricter(caller, run, undefined);
    if (!privilege.exportMembers) throw new AppError('auth.forbidden', 'The token\'s roles may not export members.');
    const result = run.result as { segments: { id: string; size: number }[] } | null;
    const segment = run.status === 'succeeded' ? result?.segments.find((s) => s.id === segmentId) : undefined;
    // a segment under the stricter minimum is as hidden as one the run suppressed
    if (!segment || segment.size < privilege.minGroupSize) throw notFound();
    let offset = cursor === undefined ? 0 : Number(cursor);
    if (!Number.isInteger(offset) || offset < 0) throw invalid('cursor', 'cursor is not one this API returned.');
    const purposes = privilege.partnerScoped ? [...new Set([run.purpose, 'partner_sharing'])] : [run.purpose];
    const now = this.d.clock();
    const out: string[] = [];
    const internal: string[] = [];
    let exhausted = false;
    while (out.length < limit) {
      const page = await this.d.storage.runs.members(id, segmentId, offset, limit);
      if (page.length === 0) { exhausted = true; break; }
      // the page's consent states in one read, coverage decided here
      const states = await this.d.storage.consents.states(page.filter((p): p is string => p !== null));
      for (const p of page) {
        offset++;
        if (p !== null && purposes.every((pp) => coverage(this.d.consents.purpose(pp), states.get(p)?.get(pp), now).covered)) {
          out.push(this.d.pseudonyms.outbound(caller, p, privilege.partnerScoped));
          internal.push(p);
        }
        if (out.length === limit) break;
      }
      if (page.length < limit && out.length < limit) { exhausted = true; break; }
    }
    // Written before the list leaves; internal pseudonyms, so a DSR access finds partner exports.
    await this.d.audit.append({
      ...actorFields(actor), action: 'segment.members.export', outcome: 'granted', purpose: run.purpose, subjects: internal,
      detail: { run_id: id, segment_id: segmentId, count: internal.length, partner_scoped: privilege.partnerScoped },
    });
    return { members: out, next_cursor: exhausted ? null : String(offset) };
  }
}
