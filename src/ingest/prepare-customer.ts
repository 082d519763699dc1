// What a customer row needs before its batch's unit of work, computed from the row alone (so it
// may run on another thread): its link keys and their suppression keys, its identity fields for
// the vault, its feature columns, its consent flags, and (when asked) a speculative vault row for
// the case the row creates a new subject (a new data key, wrapped, and the row's identity fields
// encrypted under it). The unit of work uses the speculative row only when its reads show the
// subject is new and no other row of the batch adds to it; otherwise it is dropped unused.
import type { RecordTypeSpec, Dictionary } from '../policy/load-dictionary.ts';
import type { Pseudonymizer } from '../pseudonymization/pseudonymizer.ts';
import type { VaultCipher } from '../vault/vault-cipher.ts';
import { customerFeatures } from './customer-features.ts';
import type { Cell } from './field-value.ts';
import { linkKeys, type LinkKey } from './linkage.ts';

export interface SpeculativeVault {
  wrappedKey: Buffer;
  ciphertext: Buffer;
  fields: string;
}

export interface PreparedCustomer {
  row: number;
  /** Identity keys in dictionary order, then the phone lookup key; empty: the row has no linkage key. */
  keys: LinkKey[];
  /** Pseudonymizer.suppressionKey of each key, in the same order. */
  suppressionKeys: string[];
  /**
   * The row's direct and quasi-identifiers as the vault stores them, as JSON: one string crosses
   * threads far cheaper than an object of a dozen, and a new subject's speculative row never
   * needs it parsed.
   */
  identity: string;
  columns: Record<string, string | number>;
  /** The features the row sets, comma-separated (most rows of a batch set the same ones). */
  features: string;
  /** [purpose, granted] per consent flag the row carries. */
  flags: [purpose: string, granted: boolean][];
  /** When the source collected the flags (the row's consent time field); NaN without flags. */
  collectedAt: number;
  /** Set when asked for: the vault row of a new subject named by keys[0] holding this row alone. */
  speculative?: SpeculativeVault;
}

export interface CustomerPrepDeps {
  dictionary: Dictionary;
  pseudonymizer: Pseudonymizer;
  cipher: VaultCipher;
}

const IDENTITY = new Set(['direct_identifier', 'quasi_identifier']);

export function prepareCustomer(
  d: CustomerPrepDeps,
  spec: RecordTypeSpec,
  ctx: { source: string; today: string; speculate: boolean },
  row: number,
  values: Record<string, Cell>,
): PreparedCustomer {
  const { pseudonymizer, cipher } = d;
  const keys = linkKeys(d.dictionary, pseudonymizer, ctx.source, values);
  if (keys.length > 0 && typeof values['phone'] === 'string')
    keys.push({ kind: 'phone', hash: pseudonymizer.keyHash('phone', values['phone']), field: 'phone' });
  const identity: Record<string, string> = {};
  const flags: PreparedCustomer['flags'] = [];
  for (const rule of spec.fields.values()) {
    const v = values[rule.name];
    if (v === undefined) continue;
    if (IDENTITY.has(rule.classification)) identity[rule.name] = String(v);
    if (rule.consent_purpose && typeof v === 'boolean') flags.push([rule.consent_purpose, v]);
  }
  const { columns, features } = customerFeatures(spec, values, ctx.today);
  const prepared: PreparedCustomer = {
    row,
    keys,
    suppressionKeys: keys.map((k) => pseudonymizer.suppressionKey(k.hash)),
    identity: JSON.stringify(identity),
    columns,
    features: features.join(','),
    flags,
    collectedAt: flags.length > 0 ? Date.parse(String(values[spec.consentTimeField!])) : NaN,
  };
  if (ctx.speculate && keys.length > 0) {
    const pseudonym = keys[0]!.hash;
    const dataKey = cipher.newDataKey();
    const { ciphertext, fields } = cipher.encryptRecord(dataKey, pseudonym, identity);
    prepared.speculative = { wrappedKey: cipher.wrap(dataKey, pseudonym), ciphertext, fields };
    dataKey.fill(0);
  }
  return prepared;
}
