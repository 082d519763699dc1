// Threat T14 (docs/threat-model.md): a HEAD request (a link preview, a monitoring probe, a curious
// colleague's client) consumes a one-time delivery of re-identified fields, so the requester never
// sees them while whoever sent the HEAD learned the delivery happened. Only a GET delivers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Recorder, seedSubject, type Seeded } from '../helpers/access.ts';
import { expectEntries, JUSTIFICATION } from '../helpers/audit.ts';
import { testGateway, type TestGateway } from '../helpers/test-gateway.ts';

describe('T14: HEAD changes nothing on a one-time delivery', () => {
  let gw: TestGateway;
  let rec: Recorder;
  let s: Seeded;

  beforeAll(async () => {
    gw = await testGateway({ clockStart: Date.UTC(2026, 0, 15, 9, 30) });
    rec = new Recorder(gw);
    s = await seedSubject(rec, 'advhed', 1, { transactions: false });
  });
  afterAll(() => gw?.cleanup());

  it("an approved re-identification survives any number of HEADs, then the requester's GET delivers it once", async () => {
    const alice = await gw.mint(['dpo'], { sub: 'alice' });
    const bob = await gw.mint(['dpo'], { sub: 'bob' });
    const p = await rec.postJson('/v1/reidentifications', alice, {
      pseudonyms: [s.pseudonym],
      fields: ['nir'],
      purpose: 'customer_service',
      justification: JUSTIFICATION,
    });
    expect(p.status).toBe(202);
    expect((await rec.postJson(`/v1/reidentifications/${p.json.id}/approve`, bob, {})).status).toBe(200);
    for (let i = 0; i < 3; i++) {
      const { answer } = await expectEntries(gw, null, () => rec.send(`/v1/reidentifications/${p.json.id}`, { method: 'HEAD', token: alice }));
      expect(answer.status).toBe(200);
      expect(answer.text).toBe('');
    }
    const got = await expectEntries(gw, 'reidentification.deliver/granted', () => rec.get(`/v1/reidentifications/${p.json.id}`, alice));
    expect(got.answer.json.results[0].fields).toEqual({ nir: s.identity.normalized['nir'] });
    expect((await rec.get(`/v1/reidentifications/${p.json.id}`, alice)).json.results).toBeUndefined();
  });
});
