// Appends keyed, chained entries (before any answer leaves), keeps the sealed external head in
// step, and verifies the whole chain against it.
import { AsyncLocalStorage } from 'node:async_hooks';
import crypto from 'node:crypto';
import { AppError, isAppError } from '../errors/app-error.ts';
import type { Ports, Storage } from '../storage/storage.ts';
import { chainHash, GENESIS, type AuditEntry, type AuditInput } from './audit-entry.ts';
import { HeadSeal, type Head, type HeadFile, type HeadState, type SealedHead } from './audit-head.ts';
import type { AuditFilter, AuditQuery } from './audit-store.ts';
import { verifyChain, type Verification } from './audit-verify.ts';
import { SYSTEM_ACTOR, actorFields, type AuditActor } from './audit-actor.ts';

export type { Verification } from './audit-verify.ts';

/** A checkpoint is logged when the head has moved this many entries, or this long, since the last. */
export const CHECKPOINT_EVERY = { entries: 1000, ms: 60_000 } as const;

export class AuditUnavailable extends AppError {
  constructor(cause: unknown) {
    // a busy database says when to retry; a log that cannot vouch for itself does not
    const retry = isAppError(cause) ? cause.headers?.['Retry-After'] : undefined;
    super('server.unavailable', 'The audit log cannot be written; the request was refused and nothing was returned.', {
      cause,
      ...(retry !== undefined && { headers: { 'Retry-After': retry } }),
    });
    this.name = 'AuditUnavailable';
  }
}

/** The head cannot vouch for the log's end (missing, unreadable or forged): appends are refused until re-anchored. */
export class AuditHeadLost extends Error {
  constructor(readonly state: HeadState['state']) {
    super(`the audit head is ${state}: run \`veilgate audit verify\`, then \`veilgate audit reanchor --reason ...\``);
    this.name = 'AuditHeadLost';
  }
}

/** Whether an error is the audit log's refusal (an entry or the head could not be written). */
export const isAuditUnavailable = (e: unknown): e is AuditUnavailable => e instanceof AuditUnavailable;

export class AuditLog {
  private readonly key: crypto.KeyObject;
  private readonly seal: HeadSeal;
  /** The highest head this process wrote or confirmed: a deleted file does not make it forget. */
  private known: Head | undefined;
  private checkpointed: Head | undefined;
  /**
   * Entries appended while one request is handled, so the HTTP edge adds no second entry for it.
   * Scoped by async context, not by request id: a client may send the same X-Request-Id twice.
   */
  private readonly requests = new AsyncLocalStorage<{ appended: number }>();
  /** Told how long each append took, in seconds, and whether it was written (metrics). */
  onAppend: ((seconds: number, written: boolean) => void) | undefined;

  constructor(
    private readonly storage: Storage,
    auditKey: Buffer,
    private readonly headFile: HeadFile,
    private readonly policyVersion: () => string,
    private readonly clock: () => number,
    /** Told of each sealed head worth a checkpoint line in the log (a copy outside the data directory). */
    private readonly onCheckpoint: (head: SealedHead) => void = () => {},
    /** Told of each entry once the unit of work that appended it has committed (the audit sink); must not block. */
    private readonly onCommitted?: (entry: AuditEntry) => void,
  ) {
    this.key = crypto.createSecretKey(auditKey);
    this.seal = new HeadSeal(this.key);
  }

  /**
   * Appends one entry: in the caller's unit of work `tx` when given (so the action and its entry
   * commit together), else in its own. Appends take the chain's lock, so instances take turns
   * and the chain stays gapless. Any failure is an AuditUnavailable (503).
   */
  async append(input: AuditInput, tx?: Ports): Promise<AuditEntry> {
    const started = performance.now();
    let written = false;
    try {
      const entry = tx ? await this.appendIn(tx, input) : await this.storage.transaction((t) => this.appendIn(t, input));
      const scope = this.requests.getStore();
      if (scope) scope.appended++;
      written = true;
      return entry;
    } catch (e) {
      throw e instanceof AuditUnavailable ? e : new AuditUnavailable(e);
    } finally {
      this.onAppend?.((performance.now() - started) / 1000, written);
    }
  }

  /** The highest seq this process wrote or confirmed in the sealed head (undefined before the first). */
  get sealedSeq(): number | undefined {
    return this.known?.seq;
  }

  private async appendIn(tx: Ports, input: AuditInput): Promise<AuditEntry> {
    await tx.audit.lockChain();
    return this.insert(tx, input, await this.anchor(tx));
  }

  /**
   * Where the next entry goes: after the table's last entry, or after a head ahead of it (committed
   * entries were cut off: numbering on from the head keeps the gap detectable instead of papering
   * over it). A non-empty log whose head cannot be trusted and that this process has no head of
   * its own for is refused: a fresh head would hide a cut tail.
   */
  private async anchor(tx: Ports): Promise<{ seq: number; hash: string } | undefined> {
    const stored = await tx.audit.last();
    const file = this.headState();
    if (file.state !== 'ok' && stored && !this.known) throw new AuditHeadLost(file.state);
    let best: { seq: number; hash: string } | undefined = stored;
    for (const h of [file.state === 'ok' ? file.head : undefined, this.known]) {
      if (h && (!best || h.seq > best.seq)) best = h;
    }
    return best;
  }

  private async insert(tx: Ports, input: AuditInput, last: { seq: number; hash: string } | undefined): Promise<AuditEntry> {
    const e: Omit<AuditEntry, 'hash'> = {
      seq: (last?.seq ?? 0) + 1,
      at: this.clock(),
      actorIssuer: input.actorIssuer,
      actorSubject: input.actorSubject,
      roles: [...input.roles].join(','),
      action: input.action,
      outcome: input.outcome,
      purpose: input.purpose ?? null,
      justification: input.justification ?? null,
      subjects: JSON.stringify(input.subjects ?? []),
      policyVersion: this.policyVersion(),
      requestId: input.requestId ?? null,
      detail: JSON.stringify(input.detail ?? {}),
      prevHash: last?.hash ?? GENESIS,
    };
    const full = { ...e, hash: chainHash(this.key, e) };
    await tx.audit.insert(full);
    // forwarded once it commits: an entry rolled back with its action never leaves
    const committed = this.onCommitted;
    if (committed) this.storage.afterCommit(() => committed(full));
    return full;
  }

  /** The head file as found: missing, unreadable or unsealed, forged, or sealed under the audit key. */
  headState(): HeadState {
    const text = this.headFile.read();
    return text === undefined ? { state: 'missing' } : this.seal.open(text);
  }

  reidentifiedSince(issuer: string, subject: string, since: number, ports: Ports = this.storage): Promise<number> {
    return ports.audit.reidentifiedSince(issuer, subject, since);
  }

  query(q: AuditQuery): Promise<AuditEntry[]> {
    return this.storage.audit.query(q);
  }

  /** The seq of the last committed entry (0 for an empty log): where an export stops. */
  async headSeq(): Promise<number> {
    return (await this.storage.audit.last())?.seq ?? 0;
  }

  /** The seqs of the first `q.limit` matching entries (where a bounded export ends). */
  seqs(q: AuditQuery): Promise<number[]> {
    return this.storage.audit.seqs(q);
  }

  /** Every entry matching `q`, in seq order, in keyset pages of `size` read as the consumer asks (exports). */
  pages(q: AuditFilter, size: number): AsyncIterable<AuditEntry[]> {
    return this.storage.audit.pages(q, size);
  }

  /**
   * Appends an entry after a request's answer began (the later parts of a streamed export), and
   * moves the sealed head at once, as the request middleware does for entries written before it.
   */
  async appendSealed(input: AuditInput): Promise<AuditEntry> {
    const e = await this.append(input);
    await this.syncHead();
    return e;
  }

  aboutSubject(pseudonym: string, actions: readonly string[], ports: Ports = this.storage): Promise<AuditEntry[]> {
    return ports.audit.aboutSubject(pseudonym, actions);
  }

  /** Runs one request's handling; `scope.appended` counts the entries appended inside it. */
  withinRequest<T>(scope: { appended: number }, fn: () => Promise<T>): Promise<T> {
    return this.requests.run(scope, fn);
  }

  /**
   * Writes the committed head, sealed, beside the database, after the unit that appended has
   * committed. Under the chain's lock, so writers in other processes (the CLI, other instances)
   * take turns and the head only moves forward: a head ahead of the table is never rewound (the
   * table lost entries). A head that disagrees with the table (forged, unreadable, naming another
   * hash) is left as it is: it is the evidence verification reports, until an operator re-anchors.
   */
  async syncHead(): Promise<void> {
    let written: SealedHead | undefined;
    try {
      await this.storage.transaction(async (tx) => {
        await tx.audit.lockChain();
        const last = await tx.audit.last();
        if (!last) return;
        const cur = this.headState();
        if (cur.state === 'invalid' || cur.state === 'forged') return;
        if (cur.state === 'ok' && cur.head.seq > last.seq) throw new Error('the audit head is ahead of the log');
        if (cur.state === 'ok' && (await tx.audit.hashAt(cur.head.seq)) !== cur.head.hash) return;
        const head = { seq: last.seq, hash: last.hash, at: this.clock() };
        if (cur.state === 'ok' && cur.head.seq === head.seq) {
          this.known = cur.head;
          return;
        }
        written = this.seal.seal(head);
        this.headFile.write(JSON.stringify(written) + '\n');
        this.known = head;
      });
    } catch (e) {
      throw new AuditUnavailable(e);
    }
    if (written) this.maybeCheckpoint(written);
  }

  private maybeCheckpoint(head: SealedHead): void {
    const c = this.checkpointed;
    if (c && head.seq - c.seq < CHECKPOINT_EVERY.entries && head.at - c.at < CHECKPOINT_EVERY.ms) return;
    this.checkpointed = head;
    this.onCheckpoint(head);
  }

  /** Emits the current head as a checkpoint now (at start and at shutdown), if there is one. */
  checkpoint(): void {
    const s = this.headState();
    if (s.state === 'ok' && s.head.seq !== this.checkpointed?.seq) {
      this.checkpointed = s.head;
      this.onCheckpoint(this.seal.seal(s.head));
    }
  }

  /**
   * Re-anchors a log whose head was lost (deleted, unreadable, forged): an operator's decision,
   * recorded in the chain itself, so the event stays visible to every later verification.
   */
  async reanchor(reason: string, actor: AuditActor = SYSTEM_ACTOR): Promise<AuditEntry> {
    const before = this.headState();
    const v = await this.verify();
    // Only a head that cannot vouch for the log: a cut tail or an edited entry stays reported
    // for good, re-anchoring would only blur where it is.
    if (!v.reason?.startsWith('head_')) throw new Error(`the audit head does not need re-anchoring (verification: ${v.reason ?? 'ok'})`);
    const sealed = await this.storage.transaction(async (tx) => {
      await tx.audit.lockChain();
      const last = await tx.audit.last();
      const e = await this.insert(
        tx,
        {
          ...actorFields(actor),
          action: 'audit.reanchor',
          outcome: 'ok',
          detail: { previous_head: before.state, verification: v.reason, first_invalid_seq: v.first_invalid_seq, entries: last?.seq ?? 0, reason },
        },
        last,
      );
      const head = this.seal.seal({ seq: e.seq, hash: e.hash, at: e.at });
      this.headFile.write(JSON.stringify(head) + '\n');
      this.known = head;
      return { e, head };
    });
    this.maybeCheckpoint(sealed.head);
    return sealed.e;
  }

  verify(checkpoints: readonly unknown[] = []): Promise<Verification> {
    return verifyChain(this.storage.audit.iterate(), this.key, this.seal, this.headState(), checkpoints);
  }
}
