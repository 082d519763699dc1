// Recomputes the keyed chain, and checks it against the sealed head and any checkpoints kept
// outside the data directory: an edited, deleted, inserted or reordered entry, a cut tail and a
// missing, forged or rewound head are each found and located.
import crypto from 'node:crypto';
import { chainHash, GENESIS, type AuditEntry } from './audit-entry.ts';
import type { HeadSeal, HeadState } from './audit-head.ts';

export interface Verification {
  ok: boolean;
  entries: number;
  head: { seq: number; hash: string } | null;
  first_invalid_seq: number | null;
  reason?:
    'hash_mismatch' | 'chain_broken' | 'seq_gap' | 'truncated' | 'head_mismatch' | 'head_missing' | 'head_invalid' | 'head_forged' | 'checkpoint_mismatch';
  /** Seqs of `audit.reanchor` entries: where an operator re-anchored a missing or broken head. */
  reanchored_at?: number[];
  /** Checkpoints given to the verification: checked against the chain, or ignored (unsealed, forged). */
  checkpoints?: { checked: number; ignored: number };
}

export async function verifyChain(
  entries: AsyncIterable<AuditEntry>,
  key: crypto.KeyObject,
  seal: HeadSeal,
  headState: HeadState,
  checkpoints: readonly unknown[] = [],
): Promise<Verification> {
  const opened = checkpoints.map((c) => seal.open(c));
  const marks = opened.filter((c) => c.state === 'ok').map((c) => (c as { head: { seq: number; hash: string } }).head);
  const wanted = new Set(marks.map((m) => m.seq));
  if (headState.state === 'ok') wanted.add(headState.head.seq);
  const hashAt = new Map<number, string>();
  const reanchors: number[] = [];
  let prev = GENESIS;
  let expected = 1;
  let count = 0;
  let last: { seq: number; hash: string } | null = null;
  const result = (v: Omit<Verification, 'entries' | 'head'>): Verification => ({
    entries: count,
    head: last,
    ...v,
    ...(reanchors.length > 0 && { reanchored_at: reanchors }),
    ...(checkpoints.length > 0 && { checkpoints: { checked: marks.length, ignored: checkpoints.length - marks.length } }),
  });
  for await (const e of entries) {
    count++;
    const fail = (reason: Verification['reason'], seq = e.seq) => result({ ok: false, first_invalid_seq: seq, reason });
    if (e.seq !== expected) return fail('seq_gap', Math.min(e.seq, expected));
    if (e.prevHash !== prev) return fail('chain_broken');
    const { hash, ...rest } = e;
    const want = chainHash(key, rest);
    if (hash.length !== want.length || !crypto.timingSafeEqual(Buffer.from(hash), Buffer.from(want))) return fail('hash_mismatch');
    if (wanted.has(e.seq)) hashAt.set(e.seq, e.hash);
    if (e.action === 'audit.reanchor') reanchors.push(e.seq);
    prev = e.hash;
    last = { seq: e.seq, hash: e.hash };
    expected++;
  }
  const after = (last?.seq ?? 0) + 1;
  const broken = (reason: Verification['reason'], seq: number) => result({ ok: false, first_invalid_seq: seq, reason });
  switch (headState.state) {
    case 'missing':
      // an empty log without a head is a fresh start; a log with entries must have one
      if (count > 0) return broken('head_missing', after);
      break;
    case 'invalid':
      return broken('head_invalid', after);
    case 'forged':
      return broken('head_forged', after);
    case 'ok':
      if (headState.head.seq > (last?.seq ?? 0)) return broken('truncated', after);
      if (hashAt.get(headState.head.seq) !== headState.head.hash) return broken('head_mismatch', headState.head.seq);
  }
  for (const m of marks) {
    if (m.seq > (last?.seq ?? 0)) return broken('truncated', after);
    if (hashAt.get(m.seq) !== m.hash) return broken('checkpoint_mismatch', m.seq);
  }
  return result({ ok: true, first_invalid_seq: null });
}
