// Data-subject erasure: the subject's data key is destroyed (crypto-shredding: the saved
// ciphertext cannot be opened with anything the database still holds, and, on SQLite, neither the
// key nor the ciphertext remains in the file or its WAL), features, transactions, consents, memberships
// and links are deleted, a keyed-hash suppression refuses any later ingest of the same person row
// by row (erased_subject), access answers 404, and the audit chain still verifies.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VaultCipher } from '../src/vault/vault-cipher.ts';
import { ALL_CONSENT_FLAGS, Recorder, seedSubject, type Answer, type Seeded } from './helpers/access.ts';
import { auditLeaks, dbBytes, dbLeaks, expectEntries, fillers, httpVerify, JUSTIFICATION, rowCount } from './helpers/audit.ts';
import { frenchMobile, scan } from './helpers/canaries.ts';
import { consentStates, consentStateSize, counts, expectRowError } from './helpers/ingest.ts';
import { testGateway, type TestGateway } from './helpers/test-gateway.ts';

const CLOCK = Date.UTC(2026, 0, 15, 9, 30);
// the consent state lives in the subject's row: counted as the purposes the port finds for it
const PER_SUBJECT = ['subjects', 'transactions', 'consent_records', 'consent_state', 'segment_members', 'subject_links'] as const;

interface VaultRaw {
  key_id: string;
  wrapped_key: Buffer | null;
  ciphertext: Buffer | null;
  fields: string;
  field_meta: string;
}

describe('data-subject erasure', () => {
  let gw: TestGateway;
  let rec: Recorder;
  let gone: Seeded;
  let kept: Seeded;
  let byPhone: Seeded;
  let dpo: string;
  let marketing: string;
  let runId: string;
  let receipt: Answer;
  let saved: VaultRaw;
  let savedDataKey: Buffer;
  let savedLinks: string[];
  let cipher: VaultCipher;
  let devKeys: Record<string, Buffer>;
  /** Subject ids, read while the subjects were stored: what their rows elsewhere are keyed by. */
  const subjectIds = new Map<string, number>();

  /** The vault row of a live subject, or of an erased one (found through its erasure record). */
  const vaultRow = async (p: string) =>
    (await gw.db.get<VaultRaw>(
      `SELECT key_id, wrapped_key, ciphertext, fields, field_meta FROM vault
     WHERE subject_id = coalesce((SELECT id FROM subjects WHERE pseudonym = ?), (SELECT subject_id FROM erasures WHERE pseudonym = ?))`,
      p,
      p,
    ))!;
  // members are chunks of newline-joined pseudonyms: a member is a whole line of one
  const memberSlots = async (p: string) =>
    (await gw.db.all<{ members: string }>('SELECT members FROM segment_member_chunks')).reduce(
      (n, c) => n + c.members.split('\n').filter((m) => m === p).length,
      0,
    );
  const perSubject = async (p: string): Promise<Record<(typeof PER_SUBJECT)[number], number>> => {
    const id = subjectIds.get(p)!;
    return {
      subjects: await gw.db.count('subjects', 'pseudonym = ? OR id = ?', p, id),
      transactions: await gw.db.count('transactions', 'subject_id = ?', id),
      consent_records: await gw.db.count('consent_records', 'subject_id = ?', id),
      consent_state: await consentStateSize(gw, p),
      segment_members: await memberSlots(p),
      subject_links: await gw.db.count('subject_links', 'subject_id = ?', id),
    };
  };
  const dsr = (kind: 'access' | 'erasure', identifier: Record<string, unknown>) =>
    rec.postJson(`/v1/dsr/${kind}`, dpo, { reference: 'DSR-TEST-0001', identifier });

  beforeAll(async () => {
    gw = await testGateway({ clockStart: CLOCK });
    rec = new Recorder(gw);
    gone = await seedSubject(rec, 'dsrera', 1);
    kept = await seedSubject(rec, 'dsrera', 2);
    byPhone = await seedSubject(rec, 'dsrera', 3, { transactions: false });
    await rec.ingest('crm', 'customers', fillers('dsrera', 10));
    dpo = await gw.mint(['dpo'], { sub: 'alice' });
    marketing = await gw.mint(['marketing'], { sub: 'analyst' });
    const run = await rec.postJson('/v1/segmentations', marketing, {
      purpose: 'segmentation_analytics',
      method: 'rules',
      features: [],
      rules: [{ name: 'web', where: { channel_preference: { eq: 'web' } } }],
    });
    expect(run.status, run.text).toBe(202);
    runId = run.json.id as string;
    await gw.jobs.idle();
    expect((await rec.postJson(`/v1/subjects/${gone.pseudonym}/consents`, dpo, { purpose: 'marketing_sms', status: 'withdrawn' })).status).toBe(201);
    expect(
      (
        await rec.postJson('/v1/reidentifications', dpo, {
          pseudonyms: [gone.pseudonym],
          fields: ['email'],
          purpose: 'customer_service',
          justification: JUSTIFICATION,
        })
      ).status,
    ).toBe(201);

    // what a copy of the database taken before the erasure would hold
    const raw = JSON.parse(fs.readFileSync(path.join(gw.dataDir, 'keys', 'dev-secrets.json'), 'utf8')) as Record<string, string>;
    devKeys = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, Buffer.from(v, 'base64')]));
    cipher = new VaultCipher(devKeys['master']!);
    for (const s of [gone, kept, byPhone]) {
      subjectIds.set(s.pseudonym, (await gw.db.get<{ id: number }>('SELECT id FROM subjects WHERE pseudonym = ?', s.pseudonym))!.id);
    }
    saved = await vaultRow(gone.pseudonym);
    savedDataKey = cipher.unwrap(saved.wrapped_key!, gone.pseudonym, saved.key_id);
    expect(cipher.decryptRecord(savedDataKey, gone.pseudonym, saved.fields, saved.ciphertext!)).toEqual(gone.identity.normalized);
    savedLinks = (
      await gw.db.all<{ key_hash: string }>('SELECT key_hash FROM subject_links WHERE subject_id = ? ORDER BY key_hash', subjectIds.get(gone.pseudonym))
    ).map((r) => r.key_hash);
    expect(savedLinks).toHaveLength(3); // email, source + customer id, phone
    if (gw.backend === 'sqlite') {
      // SQLite: the byte scan below can see them: before the erasure both are in the file or its WAL
      expect(dbBytes(gw).includes(saved.wrapped_key!)).toBe(true);
      expect(dbBytes(gw).includes(saved.ciphertext!.subarray(0, 48))).toBe(true);
    }
    expect(await perSubject(gone.pseudonym)).toEqual({
      subjects: 1,
      transactions: 4,
      consent_records: 4,
      consent_state: 3,
      segment_members: 1,
      subject_links: 3,
    });

    const r = await expectEntries(gw, 'dsr.erasure/ok', () =>
      dsr('erasure', { type: 'email', value: ` ${String(gone.identity.normalized['email']).toUpperCase()} ` }),
    );
    receipt = r.answer;
    expect(receipt.status, receipt.text).toBe(200);
    expect(JSON.parse(r.entry!.subjects)).toEqual([gone.pseudonym]);
    // the WAL compaction (PostgreSQL: a vacuum) runs after the answer, off the request path
    if (gw.backend === 'sqlite') expect(gw.storage.maintenance.erasureStep).toBe('wal_compaction');
    expect(receipt.json.maintenance).toEqual({ [gw.storage.maintenance.erasureStep]: 'pending' });
    await gw.dsr.maintenanceIdle();
  });
  afterAll(() => gw?.cleanup());

  it('returns a receipt of what was removed, naming the pseudonym only', async () => {
    expect(receipt.json).toMatchObject({
      pseudonym: gone.pseudonym,
      erased_at: new Date(CLOCK).toISOString(),
      reference: 'DSR-TEST-0001',
      removed: { vault_data_key: 'destroyed', features: 1, transactions: 4, consent_records: 4, segment_memberships: 1, linkage_keys: 3, in_flight_runs: 0 },
      suppression: { linkage_keys: 3 },
    });
    expect(receipt.json.id).toMatch(/^dsr_/);
    expect(scan(receipt.text, gone.identity.needles)).toEqual([]);
    const e = (await gw.db.get<{ subject_id: number; erased_at: number; receipt: string }>(
      'SELECT subject_id, erased_at, receipt FROM erasures WHERE pseudonym = ?',
      gone.pseudonym,
    ))!;
    expect(e.subject_id).toBe(subjectIds.get(gone.pseudonym));
    expect(e.erased_at).toBe(CLOCK);
    expect(JSON.parse(e.receipt)).toMatchObject({ links: 3, features: 1, transactions: 4, consents: 4, memberships: 1, vaultKeyDestroyed: true });
  });

  it('the vault data key is destroyed: wrapped key and ciphertext are gone', async () => {
    const v = await vaultRow(gone.pseudonym);
    expect(v.wrapped_key).toBeNull();
    expect(v.ciphertext).toBeNull();
    expect(v.fields).toBe('');
    expect(v.field_meta).toBe('{}');
  });

  it('the saved ciphertext cannot be opened with anything the database or the key file still holds', async () => {
    const candidates: Buffer[] = [...Object.values(devKeys)];
    const wrapped = await gw.db.all<{ pseudonym: string | null; key_id: string; wrapped_key: Buffer }>(
      'SELECT s.pseudonym, v.key_id, v.wrapped_key FROM vault v LEFT JOIN subjects s ON s.id = v.subject_id WHERE v.wrapped_key IS NOT NULL',
    );
    // every wrapped key left belongs to a stored subject
    expect(wrapped.filter((r) => r.pseudonym === null)).toEqual([]);
    for (const r of wrapped as { pseudonym: string; key_id: string; wrapped_key: Buffer }[]) {
      candidates.push(cipher.unwrap(r.wrapped_key, r.pseudonym, r.key_id));
      // nor is any remaining wrapped key one for this subject
      expect(() => cipher.unwrap(r.wrapped_key, gone.pseudonym, r.key_id)).toThrow();
    }
    expect(candidates.length).toBeGreaterThan(10);
    for (const k of candidates) expect(() => cipher.decryptRecord(k, gone.pseudonym, saved.fields, saved.ciphertext!)).toThrow();
    // the other subjects' identities still open
    const k = await vaultRow(kept.pseudonym);
    expect(cipher.decryptRecord(cipher.unwrap(k.wrapped_key!, kept.pseudonym, k.key_id), kept.pseudonym, k.fields, k.ciphertext!)).toEqual(
      kept.identity.normalized,
    );
  });

  it('neither the data key, its wrapped form, the ciphertext nor any raw identifier is left in the database file or its WAL', () => {
    // SQLite: a scan of the file itself (PostgreSQL's pages are the server's, out of the suite's reach)
    if (gw.backend !== 'sqlite') return;
    const bytes = dbBytes(gw);
    expect(bytes.includes(savedDataKey)).toBe(false);
    expect(bytes.includes(saved.wrapped_key!)).toBe(false);
    expect(bytes.includes(saved.ciphertext!.subarray(0, 48))).toBe(false);
    expect(bytes.includes(saved.ciphertext!.subarray(-32))).toBe(false);
    expect(dbLeaks(gw, [gone.identity])).toEqual([]);
  });

  it('features, transactions, consent records and state, memberships and links of the subject are deleted; others are untouched', async () => {
    // the consent state went with the subject's row
    expect(await perSubject(gone.pseudonym)).toEqual(Object.fromEntries(PER_SUBJECT.map((t) => [t, 0])));
    expect(await gw.storage.consents.state(gone.pseudonym, 'marketing_email')).toBeUndefined();
    expect(await gw.storage.consents.history(gone.pseudonym)).toEqual([]);
    // no link key of the subject leads anywhere, under any subject id
    for (const k of savedLinks) expect(await gw.db.count('subject_links', 'key_hash = ?', k)).toBe(0);
    expect(await perSubject(kept.pseudonym)).toEqual({
      subjects: 1,
      transactions: 4,
      consent_records: 3,
      consent_state: 3,
      segment_members: 1,
      subject_links: 3,
    });
  });

  it('the suppression holds keyed hashes in their own domain: neither the link keys nor the pseudonym, nothing readable', async () => {
    const sup = await gw.db.all<{ key_hash: string; created_at: number }>('SELECT key_hash, created_at FROM suppressions ORDER BY key_hash');
    expect(sup).toHaveLength(savedLinks.length);
    for (const s of sup) {
      expect(s.created_at).toBe(CLOCK);
      expect(s.key_hash).toMatch(/^x_[A-Za-z0-9_-]{22}$/);
      expect(savedLinks).not.toContain(s.key_hash);
      expect(s.key_hash).not.toBe(gone.pseudonym);
    }
    // the pseudonym (and every link key) is nowhere in the table, in any form
    const text = JSON.stringify(sup);
    for (const k of [gone.pseudonym, ...savedLinks]) expect(text).not.toContain(k.slice(3));
    expect(scan(text, gone.identity.needles)).toEqual([]);
  });

  it('the register names the request by its reference; the maintenance reports when the WAL was truncated', async () => {
    const a = await rec.get(`/v1/dsr/${receipt.json.id}`, dpo);
    expect(a.status, a.text).toBe(200);
    expect(a.json).toMatchObject({ kind: 'erasure', reference: 'DSR-TEST-0001', status: 'completed', pseudonym: gone.pseudonym, requested_by: 'dev:alice' });
    expect(a.json.receipt).toEqual(receipt.json.removed);
    // done, when (the gateway's clock) and how long after the commit (wall time, in ms)
    expect(a.json.maintenance).toEqual({
      [gw.storage.maintenance.erasureStep]: 'done',
      completed_at: new Date(CLOCK).toISOString(),
      delay_ms: expect.any(Number),
    });
    expect(a.json.maintenance.delay_ms).toBeGreaterThanOrEqual(0);
  });

  it('access afterwards is 404 by every identifier, audited as denied (erased)', async () => {
    for (const identifier of [
      { type: 'email', value: gone.identity.normalized['email'] },
      { type: 'phone', value: gone.identity.record['phone'] },
      { type: 'customer_id', value: gone.identity.record['customer_id'], source: 'crm' },
    ]) {
      const { answer, entry } = await expectEntries(gw, 'dsr.access/denied', () => dsr('access', identifier));
      expect(answer.status).toBe(404);
      expect(JSON.parse(entry!.detail)).toMatchObject({ reason: 'erased' });
    }
    expect(
      (await expectEntries(gw, 'dsr.erasure/denied', () => dsr('erasure', { type: 'email', value: gone.identity.normalized['email'] }))).answer.status,
    ).toBe(404);
  });

  it('the pseudonym leads nowhere: subject reads, consent registry, member lists, re-identification', async () => {
    expect((await rec.get(`/v1/subjects/${gone.pseudonym}?purpose=segmentation_analytics`, marketing)).status).toBe(404);
    expect((await rec.get(`/v1/subjects/${gone.pseudonym}/consents`, dpo)).status).toBe(404);
    expect((await rec.postJson(`/v1/subjects/${gone.pseudonym}/consents`, dpo, { purpose: 'marketing_email', status: 'granted' })).status).toBe(404);
    const members = await rec.get(`/v1/segmentations/${runId}/segments/rule-1/members`, marketing);
    expect(members.status, members.text).toBe(200);
    expect(members.json.members).not.toContain(gone.pseudonym);
    expect(members.json.members).toContain(kept.pseudonym);
    const r = await rec.postJson('/v1/reidentifications', dpo, {
      pseudonyms: [gone.pseudonym, kept.pseudonym],
      fields: ['email'],
      purpose: 'customer_service',
      justification: JUSTIFICATION,
    });
    expect(r.json.results).toEqual([
      { pseudonym: gone.pseudonym, status: 'erased' },
      { pseudonym: kept.pseudonym, status: 'found', fields: { email: kept.identity.normalized['email'] } },
    ]);
  });

  it('a later ingest of the same person is refused row by row (erased_subject) by email, customer id or phone; nothing is stored', async () => {
    const stored = async () => {
      const { subjects, subject_links, vault, transactions } = await counts(gw);
      return { subjects, subject_links, vault, transactions, consent_records: await rowCount(gw, 'consent_records'), consent_state: await consentStates(gw) };
    };
    const before = await stored();
    const rec0 = gone.identity.record;
    const rows = [
      { ...rec0, ...ALL_CONSENT_FLAGS }, // 1: the same record
      { ...rec0, email: `  ${String(rec0['email']).toUpperCase()}`, phone: undefined }, // 2: the email, spelled otherwise
      { customer_id: rec0['customer_id'], first_name: 'Someone', city: 'Elsewhere' }, // 3: the customer id alone
      { customer_id: rec0['customer_id'], email: 'new.address@example-mail.test' }, // 4: a new email, the same customer id
      { customer_id: 'CID-brand-new-9', email: 'fresh.start@example-mail.test', phone: rec0['phone'] }, // 5: only the phone is the same
    ];
    const a = await rec.ingest('crm', 'customers', rows);
    expect(a.accepted, JSON.stringify(a.errors)).toBe(0);
    expect(a.rejected).toBe(5);
    expectRowError(a, 1, 'email', 'erased_subject', gone.identity.normalized['email']);
    expectRowError(a, 2, 'email', 'erased_subject', gone.identity.normalized['email']);
    expectRowError(a, 3, 'customer_id', 'erased_subject', rec0['customer_id']);
    expectRowError(a, 4, 'customer_id', 'erased_subject', rec0['customer_id']);
    expectRowError(a, 5, 'phone', 'erased_subject', rec0['phone']);
    expect(JSON.stringify(a)).not.toContain(gone.pseudonym);
    expect(await stored()).toEqual(before);
    expect((await vaultRow(gone.pseudonym)).wrapped_key).toBeNull();
    expect(await perSubject(gone.pseudonym)).toEqual(Object.fromEntries(PER_SUBJECT.map((t) => [t, 0])));
  });

  it('transactions and consents for the erased person are refused too, and stored nowhere', async () => {
    const before = { tx: await rowCount(gw, 'transactions'), consents: await rowCount(gw, 'consent_records') };
    const t = await rec.ingest('crm', 'transactions', [
      { customer_id: gone.identity.record['customer_id'], transaction_id: 'after-erasure', date: '2026-01-14', amount: 10, channel: 'web' },
    ]);
    expect(t.accepted).toBe(0);
    expect(['erased_subject', 'unknown_subject']).toContain(t.errors[0]!.code);
    const c = await rec.ingest('crm', 'consents', [
      { email: gone.identity.normalized['email'], purpose: 'marketing_email', status: 'granted', collected_at: '2026-01-15T09:00:00Z' },
    ]);
    expect(c.accepted).toBe(0);
    expect(['erased_subject', 'unknown_subject']).toContain(c.errors[0]!.code);
    expect({ tx: await rowCount(gw, 'transactions'), consents: await rowCount(gw, 'consent_records') }).toEqual(before);
  });

  it('the same customer id in another source is another person, and is accepted', async () => {
    const a = await rec.ingest('shop', 'customers', [{ customer_id: gone.identity.record['customer_id'], phone: frenchMobile(), channel_preference: 'store' }]);
    expect(a.accepted, JSON.stringify(a.errors)).toBe(1);
  });

  it('erasure by phone (any format) works the same way', async () => {
    const national = byPhone.identity.needles.find((n) => n.label === 'phone#3 national')!.value;
    const { answer } = await expectEntries(gw, 'dsr.erasure/ok', () => dsr('erasure', { type: 'phone', value: national.replace(/(\d{2})(?=\d)/g, '$1-') }));
    expect(answer.status, answer.text).toBe(200);
    expect(answer.json.pseudonym).toBe(byPhone.pseudonym);
    expect((await dsr('access', { type: 'email', value: byPhone.identity.normalized['email'] })).status).toBe(404);
    expect((await vaultRow(byPhone.pseudonym)).wrapped_key).toBeNull();
    const again = await rec.ingest('crm', 'customers', [{ ...byPhone.identity.record }]);
    expectRowError(again, 1, 'email', 'erased_subject');
  });

  it('the audit chain still verifies, its entries still name only pseudonyms, and nothing of the erased people remains on disk', async () => {
    expect(await httpVerify(gw, rec)).toMatchObject({ ok: true, first_invalid_seq: null });
    expect(await auditLeaks(gw, [gone.identity, kept.identity, byPhone.identity])).toEqual([]);
    // entries about the erased subject are kept (append-only), under its pseudonym
    const about = (await gw.db.all<{ action: string; subjects: string }>('SELECT action, subjects FROM audit_log ORDER BY seq'))
      .filter((r) => (JSON.parse(r.subjects) as string[]).includes(gone.pseudonym))
      .map((r) => r.action);
    expect(about).toEqual(expect.arrayContaining(['consent.change', 'reidentification.request', 'dsr.erasure']));
    if (gw.backend === 'sqlite') {
      // SQLite: the file and its WAL, scanned byte by byte
      gw.sqlite.pragma('wal_checkpoint(PASSIVE)');
      expect(dbLeaks(gw, [gone.identity, byPhone.identity])).toEqual([]);
      expect(dbBytes(gw).includes(savedDataKey)).toBe(false);
      // the kept subject's identity is there only as ciphertext, too
      expect(dbLeaks(gw, [kept.identity])).toEqual([]);
    }
  });
});
