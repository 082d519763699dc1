// Threat T20 (docs/threat-model.md): someone who can write the database moves one subject's vault
// row (wrapped key and ciphertext) under another subject's pseudonym, so that a justified
// re-identification of B, audited as B, reveals A. The wrapped key and the record are each bound
// to their subject's pseudonym as associated data: neither opens under another pseudonym.
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VaultCipher } from '../../src/vault/vault-cipher.ts';
import { Recorder, seedSubject, type Seeded } from '../helpers/access.ts';
import { JUSTIFICATION } from '../helpers/audit.ts';
import { testGateway, type TestGateway } from '../helpers/test-gateway.ts';

describe("T20: a vault record does not decrypt under another subject's pseudonym", () => {
  it('the record and the wrapped key are bound by their associated data (same data key, other pseudonym)', () => {
    const cipher = new VaultCipher(crypto.randomBytes(32));
    const key = cipher.newDataKey();
    const a = 'p1_AAAAAAAAAAAAAAAAAAAAAA';
    const b = 'p1_BBBBBBBBBBBBBBBBBBBBBB';
    const sealed = cipher.encryptRecord(key, a, { email: 'a@example.test' });
    expect(cipher.decryptRecord(key, a, sealed.fields, sealed.ciphertext)).toEqual({ email: 'a@example.test' });
    expect(() => cipher.decryptRecord(key, b, sealed.fields, sealed.ciphertext)).toThrow();
    // the field list is bound too: a record cannot be relabelled
    expect(() => cipher.decryptRecord(key, a, 'email,iban', sealed.ciphertext)).toThrow();
    const wrapped = cipher.wrap(key, a);
    expect(cipher.unwrap(wrapped, a, cipher.keyId)).toEqual(key);
    expect(() => cipher.unwrap(wrapped, b, cipher.keyId)).toThrow();
  });

  describe('through the gateway', () => {
    let gw: TestGateway;
    let rec: Recorder;
    let a: Seeded;
    let b: Seeded;
    beforeAll(async () => {
      gw = await testGateway({ clockStart: Date.UTC(2026, 0, 15, 9, 30) });
      rec = new Recorder(gw);
      a = await seedSubject(rec, 'advvrb', 1, { transactions: false });
      b = await seedSubject(rec, 'advvrb', 2, { transactions: false });
    });
    afterAll(() => gw?.cleanup());

    it("A's row copied under B's pseudonym: re-identifying B reveals nothing of A (unreadable)", async () => {
      const idOf = async (p: string) => (await gw.db.get<{ id: number }>('SELECT id FROM subjects WHERE pseudonym = ?', p))!.id;
      const [ida, idb] = [await idOf(a.pseudonym), await idOf(b.pseudonym)];
      expect(
        await gw.db.run(
          `UPDATE vault SET wrapped_key = (SELECT v.wrapped_key FROM vault v WHERE v.subject_id = ?),
        ciphertext = (SELECT v.ciphertext FROM vault v WHERE v.subject_id = ?), fields = (SELECT v.fields FROM vault v WHERE v.subject_id = ?) WHERE subject_id = ?`,
          ida,
          ida,
          ida,
          idb,
        ),
      ).toBe(1);
      const r = await rec.postJson('/v1/reidentifications', await gw.mint(['dpo']), {
        pseudonyms: [b.pseudonym, a.pseudonym],
        fields: ['email'],
        purpose: 'customer_service',
        justification: JUSTIFICATION,
      });
      expect(r.status, r.text).toBe(201);
      expect(r.json.results).toEqual([
        { pseudonym: b.pseudonym, status: 'unreadable' },
        { pseudonym: a.pseudonym, status: 'found', fields: { email: a.identity.normalized['email'] } },
      ]);
      expect(r.text.split(a.identity.normalized['email']!).length).toBe(2); // only in A's own result
    });
  });
});
