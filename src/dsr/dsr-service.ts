// Data-subject rights: access (everything held on a person) and erasure (crypto-shredding,
// deletion, suppression of re-ingest), found by an identifier. Every request carries the data
// subject's reference, counts against the DPO's daily quota and is audited; fields that need a
// second DPO in re-identification are withheld from an access package until another DPO approves.
import crypto from 'node:crypto';
import { AppError } from '../errors/app-error.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import { actorFields, type AuditActor } from '../audit/audit-actor.ts';
import type { ConsentRegistry } from '../consent/consent-registry.ts';
import { DAY_MS } from '../ingest/field-value.ts';
import { SHARED_LINK } from '../ingest/ingest-store.ts';
import type { AccessPolicy, Caller } from '../policy/access-policy.ts';
import type { Dictionary } from '../policy/load-dictionary.ts';
import { SUPPRESSION_PATTERN, type Pseudonymizer } from '../pseudonymization/pseudonymizer.ts';
import type { VaultReader } from '../vault/vault-reader.ts';
import { accessPackage, heldFields, type Gathered } from './dsr-package.ts';
import type { DsrKind, DsrRequest, ErasureCounts } from './dsr-store.ts';
import type { Ports, Storage } from '../storage/storage.ts';
import { identifierKeyHash, type Identifier } from './identifier.ts';

export type { Identifier } from './identifier.ts';

export interface DsrInput {
  identifier: Identifier;
  reference: string;
}

const iso = (t: number) => new Date(t).toISOString();
const notFound = (what = 'Nothing is held on this person.') => new AppError('request.not_found', what);

type Refusal = 'quota_exceeded' | 'ambiguous' | 'not_found';

export class DsrService {
  private readonly maintenance = new Set<Promise<void>>();

  constructor(
    private readonly d: {
      storage: Storage;
      vault: VaultReader;
      consents: ConsentRegistry;
      audit: AuditLog;
      pseudonymizer: Pseudonymizer;
      dictionary: Dictionary;
      access: AccessPolicy;
      clock: () => number;
      /** Told when an erasure's old frames could not be truncated out of the WAL (they go at its next reset). */
      /** Told when the erased subject's old copies could not all be removed within the backend's budget. */
      onOldCopiesKept?: () => void;
    },
  ) {}

  /** Suppression entries of an older form (the link key itself) re-keyed in their own domain. */
  rekeyLegacySuppressions(): Promise<number> {
    return this.d.storage.dsr.rekeySuppressions(
      (k) => SUPPRESSION_PATTERN.test(k),
      (legacy) => this.d.pseudonymizer.suppressionKey(legacy),
    );
  }

  async access(caller: Caller, actor: AuditActor, input: DsrInput): Promise<{ pending: boolean; body: Record<string, unknown> }> {
    const fourEyes = this.d.access.callerPrivilege(caller).fourEyesFields;
    const now = this.d.clock();
    const { request, gathered } = await this.begin('access', caller, actor, input, async (tx, pseudonym, base) => {
      const sealed = await this.d.vault.fetch(tx, pseudonym);
      const withheld = heldFields(sealed).filter((f) => fourEyes.has(f));
      const request: DsrRequest = { ...base, pseudonym, status: withheld.length ? 'pending_approval' : 'completed', withheld };
      await tx.dsr.insertRequest(request);
      await this.d.audit.append(
        {
          ...actorFields(actor),
          action: 'dsr.access',
          outcome: withheld.length ? 'pending' : 'granted',
          subjects: [pseudonym],
          detail: { request_id: request.id, reference: request.reference, identifier_type: request.identifierType, withheld_fields: withheld },
        },
        tx,
      );
      const gathered: Gathered = {
        sealed,
        features: await tx.subjects.features(pseudonym),
        transactions: await tx.dsr.transactionsOf(pseudonym),
        consents: await tx.consents.history(pseudonym),
        memberships: await tx.dsr.memberships(pseudonym),
        exports: (await this.d.audit.aboutSubject(pseudonym, ['segment.members.export'], tx)).filter((e) => JSON.parse(e.detail).partner_scoped === true),
        reidentifications: await this.d.audit.aboutSubject(
          pseudonym,
          ['reidentification.request', 'reidentification.approve', 'reidentification.deny', 'reidentification.deliver'],
          tx,
        ),
      };
      return { request, gathered };
    });
    // Decrypted after the commit, and without the fields a second DPO has to approve.
    const shown = heldFields(gathered.sealed).filter((f) => !request.withheld.includes(f));
    const identity = this.d.vault.open(gathered.sealed, shown);
    return {
      pending: request.status === 'pending_approval',
      body: {
        id: request.id,
        reference: request.reference,
        status: request.status,
        withheld_fields: request.withheld,
        ...accessPackage(request.pseudonym!, gathered, identity, now),
      },
    };
  }

  async erase(caller: Caller, actor: AuditActor, input: DsrInput): Promise<Record<string, unknown>> {
    const request = await this.begin('erasure', caller, actor, input, async (tx, pseudonym, base) => {
      const counts = await tx.dsr.erase(pseudonym, base.createdAt, (linkKey) => this.d.pseudonymizer.suppressionKey(linkKey));
      const request: DsrRequest = {
        ...base,
        pseudonym,
        status: 'completed',
        receipt: receiptOf(counts),
        maintenance: { [this.d.storage.maintenance.erasureStep]: 'pending' },
      };
      await tx.dsr.insertRequest(request);
      await this.d.audit.append(
        {
          ...actorFields(actor),
          action: 'dsr.erasure',
          outcome: 'ok',
          subjects: [pseudonym],
          detail: { request_id: request.id, reference: request.reference, identifier_type: request.identifierType, ...counts },
        },
        tx,
      );
      return request;
    });
    this.compactAfter(request.id);
    const removed = request.receipt!;
    return {
      id: request.id,
      reference: request.reference,
      pseudonym: request.pseudonym,
      erased_at: iso(request.createdAt),
      removed,
      suppression: { linkage_keys: removed['linkage_keys'], effect: 'a later ingest of this person is refused row by row' },
      kept: { audit_log: 'entries name only the pseudonym, which no longer links to anyone' },
      // off the request path: GET the request to see when the old pages left the WAL
      maintenance: request.maintenance,
    };
  }

  /** A request's state; its requester collects an approved package's withheld fields once (only when `deliver`). */
  async get(actor: AuditActor, id: string, opts: { deliver: boolean }): Promise<Record<string, unknown>> {
    const r = await this.d.storage.dsr.getRequest(id);
    if (!r) throw notFound('No such data-subject request.');
    const view = viewOf(r);
    if (!opts.deliver || r.kind !== 'access' || r.status !== 'approved' || requesterOf(actor) !== r.requester) return view;
    const sealed = await this.d.storage.transaction(async (tx) => {
      // delivered once: a concurrent collection that won leaves this one nothing
      if (!(await tx.dsr.moveRequest(id, 'approved', 'delivered', null, this.d.clock()))) return undefined;
      await this.d.audit.append(
        {
          ...actorFields(actor),
          action: 'dsr.deliver',
          outcome: 'granted',
          subjects: [r.pseudonym!],
          detail: { request_id: id, reference: r.reference, fields: r.withheld },
        },
        tx,
      );
      return this.d.vault.fetch(tx, r.pseudonym!);
    });
    if (!sealed) return { ...view, status: 'delivered' };
    return { ...view, status: 'delivered', identity: this.d.vault.open(sealed, r.withheld) };
  }

  async decide(actor: AuditActor, id: string, decision: 'approve' | 'deny'): Promise<Record<string, unknown>> {
    const r = await this.d.storage.dsr.getRequest(id);
    if (!r) throw notFound('No such data-subject request.');
    const me = requesterOf(actor);
    if (me === r.requester) {
      await this.d.audit.append({
        ...actorFields(actor),
        action: `dsr.${decision}`,
        outcome: 'denied',
        subjects: r.pseudonym ? [r.pseudonym] : [],
        detail: { request_id: id, reason: 'own_request' },
      });
      throw new AppError('auth.forbidden', 'A request cannot be decided by the person who made it.');
    }
    if (r.status !== 'pending_approval') throw new AppError('request.conflict', `The request is ${r.status}; only a pending access package can be decided.`);
    const status = decision === 'approve' ? 'approved' : 'denied';
    const at = this.d.clock();
    await this.d.storage.transaction(async (tx) => {
      if (!(await tx.dsr.moveRequest(id, 'pending_approval', status, me, at))) throw new AppError('request.conflict', 'The request was decided meanwhile.');
      await this.d.audit.append(
        {
          ...actorFields(actor),
          action: `dsr.${decision}`,
          outcome: 'ok',
          subjects: [r.pseudonym!],
          detail: { request_id: id, reference: r.reference, fields: r.withheld },
        },
        tx,
      );
    });
    return { ...viewOf(r), status, decided_by: me, decided_at: iso(at) };
  }

  /** Resolves when every erasure's maintenance has ended (tests, shutdown). */
  async maintenanceIdle(): Promise<void> {
    while (this.maintenance.size > 0) await Promise.all([...this.maintenance]);
  }

  /**
   * Quota, lookup and the request's own work in one write transaction, so two instances cannot
   * both take the last request of a quota. A request that reaches no one is recorded and audited
   * (it counts: probing identifiers is itself limited); the quota refusal is audited after.
   */
  private async begin<T>(
    kind: DsrKind,
    caller: Caller,
    actor: AuditActor,
    input: DsrInput,
    act: (tx: Ports, pseudonym: string, base: DsrRequest) => Promise<T>,
  ): Promise<T> {
    const quota = this.d.access.callerPrivilege(caller).dsrDailyQuota;
    const hash = identifierKeyHash(input.identifier, this.d.pseudonymizer, this.d.dictionary.defaultRegion);
    const now = this.d.clock();
    const dayStart = Math.floor(now / DAY_MS) * DAY_MS;
    const action = `dsr.${kind}`;
    const base: DsrRequest = {
      id: 'dsr_' + crypto.randomUUID(),
      kind,
      requester: requesterOf(actor),
      reference: input.reference,
      identifierType: input.identifier.type,
      pseudonym: null,
      status: 'not_found',
      withheld: [],
      decidedBy: null,
      decidedAt: null,
      deliveredAt: null,
      receipt: null,
      maintenance: null,
      createdAt: now,
    };
    const outcome = await this.d.storage.transaction(async (tx): Promise<{ refused: Refusal } | { done: T }> => {
      if ((await tx.dsr.requestsSince(base.requester, dayStart)) >= quota) return { refused: 'quota_exceeded' };
      const found = await tx.dsr.findLink(hash);
      if (found !== undefined && found !== SHARED_LINK) return { done: await act(tx, found, base) };
      const shared = found === SHARED_LINK;
      const reason = shared ? 'ambiguous' : (await tx.dsr.isSuppressed(this.d.pseudonymizer.suppressionKey(hash))) ? 'erased' : 'not_found';
      await tx.dsr.insertRequest({ ...base, status: shared ? 'ambiguous' : 'not_found' });
      await this.d.audit.append(
        {
          ...actorFields(actor),
          action,
          outcome: 'denied',
          detail: { request_id: base.id, reference: base.reference, reason, identifier_type: base.identifierType },
        },
        tx,
      );
      return { refused: shared ? 'ambiguous' : 'not_found' };
    });
    if ('done' in outcome) return outcome.done;
    switch (outcome.refused) {
      case 'quota_exceeded':
        await this.d.audit.append({
          ...actorFields(actor),
          action,
          outcome: 'denied',
          detail: { reference: base.reference, reason: 'quota_exceeded', identifier_type: base.identifierType },
        });
        throw new AppError('request.rate_limited', `The daily quota of data-subject requests (${quota}) is used up.`, {
          headers: { 'Retry-After': String(Math.ceil((dayStart + DAY_MS - now) / 1000)) },
        });
      case 'ambiguous':
        throw new AppError('request.conflict', 'This identifier was sent for more than one person; use the email or the customer_id.');
      case 'not_found':
        throw notFound();
    }
  }

  /** The receipt reports the step, its outcome, and how long after the commit the old copies were gone. */
  private compactAfter(id: string): void {
    const step = this.d.storage.maintenance.erasureStep;
    const started = performance.now();
    const done = this.d.storage.maintenance
      .afterErasure()
      .then(async (ok) => {
        if (!ok) this.d.onOldCopiesKept?.();
        await this.d.storage.dsr.setMaintenance(id, {
          [step]: ok ? 'done' : 'failed',
          completed_at: iso(this.d.clock()),
          delay_ms: Math.round(performance.now() - started),
        });
      })
      .catch(() => this.d.onOldCopiesKept?.())
      .finally(() => this.maintenance.delete(done));
    this.maintenance.add(done);
  }
}

const requesterOf = (a: AuditActor) => `${a.issuer}:${a.subject}`;

function receiptOf(c: ErasureCounts): Record<string, unknown> {
  return {
    vault_data_key: c.vaultKeyDestroyed ? 'destroyed' : 'absent',
    features: c.features,
    transactions: c.transactions,
    consent_records: c.consents,
    segment_memberships: c.memberships,
    linkage_keys: c.links,
    in_flight_runs: c.inFlightRuns,
  };
}

function viewOf(r: DsrRequest): Record<string, unknown> {
  return {
    id: r.id,
    kind: r.kind,
    reference: r.reference,
    status: r.status,
    identifier_type: r.identifierType,
    pseudonym: r.pseudonym,
    requested_by: r.requester,
    withheld_fields: r.withheld,
    created_at: iso(r.createdAt),
    decided_by: r.decidedBy,
    decided_at: r.decidedAt === null ? null : iso(r.decidedAt),
    delivered_at: r.deliveredAt === null ? null : iso(r.deliveredAt),
    ...(r.receipt && { receipt: r.receipt }),
    ...(r.maintenance && { maintenance: r.maintenance }),
  };
}
