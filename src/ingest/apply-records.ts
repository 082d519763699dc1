// Transaction and consent rows of one batch, inside its unit of work.
import type { ConsentRegistry } from '../consent/consent-registry.ts';
import type { ConsentRecordInput } from '../consent/consent-store.ts';
import type { ConsentStatus } from '../consent/coverage.ts';
import type { Dictionary } from '../policy/load-dictionary.ts';
import type { Pseudonymizer } from '../pseudonymization/pseudonymizer.ts';
import type { Ports } from '../storage/storage.ts';
import type { ConsentTally } from './consent-rows.ts';
import { epochDay, type Cell } from './field-value.ts';
import { rowError } from './ingest-errors.ts';
import type { BehaviourDelta, TransactionRow } from './ingest-store.ts';
import type { RowError } from './record-validator.ts';
import { resolveSubjects } from './resolve-subjects.ts';

type Rows = readonly { row: number; values: Record<string, Cell> }[];
interface Deps {
  dictionary: Dictionary;
  pseudonymizer: Pseudonymizer;
  consents: ConsentRegistry;
}

export async function applyTransactions(
  d: Deps,
  tx: Ports,
  ctx: { source: string; batchId: string; now: number },
  rows: Rows,
  errors: RowError[],
): Promise<{ duplicates: number; subjects: string[] }> {
  const subjects = await resolveSubjects(tx, d, ctx.source, rows, errors);
  const writes: TransactionRow[] = [];
  rows.forEach(({ values }, i) => {
    const pseudonym = subjects[i];
    if (!pseudonym) return;
    writes.push({
      pseudonym,
      source: ctx.source,
      sourceTxnId: values['transaction_id'] === undefined ? null : String(values['transaction_id']),
      day: epochDay(String(values['date'])),
      amount: Number(values['amount']),
      currency: values['currency'] === undefined ? 'EUR' : String(values['currency']),
      channel: String(values['channel']),
      category: values['category'] === undefined ? null : String(values['category']),
      batchId: ctx.batchId,
    });
  });
  const inserted = await tx.ingest.insertTransactions(writes);
  const deltas = new Map<string, BehaviourDelta>();
  let duplicates = 0;
  writes.forEach((t, i) => {
    if (!inserted[i]) {
      duplicates++;
      return;
    }
    const d = deltas.get(t.pseudonym) ?? {
      pseudonym: t.pseudonym,
      source: ctx.source,
      firstDay: t.day,
      lastDay: t.day,
      count: 0,
      amount: 0,
      byChannel: { web: 0, store: 0, phone: 0, app: 0 },
    };
    d.firstDay = Math.min(d.firstDay, t.day);
    d.lastDay = Math.max(d.lastDay, t.day);
    d.count++;
    d.amount += t.amount;
    d.byChannel[t.channel as keyof BehaviourDelta['byChannel']]++;
    deltas.set(t.pseudonym, d);
  });
  await tx.ingest.addBehaviour([...deltas.values()], ctx.now);
  return { duplicates, subjects: [...deltas.keys()] };
}

export async function applyConsents(
  d: Deps,
  tx: Ports,
  ctx: { source: string; now: number; actor: string },
  rows: Rows,
  errors: RowError[],
  tally: ConsentTally,
): Promise<{ duplicates: number; subjects: string[] }> {
  const subjects = await resolveSubjects(tx, d, ctx.source, rows, errors);
  const records: { row: number; record: ConsentRecordInput }[] = [];
  rows.forEach(({ row, values }, i) => {
    const pseudonym = subjects[i];
    if (!pseudonym) return;
    const expires = values['expires_at'] === undefined ? null : Date.parse(String(values['expires_at']));
    const collected = Date.parse(String(values['collected_at']));
    if (expires !== null && expires <= collected) {
      errors.push(rowError(row, 'expires_at', 'range', 'must be after collected_at'));
      return;
    }
    records.push({
      row,
      record: {
        pseudonym,
        purpose: String(values['purpose']),
        status: String(values['status']) as ConsentStatus,
        legalBasis: values['legal_basis'] === undefined ? 'consent' : String(values['legal_basis']),
        source: ctx.source,
        collectedAt: collected,
        expiresAt: expires,
        noticeVersion: values['notice_version'] === undefined ? null : String(values['notice_version']),
        recordedAt: ctx.now,
        recordedBy: ctx.actor,
      },
    });
  });
  const touched = [...new Set(records.map((r) => r.record.pseudonym))];
  const batch = d.consents.batch(await tx.consents.states(touched));
  // a record the history already holds (a feed sent again) is written once
  const known = await tx.consents.existing(records.map((r) => r.record));
  for (const r of records) tally.add(r.row, r.record.purpose, batch.add(r.record, known));
  await batch.write(tx);
  return { duplicates: 0, subjects: touched };
}
