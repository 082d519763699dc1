// Customer rows of one batch, inside its unit of work: every lookup the batch needs in a few reads
// (links, suppressions, vault rows, consent states), each row resolved in order against them and
// the batch's own earlier rows, then every write in one go.
import { ConsentRegistry } from '../consent/consent-registry.ts';
import type { ConsentRecordInput } from '../consent/consent-store.ts';
import type { Dictionary } from '../policy/load-dictionary.ts';
import type { Pseudonymizer } from '../pseudonymization/pseudonymizer.ts';
import type { Ports } from '../storage/storage.ts';
import type { VaultCipher } from '../vault/vault-cipher.ts';
import type { ConsentTally } from './consent-rows.ts';
import { customerFeatures } from './customer-features.ts';
import type { Cell } from './field-value.ts';
import { ERASED_SUBJECT, LINKAGE_CONFLICT, LINKAGE_MISSING, rowError } from './ingest-errors.ts';
import type { FeatureUpdate, LinkWrite, VaultRow, VaultWrite } from './ingest-store.ts';
import { firstLinkageField, linkKeys, type LinkKey } from './linkage.ts';
import type { RowError } from './record-validator.ts';

export interface CustomerDeps { dictionary: Dictionary; pseudonymizer: Pseudonymizer; cipher: VaultCipher; consents: ConsentRegistry }

interface PendingVault {
  /** No vault row was read for the subject: this batch creates it. */
  created: boolean;
  /** A subject first created by this batch: no consent state can exist for it yet. */
  fresh: boolean;
  dataKey: Buffer;
  wrappedKey: Buffer;
  keyId: string;
  record: Record<string, string>;
  meta: Record<string, [string, number]>;
}

const IDENTITY = new Set(['direct_identifier', 'quasi_identifier']);

export async function applyCustomers(
  d: CustomerDeps, tx: Ports, ctx: { source: string; now: number; today: string; actor: string },
  rows: readonly { row: number; values: Record<string, Cell> }[], errors: RowError[], consentTally: ConsentTally,
): Promise<{ duplicates: number; subjects: string[] }> {
  const { dictionary, pseudonymizer, cipher } = d;
  const { source, now, today, actor } = ctx;
  const spec = dictionary.recordTypes.customers;
  const keysOf = rows.map(({ values }) => {
    const keys = linkKeys(dictionary, pseudonymizer, source, values);
    if (keys.length > 0 && typeof values['phone'] === 'string') keys.push({ kind: 'phone', hash: pseudonymizer.keyHash('phone', values['phone']), field: 'phone' });
    return keys;
  });
  // The batch's reads, once each.
  const allKeys = [...new Set(keysOf.flat().map((k) => k.hash))];
  const suppressed = await tx.ingest.suppressed(allKeys.map((h) => pseudonymizer.suppressionKey(h)));
  const stored = await tx.ingest.findLinks(allKeys);
  const candidates = [...new Set([...stored.values(), ...keysOf.filter((k) => k.length > 0).map((k) => k[0]!.hash)])];
  const vaults = await tx.ingest.vaults(candidates);
  const existing = [...vaults.keys()].filter((p) => vaults.get(p)!.wrappedKey !== null);
  const consents = d.consents.batch(await tx.consents.states(existing));

  const links = new Map<string, string>();
  const linkWrites: LinkWrite[] = [];
  const pending = new Map<string, PendingVault>();
  const features: FeatureUpdate[] = [];
  const flagRecords: { row: number; fresh: boolean; record: ConsentRecordInput }[] = [];
  const consentFlags = [...spec.fields.values()].filter((f) => f.consent_purpose).map((f) => [f.name, f.consent_purpose!] as const);
  let duplicates = 0;

  rows.forEach(({ row, values }, i) => {
    const keys = keysOf[i]!;
    if (keys.length === 0) {
      errors.push(rowError(row, firstLinkageField(dictionary), LINKAGE_MISSING, 'no linkage key is present'));
      return;
    }
    const erasedKey = suppressed.size > 0 ? keys.find((k) => suppressed.has(pseudonymizer.suppressionKey(k.hash))) : undefined;
    if (erasedKey) {
      errors.push(rowError(row, erasedKey.field, ERASED_SUBJECT, 'this subject was erased and may not be ingested again'));
      return;
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
      else if (found !== pseudonym) { conflict = k; break; }
    }
    if (conflict) {
      errors.push(rowError(row, conflict.field, LINKAGE_CONFLICT, 'the linkage keys of this row belong to two different subjects, which are not merged'));
      return;
    }
    pseudonym ??= keys[0]!.hash;

    let vault = pending.get(pseudonym);
    if (vault) duplicates++;
    else {
      const held = vaults.get(pseudonym);
      if (held && held.wrappedKey === null) {
        errors.push(rowError(row, keys[0]!.field, ERASED_SUBJECT, 'this subject was erased and may not be ingested again'));
        return;
      }
      vault = held ? openVault(cipher, pseudonym, held) : newVault(cipher, pseudonym);
      pending.set(pseudonym, vault);
    }
    for (const rule of spec.fields.values()) {
      const v = values[rule.name];
      if (v === undefined || !IDENTITY.has(rule.classification)) continue;
      vault.record[rule.name] = String(v);
      vault.meta[rule.name] = [source, now];
    }
    const { columns, features: set } = customerFeatures(spec, values, today);
    features.push({
      pseudonym, keyVersion: pseudonymizer.version, values: columns, now,
      provenance: Object.fromEntries(set.map((f) => [f, [source, now] as [string, number]])),
    });
    for (const k of keys) {
      if ((links.get(k.hash) ?? stored.get(k.hash)) === pseudonym) continue;
      linkWrites.push({ keyHash: k.hash, kind: k.kind, pseudonym, known: stored.has(k.hash) });
      links.set(k.hash, pseudonym);
    }
    for (const [field, purpose] of consentFlags) {
      const v = values[field];
      if (typeof v !== 'boolean') continue;
      // when the source collected it (checked present with the row), never when it arrived here
      flagRecords.push({ row, fresh: vault.fresh, record: {
        pseudonym, purpose, status: ConsentRegistry.statusOfFlag(v), legalBasis: 'consent', source,
        collectedAt: Date.parse(String(values[spec.consentTimeField!])), expiresAt: null, noticeVersion: null, recordedAt: now, recordedBy: actor,
      } });
    }
    vault.fresh = false;
  });

  // Flags of subjects held before: those the history already holds are repeats.
  const known = await tx.consents.existing(flagRecords.filter((f) => !f.fresh).map((f) => f.record));
  for (const f of flagRecords) consentTally.add(f.row, f.record.purpose, consents.addFlag(f.record, known));

  const vaultWrites: VaultWrite[] = [];
  for (const [pseudonym, v] of pending) {
    const { ciphertext, fields } = cipher.encryptRecord(v.dataKey, pseudonym, v.record);
    vaultWrites.push({ pseudonym, created: v.created, keyId: v.keyId, wrappedKey: v.wrappedKey, ciphertext, fields, fieldMeta: JSON.stringify(v.meta) });
    v.dataKey.fill(0);
  }
  await tx.ingest.writeCustomers({ features, links: linkWrites, vaults: vaultWrites, now });
  await consents.write(tx);
  return { duplicates, subjects: [...pending.keys()] };
}

function newVault(cipher: VaultCipher, pseudonym: string): PendingVault {
  const dataKey = cipher.newDataKey();
  return { created: true, fresh: true, dataKey, wrappedKey: cipher.wrap(dataKey, pseudonym), keyId: cipher.keyId, record: {}, meta: {} };
}

function openVault(cipher: VaultCipher, pseudonym: string, stored: VaultRow): PendingVault {
  const dataKey = cipher.unwrap(stored.wrappedKey!, pseudonym, stored.keyId);
  const record = stored.ciphertext ? cipher.decryptRecord(dataKey, pseudonym, stored.fields, stored.ciphertext) : {};
  return { created: false, fresh: false, dataKey, wrappedKey: stored.wrappedKey!, keyId: stored.keyId, record, meta: JSON.parse(stored.fieldMeta) as PendingVault['meta'] };
}
