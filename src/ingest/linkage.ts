// Linkage keys of a record, in dictionary order: the first present one names the subject.
import type { Dictionary } from '../policy/load-dictionary.ts';
import type { LinkKind, Pseudonymizer } from '../pseudonymization/pseudonymizer.ts';
import type { Cell } from './field-value.ts';

export interface LinkKey {
  kind: LinkKind;
  hash: string;
  /** The field the key was read from, for error reports. */
  field: string;
}

export function linkKeys(dictionary: Dictionary, p: Pseudonymizer, source: string, values: Record<string, Cell>): LinkKey[] {
  const keys: LinkKey[] = [];
  for (const tuple of dictionary.linkage) {
    const fields = tuple.filter((f) => f !== 'source');
    if (!fields.every((f) => values[f] !== undefined)) continue;
    const parts = fields.map((f) => String(values[f]));
    const kind: LinkKind = fields.length === 1 && fields[0] === 'email' ? 'email' : 'customer_id';
    // A key that includes the source is only unique within that source.
    const scoped = tuple.includes('source') ? [source, ...parts] : parts;
    keys.push({ kind, hash: p.keyHash(kind, ...scoped), field: fields[fields.length - 1]! });
  }
  return keys;
}

/** The field named in a "no linkage key" error: the first one the dictionary would use. */
export const firstLinkageField = (d: Dictionary): string => d.linkage[0]!.find((f) => f !== 'source') ?? 'email';
