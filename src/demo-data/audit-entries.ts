// Synthetic audit entries, chained under the real audit key and written through the audit port in
// large units (a benchmark's million entries, a test's tens of thousands): the same rows appends
// write, without an append's per-entry lock and head file. The caller seals the head afterwards
// (AuditLog.syncHead), so the gateway starts on them as on its own.
import crypto from 'node:crypto';
import { chainHash, GENESIS, type AuditEntry } from '../audit/audit-entry.ts';
import type { Storage } from '../storage/storage.ts';

export interface SyntheticAuditOptions {
  /** The first entry's time (ms); each next one is a second later. */
  startAt: number;
  policyVersion: string;
  /** Entries per unit of work. */
  batch?: number;
}

const ACTIONS = ['reidentification.request', 'segment.members.export', 'consent.change', 'dsr.access', 'ingest.batch', 'auth.forbidden'] as const;
const OUTCOMES = ['granted', 'ok', 'ok', 'pending', 'ok', 'denied'] as const;

/** The entry numbered `seq`'s fields: varied actors, a pseudonym or two, text a CSV writer must quote. */
export function syntheticAuditFields(seq: number, at: number, policyVersion: string): Omit<AuditEntry, 'hash' | 'prevHash' | 'seq'> {
  const k = seq % ACTIONS.length;
  const pseudonym = `p1_${seq.toString(36).padStart(22, '0')}`;
  return {
    at,
    actorIssuer: 'dev',
    actorSubject: `analyst-${seq % 17}`,
    roles: k === 3 ? 'dpo' : 'marketing',
    action: ACTIONS[k]!,
    outcome: OUTCOMES[k]!,
    purpose: k === 0 ? 'customer_service' : null,
    // commas, quotes, a line break and a formula-looking start: what RFC 4180 quoting must survive
    justification: k === 0 ? (seq % 4 === 0 ? `=ticket ${seq}, "urgent"\r\ncalled back` : `Ticket ${seq}, customer called about a delivery`) : null,
    subjects: JSON.stringify(k === 5 ? [] : k === 1 ? [pseudonym, `p1_${(seq + 1).toString(36).padStart(22, '0')}`] : [pseudonym]),
    policyVersion,
    requestId: crypto.randomUUID(),
    detail: JSON.stringify({ n: seq, ...(k === 1 && { run_id: `seg_${seq % 97}`, count: 2 }) }),
  };
}

/** Appends `n` synthetic entries after the log's last one, `batch` per unit of work; returns the last seq. */
export async function writeSyntheticAuditEntries(storage: Storage, auditKey: Buffer, n: number, o: SyntheticAuditOptions): Promise<number> {
  const key = crypto.createSecretKey(auditKey);
  const batch = o.batch ?? 10_000;
  let written = 0;
  let last = 0;
  while (written < n) {
    const count = Math.min(batch, n - written);
    last = await storage.transaction(async (tx) => {
      await tx.audit.lockChain();
      const tail = await tx.audit.last();
      let prev = tail?.hash ?? GENESIS;
      let seq = tail?.seq ?? 0;
      for (let i = 0; i < count; i++) {
        seq++;
        const e = { seq, ...syntheticAuditFields(seq, o.startAt + (written + i) * 1000, o.policyVersion), prevHash: prev };
        const full = { ...e, hash: chainHash(key, e) };
        await tx.audit.insert(full);
        prev = full.hash;
      }
      return seq;
    });
    written += count;
  }
  return last;
}
