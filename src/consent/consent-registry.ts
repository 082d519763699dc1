// The consent registry: append consent events, derive coverage of a purpose for a subject, and
// say of every write whether it took effect (a 201 alone would mislead: a backdated withdrawal
// behind a later grant is recorded and changes nothing).
import { AppError } from '../errors/app-error.ts';
import { DAY_MS } from '../ingest/field-value.ts';
import type { Purpose } from '../policy/access-policy.ts';
import type { Ports } from '../storage/storage.ts';
import { recordKey, type ConsentRecord, type ConsentRecordInput, type ConsentStatePatch } from './consent-store.ts';
import { consentExpiry, coverage, supersedes, type ConsentStateRow, type ConsentStatus, type Coverage } from './coverage.ts';

/**
 * What a consent write did. `current`: it is now the subject's state for the purpose;
 * `later_record_decides`: a record collected after it does; `objection_stands`: a grant collected
 * at the same instant as the subject's refusal does not supersede it; `unchanged`: a repeated
 * flag or record, nothing was written.
 */
export interface ConsentWrite {
  id: number | null;
  effective: boolean;
  reason: 'current' | 'later_record_decides' | 'objection_stands' | 'unchanged';
  /** The expiry asked for went past the purpose's validity and was cut to it. */
  expiresCapped: boolean;
  /** The expiry stored (after the cap); null when the purpose's validity applies. */
  expiresAt: number | null;
}

export class ConsentRegistry {
  constructor(
    readonly purposes: ReadonlyMap<string, Purpose>,
    private readonly clock: () => number,
  ) {}

  purpose(name: string): Purpose {
    const p = this.purposes.get(name);
    if (!p) {
      throw new AppError('request.validation_failed', 'Unknown purpose.', {
        errors: [{ path: 'purpose', code: 'enum', message: `must be one of: ${[...this.purposes.keys()].join(', ')}` }],
      });
    }
    return p;
  }

  /**
   * A batch of consent statements decided against the held states in memory and written at once:
   * what one ingest batch (or one DPO record) does.
   */
  batch(held: Map<string, Map<string, ConsentStateRow>>): ConsentBatch {
    return new ConsentBatch(this, held);
  }

  /** Records one consent change (the DPO's), in the caller's transaction. */
  async record(tx: Ports, r: ConsentRecordInput): Promise<ConsentWrite> {
    const b = this.batch(await tx.consents.states([r.pseudonym]));
    const w = b.add(r);
    const [id] = await b.write(tx);
    return { ...w, id: id ?? null };
  }

  async covers(ports: Ports, pseudonym: string, purposeName: string, now = this.clock()): Promise<Coverage> {
    return coverage(this.purpose(purposeName), await ports.consents.state(pseudonym, purposeName), now);
  }

  history(ports: Ports, pseudonym: string): Promise<ConsentRecord[]> {
    return ports.consents.history(pseudonym);
  }

  static statusOfFlag(v: boolean): ConsentStatus {
    return v ? 'granted' : 'denied';
  }

  /**
   * The expiry a record is stored with: capped by the purpose's validity from its collection, so
   * no source (nor the DPO) can make a consent outlive what the purpose allows (`expires_at: 2099`).
   */
  capped(r: ConsentRecordInput): { record: ConsentRecordInput; expiresCapped: boolean } {
    const cap = r.collectedAt + this.purpose(r.purpose).consentValidityDays * DAY_MS;
    const expiresCapped = r.expiresAt !== null && r.expiresAt > cap;
    return { record: expiresCapped ? { ...r, expiresAt: cap } : r, expiresCapped };
  }
}

const UNCHANGED: Omit<ConsentWrite, 'id'> = Object.freeze({ effective: false, reason: 'unchanged', expiresCapped: false, expiresAt: null });

/**
 * Consent statements of one unit of work, decided in order against the states held (kept up to
 * date as the batch goes), then written in one go. Statements repeating a record the history
 * holds are found by `dedupe` before they are decided.
 */
export class ConsentBatch {
  private readonly writes: { record: ConsentRecordInput; current: boolean; id?: number }[] = [];
  private statesWritten = false;
  private readonly seen = new Set<string>();

  constructor(
    private readonly registry: ConsentRegistry,
    private readonly held: Map<string, Map<string, ConsentStateRow>>,
  ) {}

  private state(r: ConsentRecordInput): ConsentStateRow | undefined {
    return this.held.get(r.pseudonym)?.get(r.purpose);
  }

  /** Decides one statement; `existing`: keys of records the history already holds (see ConsentStore.existing). */
  add(input: ConsentRecordInput, existing?: ReadonlySet<string>): Omit<ConsentWrite, 'id'> {
    const key = recordKey(input);
    if (this.seen.has(key) || existing?.has(key)) return UNCHANGED;
    this.seen.add(key);
    const { record, expiresCapped } = this.registry.capped(input);
    const held = this.state(record);
    const current = supersedes(held, record);
    if (current) {
      let byPurpose = this.held.get(record.pseudonym);
      if (!byPurpose) this.held.set(record.pseudonym, (byPurpose = new Map()));
      byPurpose.set(record.purpose, { status: record.status, legalBasis: record.legalBasis, collectedAt: record.collectedAt, expiresAt: record.expiresAt });
    }
    this.writes.push({ record, current });
    const reason = current ? 'current' : held && held.collectedAt > record.collectedAt ? 'later_record_decides' : 'objection_stands';
    return { effective: current, reason, expiresCapped, expiresAt: record.expiresAt };
  }

  /**
   * A consent flag, repeated on every customer row: nothing is written when it states what is
   * held, unless it is a grant collected after the held grant lapsed (a renewal).
   */
  addFlag(r: ConsentRecordInput, existing?: ReadonlySet<string>): Omit<ConsentWrite, 'id'> {
    const held = this.state(r);
    const renews = r.status === 'granted' && held !== undefined && consentExpiry(this.registry.purpose(r.purpose), held) <= r.collectedAt;
    if (held?.status === r.status && !renews) return UNCHANGED;
    return this.add(r, existing);
  }

  /**
   * Reserves the ids of the records decided so far and hands over the states they set, per
   * subject (the last current record of a purpose wins), for the caller to write with the
   * subject's row; write() then appends the records alone. A customer batch does this so a new
   * subject's row is written once, with its consent state, instead of written and then updated.
   */
  async takeStates(tx: Ports): Promise<Map<string, Record<string, ConsentStatePatch>>> {
    const ids = await tx.consents.reserveIds(this.writes.length);
    const out = new Map<string, Record<string, ConsentStatePatch>>();
    this.writes.forEach((w, i) => {
      w.id = ids[i]!;
      if (!w.current) return;
      const r = w.record;
      let patch = out.get(r.pseudonym);
      if (!patch) out.set(r.pseudonym, (patch = {}));
      patch[r.purpose] = { state: { status: r.status, legalBasis: r.legalBasis, collectedAt: r.collectedAt, expiresAt: r.expiresAt }, recordId: w.id };
    });
    this.statesWritten = true;
    return out;
  }

  /** Writes what was decided; the ids in the order of the statements that were written. */
  write(tx: Ports): Promise<number[]> {
    return this.writes.length === 0 ? Promise.resolve([]) : tx.consents.append(this.writes, { statesWritten: this.statesWritten });
  }
}
