// PostgreSQL side of ingest: every lookup and write of a batch is one statement over arrays
// (unnest), whatever the batch size, so a networked database costs a few round trips per batch.
// Instances ingesting at once: the stored links and vault rows a batch reads are row-locked (in
// key order) to the end of its unit, so a concurrent batch touching the same subject waits and
// then reads what the first wrote; a link key or vault row read as absent but written by another
// unit meanwhile is found when this one writes it (ConcurrentWrite: the unit runs again). Row
// locks live in the rows, so a 10,000-row batch takes no slot of the server's lock table.
import {
  ConcurrentWrite,
  IdempotencyKeyTaken,
  SHARED_LINK,
  type FeatureUpdate,
  type IngestStore,
  type LinkWrite,
  type VaultRow,
} from '../../ingest/ingest-store.ts';
import type { Db } from './db.ts';
import { encodeConsentPatch } from '../consent-state.ts';

/** Feature columns an upsert may set; anything else is a programming error. */
const FEATURE_COLUMNS = ['age', 'age_band', 'area', 'gender', 'csp', 'income', 'channel_preference', 'tenure_since'] as const;
const FEATURE_TYPES: Record<(typeof FEATURE_COLUMNS)[number], string> = {
  age: 'int',
  age_band: 'text',
  area: 'text',
  gender: 'text',
  csp: 'text',
  income: 'float8',
  channel_preference: 'text',
  tenure_since: 'int',
};

/** The subject id a shared lookup link leads to: nobody (identities start at 1). */
export const SHARED_SUBJECT = 0;

/** Rows of one pseudonym merged as successive upserts would leave them (a statement may touch a row once). */
function mergeFeatures(features: readonly FeatureUpdate[]): FeatureUpdate[] {
  const out = new Map<string, FeatureUpdate>();
  for (const u of features) {
    const held = out.get(u.pseudonym);
    if (!held) {
      out.set(u.pseudonym, { ...u, values: { ...u.values }, provenance: { ...u.provenance }, ...(u.consent && { consent: { ...u.consent } }) });
      continue;
    }
    for (const [k, v] of Object.entries(u.values)) if (v !== null && v !== undefined) held.values[k] = v;
    Object.assign(held.provenance, u.provenance);
    if (u.consent) held.consent = { ...held.consent, ...u.consent };
    held.now = u.now;
  }
  return [...out.values()];
}

interface MergedLink {
  keyHash: string;
  kind: string;
  subjectId: number;
  known: boolean;
}

/** Link writes merged as successive upserts would leave them: a phone sent for two subjects leads to nobody. */
function mergeLinks(links: readonly LinkWrite[], idOf: (p: string) => number): MergedLink[] {
  const out = new Map<string, MergedLink>();
  for (const l of links) {
    const id = idOf(l.pseudonym);
    const held = out.get(l.keyHash);
    if (!held) out.set(l.keyHash, { keyHash: l.keyHash, kind: l.kind, subjectId: id, known: l.known });
    else if (held.subjectId !== id) held.subjectId = held.kind === 'phone' ? SHARED_SUBJECT : id;
  }
  return [...out.values()];
}

export function pgIngestStore(db: Db): IngestStore {
  const subjectIds = async (pseudonyms: readonly string[]): Promise<Map<string, number>> => {
    const rows = await db.rows<{ id: number; pseudonym: string }>('SELECT id, pseudonym FROM subjects WHERE pseudonym = ANY($1::text[])', [pseudonyms]);
    return new Map(rows.map((r) => [r.pseudonym, r.id]));
  };
  const mergeCounts = `veilgate_add_counts`;
  return {
    findBatch: (s, t, k) =>
      db.one<{ requestHash: string; response: string }>(
        'SELECT request_hash AS "requestHash", response FROM ingest_batches WHERE source = $1 AND record_type = $2 AND idempotency_key = $3',
        [s, t, k],
      ),
    findLinks: async (hashes) => {
      const out = new Map<string, string>();
      if (hashes.length === 0) return out;
      const rows = await db.rows<{ key_hash: string; subject_id: number; pseudonym: string | null }>(
        `SELECT l.key_hash, l.subject_id, s.pseudonym FROM subject_links l LEFT JOIN subjects s ON s.id = l.subject_id
         WHERE l.key_hash = ANY($1::text[])${db.inside ? ' ORDER BY l.key_hash FOR UPDATE OF l' : ''}`,
        [hashes],
      );
      for (const r of rows) {
        if (r.subject_id === SHARED_SUBJECT) out.set(r.key_hash, SHARED_LINK);
        else if (r.pseudonym) out.set(r.key_hash, r.pseudonym);
      }
      return out;
    },
    suppressed: async (keys) => {
      if (keys.length === 0) return new Set();
      const rows = await db.rows<{ key_hash: string }>('SELECT key_hash FROM suppressions WHERE key_hash = ANY($1::text[])', [keys]);
      return new Set(rows.map((r) => r.key_hash));
    },
    vaults: async (pseudonyms) => {
      const out = new Map<string, VaultRow>();
      if (pseudonyms.length === 0) return out;
      // an erased subject's shredded row is found through its erasure record
      const rows = await db.rows<VaultRow & { pseudonym: string }>(
        `SELECT k.pseudonym, v.key_id AS "keyId", v.wrapped_key AS "wrappedKey", v.ciphertext, v.fields, v.field_meta AS "fieldMeta"
         FROM (SELECT id, pseudonym FROM subjects WHERE pseudonym = ANY($1::text[])
               UNION ALL SELECT subject_id, pseudonym FROM erasures WHERE pseudonym = ANY($1::text[])) k
         JOIN vault v ON v.subject_id = k.id${db.inside ? ' ORDER BY v.subject_id FOR UPDATE OF v' : ''}`,
        [pseudonyms],
      );
      for (const { pseudonym, ...v } of rows) out.set(pseudonym, v);
      return out;
    },
    writeCustomers: async ({ features, links, vaults, now }) => {
      const merged = mergeFeatures(features);
      const ids = new Map<string, number>();
      if (merged.length > 0) {
        const cols = FEATURE_COLUMNS.map((c, i) => `$${i + 3}::${FEATURE_TYPES[c]}[]`).join(', ');
        const rows = await db.rows<{ id: number; pseudonym: string }>(
          `INSERT INTO subjects (pseudonym, key_version, ${FEATURE_COLUMNS.join(', ')}, provenance, consent, created_at, updated_at)
           SELECT u.* FROM unnest($1::text[], $2::int[], ${cols}, $${FEATURE_COLUMNS.length + 3}::jsonb[], $${FEATURE_COLUMNS.length + 5}::jsonb[], $${FEATURE_COLUMNS.length + 4}::bigint[], $${FEATURE_COLUMNS.length + 4}::bigint[]) AS u
           ON CONFLICT (pseudonym) DO UPDATE SET
             ${FEATURE_COLUMNS.map((c) => `${c} = coalesce(excluded.${c}, subjects.${c})`).join(', ')},
             provenance = subjects.provenance || excluded.provenance,
             consent = subjects.consent || excluded.consent,
             updated_at = excluded.updated_at
           RETURNING id, pseudonym`,
          [
            merged.map((u) => u.pseudonym),
            merged.map((u) => u.keyVersion),
            ...FEATURE_COLUMNS.map((c) => merged.map((u) => u.values[c] ?? null)),
            merged.map((u) => JSON.stringify(u.provenance)),
            merged.map((u) => u.now),
            merged.map((u) => (u.consent ? JSON.stringify(encodeConsentPatch(u.consent)) : '{}')),
          ],
        );
        for (const r of rows) ids.set(r.pseudonym, r.id);
      }
      const missing = [...new Set([...links.map((l) => l.pseudonym), ...vaults.map((v) => v.pseudonym)])].filter((p) => !ids.has(p));
      if (missing.length > 0) for (const [p, id] of await subjectIds(missing)) ids.set(p, id);
      const idOf = (p: string) => {
        const id = ids.get(p);
        if (id === undefined) throw new Error('a link or vault row for a subject that is not stored');
        return id;
      };
      const ls = mergeLinks(links, idOf);
      const fresh = ls.filter((l) => !l.known).sort((a, b) => (a.keyHash < b.keyHash ? -1 : 1));
      const known = ls.filter((l) => l.known);
      if (fresh.length > 0) {
        const inserted = await db.run(
          `INSERT INTO subject_links (key_hash, kind, subject_id, created_at)
           SELECT k, kind, s, $4 FROM unnest($1::text[], $2::text[], $3::bigint[]) AS u(k, kind, s) ON CONFLICT (key_hash) DO NOTHING`,
          [fresh.map((l) => l.keyHash), fresh.map((l) => l.kind), fresh.map((l) => l.subjectId), now],
        );
        if (inserted !== fresh.length) throw new ConcurrentWrite();
      }
      if (known.length > 0) {
        // rows read (and locked) by this unit: a phone sent for a second subject leads to nobody
        await db.run(
          `UPDATE subject_links SET subject_id = CASE WHEN subject_links.kind = 'phone' THEN ${SHARED_SUBJECT} ELSE u.s END
           FROM unnest($1::text[], $2::bigint[]) AS u(k, s) WHERE subject_links.key_hash = u.k AND subject_links.subject_id <> u.s`,
          [known.map((l) => l.keyHash), known.map((l) => l.subjectId)],
        );
      }
      const created = vaults.filter((v) => v.created);
      const replaced = vaults.filter((v) => !v.created);
      const vaultArrays = (vs: typeof vaults) => [
        vs.map((v) => idOf(v.pseudonym)),
        vs.map((v) => v.keyId),
        vs.map((v) => v.wrappedKey),
        vs.map((v) => v.ciphertext),
        vs.map((v) => v.fields),
        vs.map((v) => v.fieldMeta),
        now,
      ];
      if (created.length > 0) {
        const inserted = await db.run(
          `INSERT INTO vault (subject_id, key_id, wrapped_key, ciphertext, fields, field_meta, updated_at)
           SELECT u.*, $7 FROM unnest($1::bigint[], $2::text[], $3::bytea[], $4::bytea[], $5::text[], $6::text[]) AS u ORDER BY 1
           ON CONFLICT (subject_id) DO NOTHING`,
          vaultArrays(created),
        );
        if (inserted !== created.length) throw new ConcurrentWrite();
      }
      if (replaced.length > 0) {
        await db.run(
          `UPDATE vault SET key_id = u.key_id, wrapped_key = u.wrapped_key, ciphertext = u.ciphertext, fields = u.fields,
             field_meta = u.field_meta, updated_at = $7
           FROM unnest($1::bigint[], $2::text[], $3::bytea[], $4::bytea[], $5::text[], $6::text[]) AS u(subject_id, key_id, wrapped_key, ciphertext, fields, field_meta)
           WHERE vault.subject_id = u.subject_id`,
          vaultArrays(replaced),
        );
      }
    },
    insertTransactions: async (rows) => {
      if (rows.length === 0) return [];
      const ids = await subjectIds([...new Set(rows.map((r) => r.pseudonym))]);
      const inserted = await db.rows<{ source: string; source_txn_id: string | null }>(
        `INSERT INTO transactions (subject_id, source, source_txn_id, day, amount, currency, channel, category, batch_id)
         SELECT s, src, txn, d, a, cur, ch, cat, b FROM unnest($1::bigint[], $2::text[], $3::text[], $4::int[], $5::float8[], $6::text[], $7::text[], $8::text[], $9::text[])
           WITH ORDINALITY AS u(s, src, txn, d, a, cur, ch, cat, b, n) ORDER BY n
         ON CONFLICT (source, source_txn_id) DO NOTHING
         RETURNING source, source_txn_id`,
        [
          rows.map((r) => ids.get(r.pseudonym)),
          rows.map((r) => r.source),
          rows.map((r) => r.sourceTxnId),
          rows.map((r) => r.day),
          rows.map((r) => r.amount),
          rows.map((r) => r.currency),
          rows.map((r) => r.channel),
          rows.map((r) => r.category),
          rows.map((r) => r.batchId),
        ],
      );
      // which were stored: every row without a source id is, and of those with one, the first of
      // each id that returned (a later copy in the batch, or one stored before, did not)
      const key = (source: string, id: string) => `${source}\u0000${id}`;
      const stored = new Set(inserted.filter((r) => r.source_txn_id !== null).map((r) => key(r.source, r.source_txn_id!)));
      return rows.map((r) => {
        if (r.sourceTxnId === null) return true;
        return stored.delete(key(r.source, r.sourceTxnId));
      });
    },
    addBehaviour: async (deltas, now) => {
      if (deltas.length === 0) return;
      await db.run(
        `UPDATE subjects SET
           first_purchase_day = least(coalesce(subjects.first_purchase_day, d.f), d.f),
           last_purchase_day = greatest(coalesce(subjects.last_purchase_day, d.l), d.l),
           frequency = subjects.frequency + d.c, monetary = subjects.monetary + d.a,
           n_web = subjects.n_web + d.w, n_store = subjects.n_store + d.st, n_phone = subjects.n_phone + d.ph, n_app = subjects.n_app + d.ap,
           provenance = subjects.provenance || d.prov, updated_at = $11
         FROM unnest($1::text[], $2::int[], $3::int[], $4::int[], $5::float8[], $6::int[], $7::int[], $8::int[], $9::int[], $10::jsonb[])
           AS d(p, f, l, c, a, w, st, ph, ap, prov)
         WHERE subjects.pseudonym = d.p`,
        [
          deltas.map((d) => d.pseudonym),
          deltas.map((d) => d.firstDay),
          deltas.map((d) => d.lastDay),
          deltas.map((d) => d.count),
          deltas.map((d) => d.amount),
          deltas.map((d) => d.byChannel.web),
          deltas.map((d) => d.byChannel.store),
          deltas.map((d) => d.byChannel.phone),
          deltas.map((d) => d.byChannel.app),
          deltas.map((d) => JSON.stringify({ behaviour: [d.source, now] })),
          now,
        ],
      );
    },
    insertBatch: async (b) => {
      // ON CONFLICT, not a caught unique violation: an error would abort the whole unit
      const n = await db.run(
        `INSERT INTO ingest_batches (batch_id, source, record_type, idempotency_key, request_hash, accepted, rejected, response, actor, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (source, record_type, idempotency_key) DO NOTHING`,
        [b.batchId, b.source, b.recordType, b.idempotencyKey, b.requestHash, b.accepted, b.rejected, b.response, b.actor, b.createdAt],
      );
      if (n === 0) throw new IdempotencyKeyTaken();
    },
    addQuality: async (q) => {
      const fields = [...q.fields];
      if (fields.length > 0) {
        await db.run(
          `INSERT INTO quality_field_stats (source, record_type, field, seen, present, valid, invalid_by_rule)
           SELECT $1, $2, f, s, p, v, r FROM unnest($3::text[], $4::bigint[], $5::bigint[], $6::bigint[], $7::jsonb[]) AS u(f, s, p, v, r)
           ON CONFLICT (source, record_type, field) DO UPDATE SET seen = quality_field_stats.seen + excluded.seen,
             present = quality_field_stats.present + excluded.present, valid = quality_field_stats.valid + excluded.valid,
             invalid_by_rule = ${mergeCounts}(quality_field_stats.invalid_by_rule, excluded.invalid_by_rule)`,
          [
            q.source,
            q.recordType,
            fields.map(([f]) => f),
            fields.map(([, t]) => t.seen),
            fields.map(([, t]) => t.present),
            fields.map(([, t]) => t.valid),
            fields.map(([, t]) => JSON.stringify(t.invalidByRule)),
          ],
        );
      }
      await db.run(
        `INSERT INTO quality_source_stats (source, record_type, batches, rows, accepted, rejected, duplicates, rejected_by_rule, first_batch_at, last_batch_at)
         VALUES ($1, $2, 1, $3, $4, $5, $6, $7::jsonb, $8, $8)
         ON CONFLICT (source, record_type) DO UPDATE SET batches = quality_source_stats.batches + 1, rows = quality_source_stats.rows + excluded.rows,
           accepted = quality_source_stats.accepted + excluded.accepted, rejected = quality_source_stats.rejected + excluded.rejected,
           duplicates = quality_source_stats.duplicates + excluded.duplicates,
           rejected_by_rule = ${mergeCounts}(quality_source_stats.rejected_by_rule, excluded.rejected_by_rule),
           last_batch_at = greatest(quality_source_stats.last_batch_at, excluded.last_batch_at)`,
        [q.source, q.recordType, q.rows, q.accepted, q.rejected, q.duplicates, JSON.stringify(q.rejectedByRule), q.at],
      );
    },
  };
}
