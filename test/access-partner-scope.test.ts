// Partner-scoped pseudonyms: each partner issuer sees and sends only its own s1_ values, derived
// per issuer id under the pseudonymization key; the gateway maps them back. Two partners get
// different values for one subject, and neither can use the other's value nor the internal p1_.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_ISSUER_ID } from '../src/auth/dev-issuer.ts';
import { SCOPED_PATTERN } from '../src/pseudonymization/partner-scope.ts';
import { PSEUDONYM_PATTERN } from '../src/pseudonymization/pseudonymizer.ts';
import { addPartnerIssuer, partnerOneToken, partnerScopeOf, problemShape, Recorder, seedSubject, type ExtraPartner, type Seeded } from './helpers/access.ts';
import { testGateway, type TestGateway } from './helpers/test-gateway.ts';

const CLOCK = Date.UTC(2026, 0, 15, 9, 30);
const UNKNOWN_INTERNAL = 'p1_AAAAAAAAAAAAAAAAAAAAAA';

describe('partner-scoped pseudonyms with two partner issuers', () => {
  let gw: TestGateway;
  let rec: Recorder;
  let two: ExtraPartner;
  let s: Seeded;
  let other: Seeded;
  let tokenOne: string;
  let tokenTwo: string;
  /** s1_ value of `s` per issuer id. */
  const scoped: Record<string, string> = {};

  beforeAll(async () => {
    gw = await testGateway({
      clockStart: CLOCK,
      prepare: async ({ policiesDir }) => {
        two = await addPartnerIssuer(policiesDir, 'partner-two');
      },
    });
    rec = new Recorder(gw);
    s = await seedSubject(rec, 'partnr', 1);
    other = await seedSubject(rec, 'partnr', 2);
    tokenOne = await partnerOneToken(gw);
    tokenTwo = await two.sign(gw.now());
    const scope = partnerScopeOf(gw);
    for (const id of [gw.partner.id, two.id, DEV_ISSUER_ID]) scoped[id] = scope.toPartner(s.pseudonym, id);
  });
  afterAll(() => gw?.cleanup());

  const read = (value: string, token: string, purpose = 'partner_sharing') => rec.get(`/v1/subjects/${value}?purpose=${purpose}`, token);

  it('both partner issuers are trusted and grant only the partner role', async () => {
    const ids = gw.policies.issuers.map((i) => i.id);
    expect(ids).toEqual(expect.arrayContaining(['example-agency', 'partner-one', 'partner-two']));
    for (const [token, id] of [
      [tokenOne, 'partner-one'],
      [tokenTwo, 'partner-two'],
    ] as const) {
      const me = await rec.get('/v1/me', token);
      expect(me.status, me.text).toBe(200);
      expect(me.json).toMatchObject({ issuer_id: id, roles: ['partner'] });
    }
    expect(gw.policies.access.privilegeOf('partner').partnerScoped).toBe(true);
  });

  it('each issuer gets its own s1_ value; the mapping is a permutation the gateway reverses', () => {
    const scope = partnerScopeOf(gw);
    const values = Object.values(scoped);
    expect(new Set(values).size).toBe(values.length);
    for (const [id, v] of Object.entries(scoped)) {
      expect(v).toMatch(SCOPED_PATTERN);
      expect(v).toMatch(/^s1_[A-Za-z0-9_-]{22}$/);
      expect(v.slice(3)).not.toBe(s.pseudonym.slice(3));
      expect(scope.fromPartner(v, id)).toBe(s.pseudonym);
      // the same issuer always gets the same value (no table, no randomness)
      expect(scope.toPartner(s.pseudonym, id)).toBe(v);
    }
    expect(scope.toPartner(other.pseudonym, gw.partner.id)).not.toBe(scoped[gw.partner.id]);
    // another partner's value maps to some other internal pseudonym, not to this subject
    expect(scope.fromPartner(scoped[two.id]!, gw.partner.id)).not.toBe(s.pseudonym);
  });

  it('each partner reads the subject through its own value and only ever sees that value', async () => {
    for (const [token, id] of [
      [tokenOne, gw.partner.id],
      [tokenTwo, two.id],
    ] as const) {
      const a = await read(scoped[id]!, token);
      expect(a.status, a.text).toBe(200);
      expect(a.json.pseudonym).toBe(scoped[id]);
      expect(a.json.legal_basis).toBe('consent');
      expect(Object.keys(a.json.features).sort()).toEqual(
        gw.policies.access.allowedFeatures({ roles: ['partner'], issuerId: id }, 'partner_sharing', 'see').sort(),
      );
      expect(a.text).not.toContain(s.pseudonym);
      expect(a.text).not.toContain(s.pseudonym.slice(3));
      for (const v of Object.values(scoped)) if (v !== scoped[id]) expect(a.text).not.toContain(v);
    }
  });

  it("neither partner can use the other's value, the dev issuer's, or the internal p1_ value: 404 like an unknown subject", async () => {
    const unknownScoped = partnerScopeOf(gw).toPartner(UNKNOWN_INTERNAL, gw.partner.id);
    const baseline = await read(unknownScoped, tokenOne);
    expect(baseline.status).toBe(404);
    const attempts: [string, string][] = [
      [tokenOne, scoped[two.id]!],
      [tokenOne, scoped[DEV_ISSUER_ID]!],
      [tokenOne, s.pseudonym],
      [tokenTwo, scoped[gw.partner.id]!],
      [tokenTwo, scoped[DEV_ISSUER_ID]!],
      [tokenTwo, s.pseudonym],
      [tokenOne, scoped[gw.partner.id]!.replace(/^s1_/, 'p1_')],
      [tokenOne, scoped[gw.partner.id]!.replace(/^s1_/, 'S1_')],
      [tokenOne, scoped[gw.partner.id]!.replace(/^s1_/, 's2_')],
      [tokenOne, `${scoped[gw.partner.id]!}=`],
    ];
    for (const [token, value] of attempts) {
      const a = await read(value, token);
      expect(a.status, `${value}: ${a.text}`).toBe(404);
      expect(problemShape(a)).toEqual(problemShape(baseline));
    }
  });

  it('a non-canonical spelling of a valid s1_ value (same 16 bytes) is refused', async () => {
    const v = scoped[gw.partner.id]!;
    // 22 base64url chars carry 132 bits: the last character's low 4 bits are padding
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = alphabet.indexOf(v.at(-1)!);
    const alias = v.slice(0, -1) + alphabet[(last & ~0xf) | ((last + 1) & 0xf)]!;
    expect(alias).not.toBe(v);
    expect(Buffer.from(alias.slice(3), 'base64url')).toEqual(Buffer.from(v.slice(3), 'base64url'));
    expect((await read(alias, tokenOne)).status).toBe(404);
    expect((await read(v, tokenOne)).status).toBe(200);
  });

  it('non-partner roles never accept an s1_ value: marketing and dpo get 404', async () => {
    for (const role of ['marketing', 'dpo']) {
      const token = await gw.mint([role]);
      for (const v of Object.values(scoped)) {
        const a = await read(v, token, 'marketing_email');
        expect(a.status, `${role} ${v}: ${a.text}`).toBe(404);
      }
      expect((await read(s.pseudonym, token, 'marketing_email')).status).toBe(200);
    }
    const consents = await rec.get(`/v1/subjects/${scoped[gw.partner.id]}/consents`, await gw.mint(['dpo']));
    expect(consents.status).toBe(404);
  });

  it('a dev-issuer partner token is scoped to the dev issuer id', async () => {
    const dev = await gw.mint(['partner']);
    const a = await read(scoped[DEV_ISSUER_ID]!, dev);
    expect(a.status, a.text).toBe(200);
    expect(a.json.pseudonym).toBe(scoped[DEV_ISSUER_ID]);
    expect((await read(scoped[gw.partner.id]!, dev)).status).toBe(404);
    expect((await read(s.pseudonym, dev)).status).toBe(404);
    expect(PSEUDONYM_PATTERN.test(scoped[DEV_ISSUER_ID]!)).toBe(false);
  });

  it('a withdrawn partner_sharing consent closes every partner at once', async () => {
    gw.advance(60_000);
    const w = await rec.postJson(`/v1/subjects/${s.pseudonym}/consents`, await gw.mint(['dpo']), { purpose: 'partner_sharing', status: 'withdrawn' });
    expect(w.status, w.text).toBe(201);
    const now = gw.now();
    const fresh = [await partnerOneToken(gw), await two.sign(now)];
    expect((await read(scoped[gw.partner.id]!, fresh[0]!)).status).toBe(404);
    expect((await read(scoped[two.id]!, fresh[1]!)).status).toBe(404);
    // the other subject is untouched
    expect((await read(partnerScopeOf(gw).toPartner(other.pseudonym, two.id), fresh[1]!)).status).toBe(200);
  });

  it('no answer carries a raw identifier', () => {
    expect(rec.leaks([s.identity, other.identity])).toEqual([]);
  });
});
