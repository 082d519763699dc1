// Threat T35 (docs/threat-model.md): subjects have sequential ids in storage, in the order they
// were first ingested. A member list (or a population digest) in that order would rank subjects
// by when they were stored: finer than the generalized tenure a role may see. Members and the
// population digest are in pseudonym order (a keyed hash: random to anyone without the key).
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pseudonymOfEmail, Recorder } from '../helpers/access.ts';
import { fillers } from '../helpers/audit.ts';
import { SegClient } from '../helpers/segmentation.ts';
import { testGateway, type TestGateway } from '../helpers/test-gateway.ts';

const CLOCK = Date.UTC(2026, 0, 15, 9, 30);
const N = 40;

describe('T35: a member list does not tell the order subjects were stored in', () => {
  let gw: TestGateway;
  let seg: SegClient;
  let stored: string[];

  beforeAll(async () => {
    gw = await testGateway({ clockStart: CLOCK });
    const rec = new Recorder(gw);
    seg = new SegClient(gw, rec);
    const rows = fillers('advord', N);
    // one batch per customer: storage order is this order, for certain
    for (const r of rows) await rec.ingest('crm', 'customers', [r]);
    stored = rows.map((r) => pseudonymOfEmail(gw, String(r['email'])));
  });
  afterAll(() => gw?.cleanup());

  it('members come in pseudonym order, not in storage order; the digest is over that order too', async () => {
    const token = await seg.marketing();
    const v = await seg.run(token, { purpose: 'segmentation_analytics', method: 'rules', rules: [{ name: 'all', where: { frequency: { gte: 0 } } }] });
    const members = await seg.allMembers(token, v.id, 'rule-1');
    expect([...members].sort()).toEqual([...stored].sort());
    expect(members).toEqual([...stored].sort());
    // 40 random pseudonyms in storage order being sorted by chance: 1 in 40!
    expect(members).not.toEqual(stored);
    const digest = crypto.createHash('sha256');
    for (const p of [...stored].sort()) digest.update(p).update('\n');
    expect(v.result.receipt.consent_snapshot.population_digest).toBe(digest.digest('hex'));
  });
});
