// Listing re-identification requests: an approver sees everyone's (the pending queue, the decided
// history), anyone else only their own; newest first, in keyset pages; pseudonyms and field names
// only (whatever was typed in place of a pseudonym is not shown); every listing is an audit entry.
// GET /v1/me names the fields a request may ask for.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Recorder, seedSubject, type Answer, type Seeded } from './helpers/access.ts';
import { scan } from './helpers/canaries.ts';
import { expectEntries, fillers, JUSTIFICATION } from './helpers/audit.ts';
import { testGateway, type TestGateway } from './helpers/test-gateway.ts';

const CLOCK = Date.UTC(2026, 0, 15, 9, 30);

interface Listed {
  id: string;
  requester: string;
  own: boolean;
  status: string;
  pseudonyms: string[];
  not_pseudonyms: number;
  fields: string[];
  justification: string;
  purpose: string;
  decided_by: string | null;
}

describe('listing re-identification requests', () => {
  let gw: TestGateway;
  let rec: Recorder;
  let subject: Seeded;
  let alice: string;
  let bob: string;
  let carol: string;
  const ids: Record<string, string> = {};

  const ask = (token: string, fields: string[], pseudonyms = [subject.pseudonym]) =>
    rec.postJson('/v1/reidentifications', token, { pseudonyms, fields, purpose: 'customer_service', justification: JUSTIFICATION });
  const list = (token: string, query = ''): Promise<Answer> => rec.get(`/v1/reidentifications${query}`, token);
  const requestsOf = (a: Answer): Listed[] => (a.json as { requests: Listed[] }).requests;

  beforeAll(async () => {
    gw = await testGateway({ clockStart: CLOCK });
    rec = new Recorder(gw);
    subject = await seedSubject(rec, 'reidls', 1, { transactions: false });
    await rec.ingest('crm', 'customers', fillers('reidls', 2));
    alice = await gw.mint(['dpo'], { sub: 'alice' });
    bob = await gw.mint(['dpo'], { sub: 'bob' });
    carol = await gw.mint(['reidentifier'], { sub: 'carol' });
    // an email typed where a pseudonym belongs: the request keeps it, a listing must not show it
    const typed = subject.identity.normalized['email']!;
    ids['pending'] = (await ask(alice, ['iban'], [subject.pseudonym, typed])).json.id;
    gw.advance(1000);
    ids['granted'] = (await ask(alice, ['email'])).json.id;
    gw.advance(1000);
    ids['carol'] = (await ask(carol, ['email'])).json.id;
    gw.advance(1000);
    ids['denied'] = (await ask(alice, ['nir'])).json.id;
    expect((await rec.postJson(`/v1/reidentifications/${ids['denied']}/deny`, bob, {})).status).toBe(200);
  });
  afterAll(() => gw?.cleanup());

  it("an approver's pending queue: requester, purpose, justification, fields and pseudonyms only; one audit entry", async () => {
    const { answer: a, entry } = await expectEntries(gw, 'reidentification.list/granted', () => list(bob, '?status=pending_approval'));
    expect(a.status, a.text).toBe(200);
    expect(requestsOf(a)).toEqual([
      expect.objectContaining({
        id: ids['pending'],
        requester: 'dev:alice',
        own: false,
        status: 'pending_approval',
        purpose: 'customer_service',
        justification: JUSTIFICATION,
        fields: ['iban'],
        pseudonyms: [subject.pseudonym],
        not_pseudonyms: 1,
      }),
    ]);
    expect(a.json.next_cursor).toBeNull();
    expect(scan(a.text, subject.identity.needles)).toEqual([]);
    expect(JSON.parse(entry!.detail)).toEqual({ status: 'pending_approval', mine: false, entries: 1 });
    // the requester sees the same request as her own
    expect(requestsOf(await list(alice, '?status=pending_approval'))[0]).toMatchObject({ id: ids['pending'], own: true });
  });

  it('the decided history holds granted, denied and delivered requests, newest first', async () => {
    const a = await list(bob, '?status=decided');
    expect(requestsOf(a).map((r) => r.id)).toEqual([ids['denied'], ids['carol'], ids['granted']]);
    expect(requestsOf(a)[0]).toMatchObject({ status: 'denied', decided_by: 'dev:bob' });
    expect(requestsOf(await list(bob, '?status=decided&mine=true'))).toEqual([]);
    expect(requestsOf(await list(alice, '?mine=true')).map((r) => r.id)).toEqual([ids['denied'], ids['granted'], ids['pending']]);
  });

  it('someone who may not decide lists only their own requests, whatever they ask', async () => {
    expect(requestsOf(await list(carol)).map((r) => r.id)).toEqual([ids['carol']]);
    expect(requestsOf(await list(carol, '?status=pending_approval'))).toEqual([]);
  });

  it('pages by cursor without repeating or skipping a request, equal creation times included', async () => {
    for (let i = 0; i < 3; i++) ids[`same${i}`] = (await ask(alice, ['email'])).json.id;
    const all = requestsOf(await list(bob, '?limit=100')).map((r) => r.id);
    expect(all).toHaveLength(7);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const a: Answer = await list(bob, `?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(a.status, a.text).toBe(200);
      seen.push(...requestsOf(a).map((r) => r.id));
      cursor = a.json.next_cursor as string | null;
    } while (cursor);
    expect(seen).toEqual(all);
  });

  it('GET /v1/me names the vault fields each role may re-identify, and under which purposes (the request form offers them)', async () => {
    const fieldsOf = async (token: string) =>
      Object.fromEntries(((await rec.get('/v1/me', token)).json.reidentify_fields as { name: string; purposes: string[] }[]).map((f) => [f.name, f.purposes]));
    const dpo = await fieldsOf(alice);
    expect(Object.keys(dpo)).toEqual(expect.arrayContaining(['email', 'phone', 'last_name', 'iban', 'nir', 'siret', 'birth_date']));
    expect(dpo['iban']).toEqual(['customer_service', 'legal_obligation']);
    expect(dpo['gender']).toBeUndefined();
    const contact = ['customer_service', 'marketing_email', 'marketing_sms'];
    expect(await fieldsOf(carol)).toEqual({ email: contact, first_name: contact, last_name: contact, phone: contact });
    expect(await fieldsOf(await gw.mint(['marketing']))).toEqual({});
  });

  it('a malformed cursor, status or limit is refused (422)', async () => {
    for (const q of ['?cursor=abc', '?status=approved', '?limit=0', '?limit=101', '?mine=yes']) expect((await list(bob, q)).status, q).toBe(422);
  });
});
