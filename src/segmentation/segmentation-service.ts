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
const invalid = (path: string, message: string, code = 'invalid') => new AppError('request.validation_failed', message, { errors: [{ path, code, message }] });

export class SegmentationService {
  constructor(
    private readonly d: {
      storage: Storage;
      queue: JobQueue;
      access: AccessPolicy;
      dictionary: Dictionary;
      consents: ConsentRegistry;
      pseudonyms: CallerPseudonyms;
      clock: () => number;
      audit: AuditLog;
      /** Work one request may ask for: conditions and values of its rules, runs queued or running per caller. */
      limits: { ruleTerms: number; jobsPerCaller: number };
    },
  ) {}

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
      throw invalid(
        spec.rules?.length ? 'rules' : 'filters',
        `The request holds ${terms} conditions and listed values; at most ${this.d.limits.ruleTerms} are allowed (VEILGATE_MAX_RULE_TERMS).`,
        'too_complex',
      );
    }
    const now = this.d.clock();
    if (spec.k !== undefined) {
      // Under the minimum, one refusal whatever the size (the job says the same after filters);
      // at or over it, the population's size is shown by any run anyway.
      const n = await this.d.storage.population.count(purpose, now);
      if (n < privilege.minGroupSize) throw invalid('purpose', populationTooSmall().message, POPULATION_TOO_SMALL);
      if (spec.k > n) throw invalid('k', `k is larger than the population covered by ${spec.purpose}.`);
    }
    const profileFeatures = read.filter(
      (f) => this.d.access.decide(caller, spec.purpose, 'see', this.d.dictionary.features.get(f)!.category).decision === 'ALLOW',
    );
    const id = 'seg_' + crypto.randomUUID();
    const row = {
      id,
      owner: caller.owner,
      issuerId: caller.issuerId,
      roles: [...caller.roles],
      purpose: spec.purpose,
      method: spec.method,
      params: spec,
      policyVersion: this.d.access.version(),
      createdAt: now,
      privilege: { minGroupSize: privilege.minGroupSize, partnerScoped: privilege.partnerScoped, features: read, profileFeatures },
    };
    const job: JobInput = {
      runId: id,
      owner: caller.owner,
      purpose,
      spec,
      minGroupSize: privilege.minGroupSize,
      profileFeatures,
      features: read.map((name) => ({ name, kind: kind(name) })),
      policyVersion: row.policyVersion,
      now,
    };
    await this.d.storage.transaction(async (tx) => {
      // counted and inserted under one lock: two requests cannot both take the last place
      await tx.audit.lockChain();
      if ((await tx.runs.activeCount(caller.owner)) >= this.d.limits.jobsPerCaller) {
        throw new AppError(
          'request.rate_limited',
          `At most ${this.d.limits.jobsPerCaller} runs of one caller may be queued or running; wait for one to finish.`,
          {
            headers: { 'Retry-After': '10' },
          },
        );
      }
      await tx.runs.insert(row, job);
      await this.d.audit.append(
        {
          ...actorFields(actor),
          action: 'segmentation.create',
          outcome: 'ok',
          purpose: spec.purpose,
          detail: { run_id: id, method: spec.method, features: read, min_group_size: privilege.minGroupSize },
        },
        tx,
      );
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
  private underStricter(
    caller: CallerIdentity,
    run: RunRow,
    also: 'see' | undefined,
  ): { minGroupSize: number; partnerScoped: boolean; exportMembers: boolean } {
    const mine = this.d.access.callerPrivilege(caller);
    const made = run.privilege ?? this.legacyPrivilege(run);
    const category = (f: FeatureName) => this.d.dictionary.features.get(f)?.category ?? '';
    const refused =
      !mine.purposes.has(run.purpose) ||
      made.features.some((f) => this.d.access.decide(caller, run.purpose, 'use', category(f)).decision !== 'ALLOW') ||
      (also === 'see' && made.profileFeatures.some((f) => this.d.access.decide(caller, run.purpose, 'see', category(f)).decision !== 'ALLOW'));
    if (refused)
      throw new AppError('auth.forbidden', 'This run was made under a privilege this token does not hold (purpose or features); make the run with this token.');
    return {
      minGroupSize: Math.max(mine.minGroupSize, made.minGroupSize),
      partnerScoped: mine.partnerScoped || made.partnerScoped,
      exportMembers: mine.exportMembers,
    };
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
      throw new AppError(
        'auth.forbidden',
        "This run was made under a wider privilege than this token's (smaller groups, or not partner-scoped); make the run with this token.",
      );
    }
    return run;
  }

  list(caller: CallerIdentity): Promise<RunRow[]> {
    return this.d.storage.runs.listByOwner(caller.owner, 100);
  }

  /**
   * What the caller may export of a run: the stricter privilege, the purposes every member must
   * still be covered for, and the visible segments (a segment under the stricter minimum is as
   * hidden as one the run suppressed). Refused (403) without the export right; a run that is not
   * the caller's, or has no result, is not found.
   */
  private async exportable(caller: CallerIdentity, id: string): Promise<MemberScope> {
    const run = await this.owned(caller, id);
    const privilege = this.underStricter(caller, run, undefined);
    if (!privilege.exportMembers) throw new AppError('auth.forbidden', "The token's roles may not export members.");
    const result = run.status === 'succeeded' ? (run.result as { segments: { id: string; size: number }[] } | null) : null;
    if (!result) throw notFound();
    const visible = result.segments.filter((s) => s.size >= privilege.minGroupSize).map((s) => s.id);
    const purposes = privilege.partnerScoped ? [...new Set([run.purpose, 'partner_sharing'])] : [run.purpose];
    return { run, partnerScoped: privilege.partnerScoped, purposes, visible };
  }

  /**
   * A visible segment's members from raw slot `offset` on, in pages of at most `size`, re-checked
   * against consent when each page is read: a withdrawal after the run takes the subject out of
   * every later export, and an erased subject's slot is empty. A page ends early only at the end.
   */
  private async *memberPages(caller: CallerIdentity, scope: MemberScope, segmentId: string, offset: number, size: number): AsyncGenerator<MemberPage> {
    for (;;) {
      const out: string[] = [];
      const internal: string[] = [];
      let exhausted = false;
      while (out.length < size) {
        const slots = await this.d.storage.runs.members(scope.run.id, segmentId, offset, size);
        if (slots.length === 0) {
          exhausted = true;
          break;
        }
        // the page's consent states in one read, coverage decided here
        const states = await this.d.storage.consents.states(slots.filter((p): p is string => p !== null));
        const now = this.d.clock();
        for (const p of slots) {
          offset++;
          if (p !== null && scope.purposes.every((pp) => coverage(this.d.consents.purpose(pp), states.get(p)?.get(pp), now).covered)) {
            out.push(this.d.pseudonyms.outbound(caller, p, scope.partnerScoped));
            internal.push(p);
          }
          if (out.length === size) break;
        }
        if (slots.length < size && out.length < size) {
          exhausted = true;
          break;
        }
      }
      yield { members: out, internal, offset, exhausted };
      if (exhausted) return;
    }
  }

  /** Written before the members leave; internal pseudonyms, so a DSR access finds partner exports. */
  private exportEntry(actor: AuditActor, scope: MemberScope, segmentId: string | null, page: MemberPage, extra: Record<string, unknown> = {}) {
    return {
      ...actorFields(actor),
      action: 'segment.members.export',
      outcome: 'granted' as const,
      purpose: scope.run.purpose,
      subjects: page.internal,
      detail: { run_id: scope.run.id, segment_id: segmentId, count: page.internal.length, partner_scoped: scope.partnerScoped, ...extra },
    };
  }

  /** One page of a visible segment's members (JSON paging); the cursor is the raw slot offset. */
  async members(
    caller: CallerIdentity,
    actor: AuditActor,
    id: string,
    segmentId: string,
    cursor: string | undefined,
    limit: number,
  ): Promise<{ members: string[]; next_cursor: string | null }> {
    const scope = await this.exportable(caller, id);
    if (!scope.visible.includes(segmentId)) throw notFound();
    const offset = cursor === undefined ? 0 : Number(cursor);
    if (!Number.isInteger(offset) || offset < 0) throw invalid('cursor', 'cursor is not one this API returned.');
    const page = (await this.memberPages(caller, scope, segmentId, offset, limit).next()).value as MemberPage;
    await this.d.audit.append(this.exportEntry(actor, scope, segmentId, page));
    return { members: page.members, next_cursor: page.exhausted ? null : String(page.offset) };
  }

  /**
   * One page of a run's members across its visible segments, in their order (JSON paging); a page
   * holds one segment's members. The cursor is "<segment index>:<slot offset>".
   */
  async runMembers(
    caller: CallerIdentity,
    actor: AuditActor,
    id: string,
    cursor: string | undefined,
    limit: number,
  ): Promise<{ members: { segment_id: string; pseudonym: string }[]; next_cursor: string | null }> {
    const scope = await this.exportable(caller, id);
    const m = cursor === undefined ? ['', '0', '0'] : /^(\d{1,4}):(\d{1,15})$/.exec(cursor);
    const index = Number(m?.[1]);
    if (!m || index >= Math.max(1, scope.visible.length)) throw invalid('cursor', 'cursor is not one this API returned.');
    const segmentId = scope.visible[index];
    if (segmentId === undefined) return { members: [], next_cursor: null }; // no visible segment
    const page = (await this.memberPages(caller, scope, segmentId, Number(m[2]), limit).next()).value as MemberPage;
    await this.d.audit.append(this.exportEntry(actor, scope, segmentId, page));
    const next = !page.exhausted ? `${index}:${page.offset}` : index + 1 < scope.visible.length ? `${index + 1}:0` : null;
    return { members: page.members.map((pseudonym) => ({ segment_id: segmentId, pseudonym })), next_cursor: next };
  }

  /**
   * Every member of a run's visible segments (or of one), for a streamed export: checked and
   * refused like a page before anything is read, then read in parts of EXPORT_PART, each re-checked
   * against consent and audited (its pseudonyms, the sealed head moved) before it is handed on, so
   * an export of any size holds one part in memory and every member that leaves is in the log.
   */
  async exportMembers(
    caller: CallerIdentity,
    actor: AuditActor,
    id: string,
    segmentId?: string,
  ): Promise<AsyncGenerator<{ segmentId: string; members: string[] }>> {
    const scope = await this.exportable(caller, id);
    if (segmentId !== undefined && !scope.visible.includes(segmentId)) throw notFound();
    const segments = segmentId === undefined ? scope.visible : [segmentId];
    const audit = this.d.audit;
    const self = this;
    return (async function* () {
      let part = 0;
      for (const seg of segments) {
        for await (const page of self.memberPages(caller, scope, seg, 0, EXPORT_PART)) {
          // an empty export is recorded too (its first part); later empty parts export nothing
          if (page.internal.length === 0 && part > 0) continue;
          await audit.appendSealed(self.exportEntry(actor, scope, seg, page, { streamed: true, part: ++part }));
          yield { segmentId: seg, members: page.members };
        }
      }
      if (part === 0)
        await audit.appendSealed(
          self.exportEntry(actor, scope, segmentId ?? null, { members: [], internal: [], offset: 0, exhausted: true }, { streamed: true, part: 1 }),
        );
    })();
  }
}

/** Members per audited part of a streamed export. */
export const EXPORT_PART = 1000;

interface MemberScope {
  run: RunRow;
  partnerScoped: boolean;
  purposes: string[];
  visible: string[];
}
interface MemberPage {
  members: string[];
  internal: string[];
  offset: number;
  exhausted: boolean;
}
