// The subjects transaction and consent rows link to, by the dictionary's linkage order, resolved
// for a whole batch in one read of the links (and one of suppressions, for those found nowhere).
import type { Dictionary } from '../policy/load-dictionary.ts';
import type { Pseudonymizer } from '../pseudonymization/pseudonymizer.ts';
import type { Ports } from '../storage/storage.ts';
import type { Cell } from './field-value.ts';
import { ERASED_SUBJECT, LINKAGE_MISSING, UNKNOWN_SUBJECT, rowError } from './ingest-errors.ts';
import { firstLinkageField, linkKeys } from './linkage.ts';
import type { RowError } from './record-validator.ts';

export async function resolveSubjects(
  tx: Ports,
  d: { dictionary: Dictionary; pseudonymizer: Pseudonymizer },
  source: string,
  rows: readonly { row: number; values: Record<string, Cell> }[],
  errors: RowError[],
): Promise<(string | undefined)[]> {
  const keysOf = rows.map(({ values }) => linkKeys(d.dictionary, d.pseudonymizer, source, values));
  const links = await tx.ingest.findLinks([...new Set(keysOf.flat().map((k) => k.hash))]);
  const unresolved = rows.map((_, i) => keysOf[i]!.length > 0 && !keysOf[i]!.some((k) => links.has(k.hash)));
  const suppressionKeys = keysOf.flatMap((keys, i) => (unresolved[i] ? keys.map((k) => d.pseudonymizer.suppressionKey(k.hash)) : []));
  const suppressed = await tx.ingest.suppressed(suppressionKeys);
  return rows.map(({ row }, i) => {
    const keys = keysOf[i]!;
    if (keys.length === 0) {
      errors.push(rowError(row, firstLinkageField(d.dictionary), LINKAGE_MISSING, 'no linkage key is present'));
      return undefined;
    }
    for (const k of keys) {
      const p = links.get(k.hash);
      if (p) return p;
    }
    const erased = keys.find((k) => suppressed.has(d.pseudonymizer.suppressionKey(k.hash)));
    if (erased) errors.push(rowError(row, erased.field, ERASED_SUBJECT, 'this subject was erased and may not be ingested again'));
    else errors.push(rowError(row, keys[0]!.field, UNKNOWN_SUBJECT, 'no customer with this linkage key is known'));
    return undefined;
  });
}
