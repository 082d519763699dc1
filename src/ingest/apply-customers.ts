// Customer rows of one batch, inside its unit of work: every lookup the batch needs in a few reads
// (links, suppressions, vault rows, consent states), each row resolved in order against them and
// the batch's own earlier rows, then every write in one go. The rows come prepared (keys hashed,
// features mapped, maybe their new vault rows encrypted: prepare-customer.ts).
import { ConsentRegistry } from '../consent/consent-registry.ts';
import type { ConsentRecordInput } from '../consent/consent-store.ts';
import type { Dictionary } from '../policy/load-dictionary.ts';
import type { Pseudonymizer } from '../pseudonymization/pseudonymizer.ts';
import type { Ports } from '../storage/storage.ts';
import type { VaultCipher } from '../vault/vault-cipher.ts';
import type { ConsentTally } from './consent-rows.ts';
import { ERASED_SUBJECT, LINKAGE_CONFLICT, LINKAGE_MISSING, rowError } from './ingest-errors.ts';
import type { FeatureUpdate, LinkWrite, VaultRow, VaultWrite } from './ingest-store.ts';
import { firstLinkageField, type LinkKey } from './linkage.ts';
import type { PreparedCustomer, SpeculativeVault } from './prepare-customer.ts';
import type { RowError } from './record-validator.ts';

export interface CustomerDeps {
  dictionary: Dictionary;
  pseudonymizer: Pseudonymizer;
  cipher: VaultCipher;
  consents: ConsentRegistry;
}

interface PendingVault {
  /** No vault row was read for the subject: this batch creates it. */
  created: boolean;
  /** A subject first created by this batch: no consent state can exist for it yet. */
  fresh: boolean;
  /** Null while the speculative row stands (its key stayed where it was prepared). */
  dataKey: Buffer | null;
  wrappedKey: Buffer;
  keyId: string;
  record: Record<string, string>;
  meta: Record<string, [string, number]>;
  /** The prepared row of a new subject holding one row's identity: written as is unless another row adds to it. */
  speculative?: SpeculativeVault;
  /** The identity fields of the batch's rows for the subject (JSON), applied in order when the row is written. */
  identities: string[];
}

export async function applyCustomers(
  d: CustomerDeps,
  tx: Ports,
  ctx: { source: string; now: number; actor: string },
  rows: readonly PreparedCustomer[],
  errors: RowError[],
  consentTally: ConsentTally,
): Promise<{ duplicates: number; subjects: string[] }> {
  const { dictionary, pseudonymizer, cipher } = d;
  const { source, now, actor } = ctx;
  // The batch's reads, once each.
  const allKeys = [...new Set(rows.flatMap((r) => r.keys.map((k) => k.hash)))];
  const suppressed = await tx.ingest.suppressed([...new Set(rows.flatMap((r) => r.suppressionKeys))]);
  const stored = await tx.ingest.findLinks(allKeys);
  const candidates = [...new Set([...stored.values(), ...rows.filter((r) => r.keys.length > 0).map((r) => r.keys[0]!.hash)])];
  const vaults = await tx.ingest.vaults(candidates);
  const existing = [...vaults.keys()].filter((p) => vaults.get(p)!.wrappedKey !== null);
  const consents = d.consents.batch(await tx.consents.states(existing));

  const links = new Map<string, string>();
  const linkWrites: LinkWrite[] = [];
  const pending = new Map<string, PendingVault>();
  const features: FeatureUpdate[] = [];
  // one provenance object per distinct feature set of the batch (shared, never mutated)
  const provenances = new Map<string, FeatureUpdate['provenance']>();
  const provenanceOf = (set: string): FeatureUpdate['provenance'] => {
    let p = provenances.get(set);
    if (!p) provenances.set(set, (p = Object.fromEntries((set === '' ? [] : set.split(',')).map((f) => [f, [source, now] as [string, number]]))));
    return p;
  };
  const flagRecords: { row: number; fresh: boolean; record: ConsentRecordInput }[] = [];
  let duplicates = 0;

  for (const prepared of rows) {
    const { row, keys } = prepared;
    if (keys.length === 0) {
      errors.push(rowError(row, firstLinkageField(dictionary), LINKAGE_MISSING, 'no linkage key is present'));
      continue;
    }
    const erasedKey = suppressed.size > 0 ? keys.find((_, i) => suppressed.has(prepared.suppressionKeys[i]!)) : undefined;
    if (erasedKey) {
      errors.push(rowError(row, erasedKey.field, ERASED_SUBJECT, 'this subject was erased and may not be ingested again'));
      continue;
    }
    // Every identity key must lead to the same subject. Were the first one to win, the row would
    // re-point the other key to it, and the subject that key named would be left unreachable
    // by it (a later erasure by that identifier would miss the data held under it).
    let pseudonym: string | undefined;
    let conflict: LinkKey | undefined;
    for (const k of keys) {
      if (k.kind === 'phone') continue;
      const found = links.get(k.hash) ?? stored.get(k.hash);
      if (found === undefined) continue;
      if (pseudonym === undefined) pseudonym = found;
      else if (found !== pseudonym) {
        conflict = k;
        break;
      }
    }
    if (conflict) {
      errors.push(rowError(row, conflict.field, LINKAGE_CONFLICT, 'the linkage keys of this row belong to two different subjects, which are not merged'));
      continue;
    }
    pseudonym ??= keys[0]!.hash;

    let vault = pending.get(pseudonym);
    if (vault) duplicates++;
    else {
      const held = vaults.get(pseudonym);
      if (held && held.wrappedKey === null) {
        errors.push(rowError(row, keys[0]!.field, ERASED_SUBJECT, 'this subject was erased and may not be ingested again'));
        continue;
      }
      vault = held
        ? openVault(cipher, pseudonym, held)
        : prepared.speculative && pseudonym === keys[0]!.hash
          ? fromSpeculative(cipher, prepared.speculative)
          : newVault(cipher, pseudonym);
      pending.set(pseudonym, vault);
    }
    vault.identities.push(prepared.identity);
    features.push({
      pseudonym,
      keyVersion: pseudonymizer.version,
      values: prepared.columns,
      now,
      provenance: provenanceOf(prepared.features),
    });
    for (const k of keys) {
      if ((links.get(k.hash) ?? stored.get(k.hash)) === pseudonym) continue;
      linkWrites.push({ keyHash: k.hash, kind: k.kind, pseudonym, known: stored.has(k.hash) });
      links.set(k.hash, pseudonym);
    }
    for (const [purpose, granted] of prepared.flags) {
      // when the source collected it (checked present with the row), never when it arrived here
      flagRecords.push({
        row,
        fresh: vault.fresh,
        record: {
          pseudonym,
          purpose,
          status: ConsentRegistry.statusOfFlag(granted),
          legalBasis: 'consent',
          source,
          collectedAt: prepared.collectedAt,
          expiresAt: null,
          noticeVersion: null,
          recordedAt: now,
          recordedBy: actor,
        },
      });
    }
    vault.fresh = false;
  }

  // Flags of subjects held before: those the history already holds are repeats.
  const known = await tx.consents.existing(flagRecords.filter((f) => !f.fresh).map((f) => f.record));
  for (const f of flagRecords) consentTally.add(f.row, f.record.purpose, consents.addFlag(f.record, known));

  const vaultWrites: VaultWrite[] = [];
  for (const [pseudonym, v] of pending) {
    if (v.speculative && v.identities.length === 1) {
      const meta: PendingVault['meta'] = {};
      for (const field of v.speculative.fields === '' ? [] : v.speculative.fields.split(',')) meta[field] = [source, now];
      vaultWrites.push({ pseudonym, created: true, keyId: v.keyId, ...v.speculative, fieldMeta: JSON.stringify(meta) });
      continue;
    }
    for (const json of v.identities) {
      for (const [field, value] of Object.entries(JSON.parse(json) as Record<string, string>)) {
        v.record[field] = value;
        v.meta[field] = [source, now];
      }
    }
    const fieldMeta = JSON.stringify(v.meta);
    // another row of the batch added to a speculative row: it is dropped, with the key it was made under
    const dataKey = v.dataKey ?? cipher.newDataKey();
    const wrappedKey = v.dataKey ? v.wrappedKey : cipher.wrap(dataKey, pseudonym);
    const { ciphertext, fields } = cipher.encryptRecord(dataKey, pseudonym, v.record);
    vaultWrites.push({ pseudonym, created: v.created, keyId: v.keyId, wrappedKey, ciphertext, fields, fieldMeta });
    dataKey.fill(0);
  }
  // the consent states ride on the subjects' rows (written once), the records follow
  const states = await consents.takeStates(tx);
  for (const f of features) {
    const consent = states.get(f.pseudonym);
    if (!consent) continue;
    f.consent = consent;
    states.delete(f.pseudonym);
  }
  if (states.size > 0) throw new Error('consent states decided for a subject the batch does not write');
  await tx.ingest.writeCustomers({ features, links: linkWrites, vaults: vaultWrites, now });
  await consents.write(tx);
  return { duplicates, subjects: [...pending.keys()] };
}

function newVault(cipher: VaultCipher, pseudonym: string): PendingVault {
  const dataKey = cipher.newDataKey();
  return { created: true, fresh: true, dataKey, wrappedKey: cipher.wrap(dataKey, pseudonym), keyId: cipher.keyId, record: {}, meta: {}, identities: [] };
}

function fromSpeculative(cipher: VaultCipher, speculative: SpeculativeVault): PendingVault {
  return {
    created: true,
    fresh: true,
    dataKey: null,
    wrappedKey: speculative.wrappedKey,
    keyId: cipher.keyId,
    record: {},
    meta: {},
    speculative,
    identities: [],
  };
}

function openVault(cipher: VaultCipher, pseudonym: string, stored: VaultRow): PendingVault {
  const dataKey = cipher.unwrap(stored.wrappedKey!, pseudonym, stored.keyId);
  const record = stored.ciphertext ? cipher.decryptRecord(dataKey, pseudonym, stored.fields, stored.ciphertext) : {};
  return {
    created: false,
    fresh: false,
    dataKey,
    wrappedKey: stored.wrappedKey!,
    keyId: stored.keyId,
    record,
    meta: JSON.parse(stored.fieldMeta) as PendingVault['meta'],
    identities: [],
  };
}
