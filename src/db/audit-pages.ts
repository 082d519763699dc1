// Keyset pages over the audit log, for both adapters: each page is one query (seq > the last seq
// read, ORDER BY seq LIMIT size), read when the consumer asks for it; nothing stays open between.
import type { AuditEntry } from '../audit/audit-entry.ts';
import type { AuditFilter, AuditQuery } from '../audit/audit-store.ts';

export async function* keysetPages(query: (q: AuditQuery) => Promise<AuditEntry[]>, q: AuditFilter, size: number): AsyncGenerator<AuditEntry[]> {
  let after = q.afterSeq ?? 0;
  for (;;) {
    const page = await query({ ...q, afterSeq: after, limit: size });
    if (page.length > 0) yield page;
    if (page.length < size) return;
    after = page[page.length - 1]!.seq;
  }
}

/** Entry by entry, pages of 1000 (verification). */
export async function* keysetEntries(query: (q: AuditQuery) => Promise<AuditEntry[]>, q: AuditFilter = {}): AsyncGenerator<AuditEntry> {
  for await (const page of keysetPages(query, q, 1000)) yield* page;
}
