// SQLite side of ingest: prepared statements on the hot path (see the ingest bench); a batch's
// lookups and writes are loops of them inside the unit of work (no round trips to save here).
// Subjects are found by pseudonym once; every other per-subject row is keyed by their id.
import type Database from 'better-sqlite3';
import { IdempotencyKeyTaken, SHARED_LINK, type IngestStore, type VaultRow } from '../../ingest/ingest-store.ts';
import { encodeConsentPatch } from '../consent-state.ts';
import type { UnitSubjectIds } from './unit-subject-ids.ts';

/** The subject id a shared lookup link leads to: nobody (ids start at 1). */
export const SHARED_SUBJECT = 0;

/** Feature columns an upsert may set; anything else is a programming error. */
const FEATURE_COLUMNS = ['age', 'age_band', 'area', 'gender', 'csp', 'income', 'channel_preference', 'tenure_since'] as const;

/** `unitIds`: the subject ids this unit of work created, for its consent records (see UnitSubjectIds). */
export function sqliteIngestStore(sqlite: Database.Database, unitIds?: UnitSubjectIds): IngestStore {
  const st = {
    findBatch: sqlite.prepare<[string, string, string], { requestHash: string; response: string }>(
      'SELECT request_hash AS requestHash, response FROM ingest_batches WHERE source = ? AND record_type = ? AND idempotency_key = ?',
    ),
    findLink: sqlite.prepare<[string], { id: number; pseudonym: string | null }>(
      'SELECT l.subject_id AS id, s.pseudonym FROM subject_links l LEFT JOIN subjects s ON s.id = l.subject_id WHERE l.key_hash = ?',
    ),
    suppressed: sqlite.prepare<[string], { n: number }>('SELECT 1 AS n FROM suppressions WHERE key_hash = ?'),
    anySuppressed: sqlite.prepare<[], { n: number }>('SELECT 1 AS n FROM suppressions LIMIT 1'),
    // A phone number sent for a second subject (a shared landline) leads to no one any more:
    // a request by phone must not reach whichever of them came last.
    putLink: sqlite.prepare(
      `INSERT INTO subject_links (key_hash, kind, subject_id, created_at) VALUES (?, ?, ?, ?)
       ON CONFLICT(key_hash) DO UPDATE SET subject_id = CASE WHEN kind = 'phone' THEN ${SHARED_SUBJECT} ELSE excluded.subject_id END
       WHERE subject_id <> excluded.subject_id`,
    ),
    // an erased subject's shredded row is found through its erasure record
    getVault: sqlite.prepare<[string, string], VaultRow>(
      `SELECT key_id AS keyId, wrapped_key AS wrappedKey, ciphertext, fields, field_meta AS fieldMeta FROM vault
       WHERE subject_id = coalesce((SELECT id FROM subjects WHERE pseudonym = ?), (SELECT subject_id FROM erasures WHERE pseudonym = ?))`,
    ),
    putVault: sqlite.prepare(
      `INSERT INTO vault (subject_id, key_id, wrapped_key, ciphertext, fields, field_meta, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(subject_id) DO UPDATE SET key_id = excluded.key_id, wrapped_key = excluded.wrapped_key,
         ciphertext = excluded.ciphertext, fields = excluded.fields, field_meta = excluded.field_meta, updated_at = excluded.updated_at`,
    ),
    upsertSubject: sqlite.prepare<unknown[], { id: number }>(
      `INSERT INTO subjects (pseudonym, key_version, ${FEATURE_COLUMNS.join(', ')}, provenance, consent, created_at, updated_at)
       VALUES (?, ?, ${FEATURE_COLUMNS.map(() => '?').join(', ')}, ?, ?, ?, ?)
       ON CONFLICT(pseudonym) DO UPDATE SET
         ${FEATURE_COLUMNS.map((c) => `${c} = coalesce(excluded.${c}, ${c})`).join(',\n         ')},
         provenance = json_patch(provenance, excluded.provenance),
         consent = CASE WHEN excluded.consent = '{}' THEN consent ELSE json_patch(consent, excluded.consent) END,
         updated_at = excluded.updated_at
       RETURNING id`,
    ),
    subjectId: sqlite.prepare<[string], { id: number }>('SELECT id FROM subjects WHERE pseudonym = ?'),
    insertTransaction: sqlite.prepare(
      `INSERT INTO transactions (subject_id, source, source_txn_id, day, amount, currency, channel, category, batch_id)
       VALUES (@subjectId, @source, @sourceTxnId, @day, @amount, @currency, @channel, @category, @batchId)
       ON CONFLICT(source, source_txn_id) DO NOTHING`,
    ),
    addBehaviour: sqlite.prepare(
      `UPDATE subjects SET
         first_purchase_day = min(coalesce(first_purchase_day, @firstDay), @firstDay),
         last_purchase_day = max(coalesce(last_purchase_day, @lastDay), @lastDay),
         frequency = frequency + @count, monetary = monetary + @amount,
         n_web = n_web + @web, n_store = n_store + @store, n_phone = n_phone + @phone, n_app = n_app + @app,
         provenance = json_patch(provenance, @provenance), updated_at = @now
       WHERE pseudonym = @pseudonym`,
    ),
    insertBatch: sqlite.prepare(
      `INSERT INTO ingest_batches (batch_id, source, record_type, idempotency_key, request_hash, accepted, rejected, response, actor, created_at)
       VALUES (@batchId, @source, @recordType, @idempotencyKey, @requestHash, @accepted, @rejected, @response, @actor, @createdAt)`,
    ),
    fieldStats: sqlite.prepare<[string, string, string], { invalid_by_rule: string }>(
      'SELECT invalid_by_rule FROM quality_field_stats WHERE source = ? AND record_type = ? AND field = ?',
    ),
    putFieldStats: sqlite.prepare(
      `INSERT INTO quality_field_stats (source, record_type, field, seen, present, valid, invalid_by_rule) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(source, record_type, field) DO UPDATE SET seen = seen + excluded.seen, present = present + excluded.present,
         valid = valid + excluded.valid, invalid_by_rule = excluded.invalid_by_rule`,
    ),
    sourceStats: sqlite.prepare<[string, string], { rejected_by_rule: string }>(
      'SELECT rejected_by_rule FROM quality_source_stats WHERE source = ? AND record_type = ?',
    ),
    putSourceStats: sqlite.prepare(
      `INSERT INTO quality_source_stats (source, record_type, batches, rows, accepted, rejected, duplicates, rejected_by_rule, first_batch_at, last_batch_at)
       VALUES (?, ?, 1, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(source, record_type) DO UPDATE SET batches = batches + 1, rows = rows + excluded.rows,
         accepted = accepted + excluded.accepted, rejected = rejected + excluded.rejected, duplicates = duplicates + excluded.duplicates,
         rejected_by_rule = excluded.rejected_by_rule, last_batch_at = excluded.last_batch_at`,
    ),
  };

  const mergeCounts = (stored: string | undefined, add: Record<string, number>): string => {
    const m = stored ? (JSON.parse(stored) as Record<string, number>) : {};
    for (const [k, n] of Object.entries(add)) m[k] = (m[k] ?? 0) + n;
    return JSON.stringify(m);
  };

  return {
    findBatch: async (s, t, k) => st.findBatch.get(s, t, k),
    findLinks: async (hashes) => {
      const out = new Map<string, string>();
      for (const h of hashes) {
        const l = st.findLink.get(h);
        if (l?.id === SHARED_SUBJECT) out.set(h, SHARED_LINK);
        else if (l?.pseudonym) out.set(h, l.pseudonym);
      }
      return out;
    },
    suppressed: async (keys) => {
      const out = new Set<string>();
      // most stores have never erased anyone: one query instead of one per key
      if (keys.length === 0 || st.anySuppressed.get() === undefined) return out;
      for (const k of keys) if (st.suppressed.get(k) !== undefined) out.add(k);
      return out;
    },
    vaults: async (pseudonyms) => {
      const out = new Map<string, VaultRow>();
      for (const p of pseudonyms) {
        const v = st.getVault.get(p, p);
        if (v) out.set(p, v);
      }
      return out;
    },
    writeCustomers: async ({ features, links, vaults, now }) => {
      const ids = new Map<string, number>();
      // rows of a batch share provenance objects: serialized once each
      const provenance = new Map<object, string>();
      for (const u of features) {
        // positional: one bound array per customer row, no parameter-name lookups
        const params: unknown[] = [u.pseudonym, u.keyVersion];
        for (const c of FEATURE_COLUMNS) params.push(u.values[c] ?? null);
        let json = provenance.get(u.provenance);
        if (json === undefined) provenance.set(u.provenance, (json = JSON.stringify(u.provenance)));
        params.push(json, u.consent ? JSON.stringify(encodeConsentPatch(u.consent)) : '{}', u.now, u.now);
        const id = st.upsertSubject.get(params)!.id;
        ids.set(u.pseudonym, id);
        unitIds?.set(u.pseudonym, id);
      }
      const idOf = (p: string) => ids.get(p) ?? st.subjectId.get(p)!.id;
      for (const l of links) st.putLink.run(l.keyHash, l.kind, idOf(l.pseudonym), now);
      for (const v of vaults) st.putVault.run(idOf(v.pseudonym), v.keyId, v.wrappedKey, v.ciphertext, v.fields, v.fieldMeta, now);
    },
    insertTransactions: async (rows) => {
      const ids = new Map<string, number>();
      return rows.map(({ pseudonym, ...t }) => {
        let subjectId = ids.get(pseudonym);
        if (subjectId === undefined) ids.set(pseudonym, (subjectId = st.subjectId.get(pseudonym)!.id));
        return st.insertTransaction.run({ ...t, subjectId }).changes === 1;
      });
    },
    addBehaviour: async (deltas, now) => {
      for (const d of deltas) {
        st.addBehaviour.run({
          pseudonym: d.pseudonym,
          firstDay: d.firstDay,
          lastDay: d.lastDay,
          count: d.count,
          amount: d.amount,
          ...d.byChannel,
          now,
          provenance: JSON.stringify({ behaviour: [d.source, now] }),
        });
      }
    },
    insertBatch: async (b) => {
      try {
        st.insertBatch.run(b);
      } catch (e) {
        if ((e as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') throw new IdempotencyKeyTaken();
        throw e;
      }
    },
    addQuality: async (q) => {
      for (const [field, t] of q.fields) {
        const merged = mergeCounts(st.fieldStats.get(q.source, q.recordType, field)?.invalid_by_rule, t.invalidByRule);
        st.putFieldStats.run(q.source, q.recordType, field, t.seen, t.present, t.valid, merged);
      }
      const merged = mergeCounts(st.sourceStats.get(q.source, q.recordType)?.rejected_by_rule, q.rejectedByRule);
      st.putSourceStats.run(q.source, q.recordType, q.rows, q.accepted, q.rejected, q.duplicates, merged, q.at, q.at);
    },
  };
}
