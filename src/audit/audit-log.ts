// Appends keyed, chained entries (before any answer leaves) and verifies the whole chain.
import { AsyncLocalStorage } from 'node:async_hooks';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../errors/app-error.ts';
import { chainHash, GENESIS, type AuditEntry, type AuditInput } from './audit-entry.ts';
import type { AuditQuery, AuditStore } from './audit-store.ts';

export const HEAD_FILE = 'audit-head.json';

export interface Verification {
  ok: boolean;
  entries: number;
  head: { seq: number; hash: string } | null;
  first_invalid_seq: number | null;
  reason?: 'hash_mismatch' | 'chain_broken' | 'seq_gap' | 'truncated' | 'head_mismatch';
}

export class AuditUnavailable extends AppError {
  constructor(cause: unknown) {
    super('server.unavailable', 'The audit log cannot be written; the request was refused and nothing was returned.', { cause });
    this.name = 'AuditUnavailable';
  }
}

export class AuditLog {
  private readonly key: crypto.KeyObject;
  private readonly headFile: string;
  /**
   * Entries appended while one request is handled, so the HTTP edge adds no second entry for it.
   * Scoped by async context, not by request id: a client may send the same X-Request-Id twice.
   */
  private readonly requests = new AsyncLocalStorage<{ appended: number }>();

  constructor(
    private readonly store: AuditStore,
    auditKey: Buffer,
    dataDir: string,
    private readonly policyVersion: () => string,
    private readonly clock: () => number,
  ) {
    this.key = crypto.createSecretKey(auditKey);
    this.headFile = path.join(dataDir, HEAD_FILE);
  }

  /**
   * Appends one entry: inside the caller's transaction when there is one (so the action and
   * its entry commit together), else in its own. Any failure is an AuditUnavailable (503).
   */
  append(input: AuditInput): AuditEntry {
    try {
      const entry = this.store.transaction(() => {
        // A head file ahead of the table means committed entries were cut off: number on from
        // the head, so the gap stays detectable instead of being papered over by new entries.
        const stored = this.store.last();
        const head = this.readHead();
        const last = head && (!stored || head.seq > stored.seq) ? head : stored;
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
        this.store.insert(full);
        return full;
      });
      const scope = this.requests.getStore();
      if (scope) scope.appended++;
      return entry;
    } catch (e) {
      throw new AuditUnavailable(e);
    }
  }

  reidentifiedSince(issuer: string, subject: string, since: number): number {
    return this.store.reidentifiedSince(issuer, subject, since);
  }

  query(q: AuditQuery): AuditEntry[] {
    return this.store.query(q);
  }

  aboutSubject(pseudonym: string, actions: readonly string[]): AuditEntry[] {
    return this.store.aboutSubject(pseudonym, actions);
  }

  /** Runs one request's handling; `scope.appended` counts the entries appended inside it. */
  withinRequest<T>(scope: { appended: number }, fn: () => Promise<T>): Promise<T> {
    return this.requests.run(scope, fn);
  }

  /** Runs `fn` and the entries it appends in one transaction. */
  transaction<T>(fn: () => T): T {
    return this.store.transaction(fn);
  }

  /**
   * Writes the committed head (seq, hash) beside the database, atomically, so a cut-off
   * tail is detectable. Called after the transaction that appended has committed.
   */
  syncHead(): void {
    try {
      const last = this.store.last();
      if (!last) return;
      const tmp = `${this.headFile}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, JSON.stringify({ seq: last.seq, hash: last.hash }) + '\n', { mode: 0o600 });
      fs.renameSync(tmp, this.headFile);
    } catch (e) {
      throw new AuditUnavailable(e);
    }
  }

  verify(): Verification {
    let prev = GENESIS;
    let expected = 1;
    let entries = 0;
    let last: { seq: number; hash: string } | null = null;
    for (const e of this.store.iterate()) {
      entries++;
      const fail = (reason: Verification['reason'], seq = e.seq): Verification => ({ ok: false, entries, head: last, first_invalid_seq: seq, reason });
      if (e.seq !== expected) return fail('seq_gap', Math.min(e.seq, expected));
      if (e.prevHash !== prev) return fail('chain_broken');
      const { hash, ...rest } = e;
      const want = chainHash(this.key, rest);
      if (hash.length !== want.length || !crypto.timingSafeEqual(Buffer.from(hash), Buffer.from(want))) return fail('hash_mismatch');
      prev = e.hash;
      last = { seq: e.seq, hash: e.hash };
      expected++;
    }
    const head = this.readHead();
    if (head && (!last || head.seq > last.seq)) {
      return { ok: false, entries, head: last, first_invalid_seq: (last?.seq ?? 0) + 1, reason: 'truncated' };
    }
    if (head && last && head.seq === last.seq && head.hash !== last.hash) {
      return { ok: false, entries, head: last, first_invalid_seq: last.seq, reason: 'head_mismatch' };
    }
    return { ok: true, entries, head: last, first_invalid_seq: null };
  }

  private readHead(): { seq: number; hash: string } | undefined {
    try {
      const h = JSON.parse(fs.readFileSync(this.headFile, 'utf8')) as { seq: unknown; hash: unknown };
      return Number.isSafeInteger(h.seq) && typeof h.hash === 'string' ? { seq: h.seq as number, hash: h.hash } : undefined;
    } catch {
      return undefined;
    }
  }
}
