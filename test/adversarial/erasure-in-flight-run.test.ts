// Threat T11 (docs/threat-model.md): a subject erased (or withdrawing consent) while a segmentation
// job runs stayed in that run's members: exportable, and out of reach of DSR (the erasure had
// already emptied the member lists that existed). Member writes now leave out, in the same
// transaction, whoever was erased or stopped being covered since the population was read, and
// the erasure's receipt counts them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsentRegistry } from '../../src/consent/consent-registry.ts';
import { executeJob } from '../../src/segmentation/worker/execute-job.ts';
import type { JobInput } from '../../src/segmentation/worker/job-input.ts';
import { Recorder, seedSubject, type Seeded } from '../helpers/access.ts';
import { fillers } from '../helpers/audit.ts';
import { testGateway, type TestGateway } from '../helpers/test-gateway.ts';

const CLOCK = Date.UTC(2026, 0, 15, 9, 30);
const DPO = { issuer: 'dev', subject: 'dpo-officer', roles: ['dpo'], requestId: null };

describe('T11: nobody erased or withdrawn during a run stays in its members', () => {
  let gw: TestGateway;
  let rec: Recorder;
  let gone: Seeded;
  let withdrawn: Seeded;
  let kept: Seeded;

  beforeAll(async () => {
    gw = await testGateway({ clockStart: CLOCK });
    rec = new Recorder(gw);
    gone = await seedSubject(rec, 'advifr', 1, { transactions: false });
    withdrawn = await seedSubject(rec, 'advifr', 2, { transactions: false });
    kept = await seedSubject(rec, 'advifr', 3, { transactions: false });
    await rec.ingest('crm', 'customers', fillers('advifr', 12, { consent_marketing_email: true }));
  });
  afterAll(() => gw?.cleanup());

  /** A rules job over everyone covered by marketing_email, run in this thread with `between` after its read. */
  async function runWith(between: () => Promise<void>): Promise<string> {
    const runs = gw.storage.runs;
    const runId = `seg_inflight_${Math.random().toString(36).slice(2)}`;
    const claimant = `test-${runId}`;
    const spec = { purpose: 'marketing_email', method: 'rules' as const, features: [], rules: [{ name: 'all', where: { gender: { in: ['f', 'm', 'x'] } } }] };
    const input: JobInput = {
      runId,
      owner: 'dev:analyst',
      purpose: gw.policies.purposes.get('marketing_email')!,
      features: [{ name: 'gender', kind: 'categorical' }],
      spec,
      minGroupSize: 10,
      profileFeatures: ['gender'],
      policyVersion: gw.policies.version,
      now: gw.now(),
    };
    // queued and claimed in one unit of work: the gateway's own queue never sees it unclaimed
    const claimed = await gw.storage.transaction(async (tx) => {
      await tx.runs.insert(
        {
          id: runId,
          owner: 'dev:analyst',
          issuerId: 'dev',
          roles: ['marketing'],
          purpose: spec.purpose,
          method: 'rules',
          params: spec,
          policyVersion: gw.policies.version,
          privilege: null,
          createdAt: gw.now(),
        },
        input,
      );
      return tx.runs.claim(claimant, gw.now(), gw.now() + 3_600_000);
    });
    expect(claimed?.job.runId).toBe(runId);
    await executeJob(claimed!.job, gw.storage, { claimant, threads: 1, clock: gw.now, afterRead: between });
    expect((await runs.get(runId))!.status).toBe('succeeded');
    return runId;
  }

  const members = (runId: string) => gw.storage.runs.members(runId, 'rule-1', 0, 1000);

  it('an erasure between the population read and the member write leaves the subject out, and its receipt says so', async () => {
    let receiptId = '';
    const runId = await runWith(async () => {
      const erased = await gw.dsr.erase({ roles: ['dpo'], issuerId: 'dev' }, DPO, {
        identifier: { type: 'email', value: String(gone.identity.normalized['email']) },
        reference: 'DSR-2026-0077',
      });
      receiptId = String(erased['id']);
      expect(erased['removed']).toMatchObject({ segment_memberships: 0, in_flight_runs: 1 });
    });
    const m = await members(runId);
    expect(m).not.toContain(gone.pseudonym);
    expect(m).toContain(kept.pseudonym);
    expect(m.filter((p) => p === null)).toHaveLength(1);
    // the erasure's receipt now counts the membership the run in flight left out
    const r = await gw.db.get<{ receipt: string }>('SELECT receipt FROM dsr_requests WHERE id = ?', receiptId);
    expect(JSON.parse(r!.receipt)).toMatchObject({ in_flight_runs: 1, in_flight_memberships_removed: 1 });
    // and DSR finds no membership of the erased subject anywhere
    const chunks = await gw.db.all<{ members: string }>('SELECT members FROM segment_member_chunks');
    expect(chunks.length).toBeGreaterThan(0);
    expect(chunks.filter((c) => c.members.includes(gone.pseudonym))).toHaveLength(0);
  });

  it('a consent withdrawal between read and write takes the subject out of the members', async () => {
    // what the DPO's consent route records, through the same registry
    const registry = new ConsentRegistry(gw.policies.purposes, gw.now);
    const runId = await runWith(async () => {
      const w = await gw.storage.transaction((tx) =>
        registry.record(tx, {
          pseudonym: withdrawn.pseudonym,
          purpose: 'marketing_email',
          status: 'withdrawn',
          legalBasis: 'consent',
          source: 'dpo',
          collectedAt: gw.now(),
          expiresAt: null,
          noticeVersion: null,
          recordedAt: gw.now(),
          recordedBy: 'dev:dpo-officer',
        }),
      );
      expect(w.effective).toBe(true);
    });
    const m = await members(runId);
    expect(m).not.toContain(withdrawn.pseudonym);
    expect(m).toContain(kept.pseudonym);
  });
});
