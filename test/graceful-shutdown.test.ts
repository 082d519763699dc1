// SIGTERM on a serving gateway (`veilgate serve`, the built code, in a process of its own): it stops
// accepting, lets the request in flight and the running job finish within the grace period, hands
// a job back when the period is over, flushes the audit head, closes the database, and exits 0 only
// then. Nothing is lost: an ingest batch is whole or absent, a job completes or is queued again and
// completes after the restart; the audit chain verifies afterwards. The signal is sent once the
// gateway's own metrics (its loopback listener) show the request or the job under way.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { mintDevToken } from '../src/auth/dev-issuer.ts';
import { generateCustomers } from '../src/demo-data/generate.ts';
import { DB_FILE } from '../src/db/sqlite/open-database.ts';
import { freePort, runVeilgate } from './helpers/cli.ts';
import { postgresTestDb, sqliteTestDb, type TestDb } from './helpers/db.ts';
import { startInstance, stopInstance, until, type Instance } from './helpers/instances.ts';
import { createTestDatabase, TEST_BACKEND, type TestDatabase } from './helpers/test-database.ts';
import { REPO_POLICIES, tempDir } from './helpers/test-gateway.ts';

const CUSTOMERS = 4000;
const ndjson = (seed: number) =>
  [...generateCustomers({ count: CUSTOMERS, seed, badShare: 0, duplicateShare: 0 })].map((c) => JSON.stringify(c.record)).join('\n') + '\n';

interface Deployment {
  dataDir: string;
  env: Record<string, string>;
  metricsPort: number;
  database?: TestDatabase;
}

const deployments: Deployment[] = [];
const running: Instance[] = [];

async function deployment(graceMs: number): Promise<Deployment> {
  const dataDir = tempDir('shutdown');
  const database = TEST_BACKEND === 'postgres' ? await createTestDatabase() : undefined;
  const metricsPort = await freePort();
  const d: Deployment = {
    dataDir,
    metricsPort,
    ...(database && { database }),
    env: {
      VEILGATE_DATA_DIR: dataDir,
      VEILGATE_POLICIES_DIR: REPO_POLICIES,
      VEILGATE_DEV: '1',
      VEILGATE_SHUTDOWN_GRACE_MS: String(graceMs),
      VEILGATE_METRICS_PORT: String(metricsPort),
      VEILGATE_JOB_POLL_MS: '100',
      ...(database && { VEILGATE_DATABASE_URL: database.url }),
    },
  };
  deployments.push(d);
  return d;
}

async function start(d: Deployment): Promise<Instance> {
  const inst = await startInstance('gateway', d.env);
  running.push(inst);
  return inst;
}

/** The database, read directly once the gateway has exited. */
function database(d: Deployment): TestDb {
  return d.database ? postgresTestDb(d.database.url) : sqliteTestDb(new Database(path.join(d.dataDir, DB_FILE), { readonly: true }));
}

async function gauge(d: Deployment, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${d.metricsPort}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : NaN;
}

const token = (d: Deployment, role: string) => mintDevToken(d.dataDir, { roles: [role], subject: `${role}-user`, ttlSeconds: 3600 });

async function sigterm(inst: Instance): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  inst.child.kill('SIGTERM');
  return inst.exited;
}

async function auditVerifies(d: Deployment): Promise<void> {
  const r = await runVeilgate(['audit', 'verify'], { env: d.env, timeoutMs: 60_000 });
  expect(r.code, r.stdout + r.stderr).toBe(0);
}

afterEach(async () => {
  for (const inst of running.splice(0)) await stopInstance(inst, 5000);
});
afterAll(async () => {
  for (const d of deployments) {
    fs.rmSync(d.dataDir, { recursive: true, force: true });
    await d.database?.drop();
  }
});

describe('SIGTERM during an ingest batch', () => {
  /**
   * Starts a batch and sends the first half of its body: the request is in flight (the gateway's
   * in-flight gauge says so) and cannot finish until `finish()` sends the rest, so the signal is
   * sure to land during it.
   */
  async function openBatch(inst: Instance, d: Deployment, body: string) {
    const cut = body.indexOf('\n', body.length >> 1) + 1;
    const req = http.request(`${inst.url}/v1/ingest/crm/customers`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await token(d, 'ingest')}`, 'content-type': 'application/x-ndjson', 'content-length': Buffer.byteLength(body) },
    });
    const answer = new Promise<{ status: number; json: { accepted: number } } | { error: unknown }>((resolve) => {
      req.on('response', (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode!, json: JSON.parse(text) as { accepted: number } }));
        res.on('error', (error) => resolve({ error }));
      });
      req.on('error', (error) => resolve({ error }));
    });
    req.write(body.slice(0, cut));
    await until('the batch in flight', async () => ((await gauge(d, 'veilgate_http_requests_in_flight')) >= 1 ? true : undefined), 10_000, 5);
    return { answer, finish: () => req.end(body.slice(cut)) };
  }

  it('within the grace period: the batch is answered and stored whole, then the process exits 0', async () => {
    const d = await deployment(30_000);
    const inst = await start(d);
    const batch = await openBatch(inst, d, ndjson(11));
    inst.child.kill('SIGTERM');
    batch.finish();
    const exit = await inst.exited;
    expect(exit, inst.output().stderr).toEqual({ code: 0, signal: null });
    expect(await batch.answer).toMatchObject({ status: 200, json: { accepted: CUSTOMERS } });
    const db = database(d);
    try {
      expect(await db.count('subjects')).toBe(CUSTOMERS);
    } finally {
      await db.close();
    }
    expect(inst.output().stdout).toMatch(/"msg":"stopped"/);
    await auditVerifies(d);
  });

  it('past the grace period (0 ms): the connection is cut, and the batch is whole or absent, never partial', async () => {
    const d = await deployment(0);
    const inst = await start(d);
    const batch = await openBatch(inst, d, ndjson(12));
    inst.child.kill('SIGTERM');
    batch.finish();
    const exit = await inst.exited;
    expect(exit, inst.output().stderr).toEqual({ code: 0, signal: null });
    const a = await batch.answer;
    const db = database(d);
    let stored: number;
    try {
      stored = await db.count('subjects');
    } finally {
      await db.close();
    }
    expect([0, CUSTOMERS]).toContain(stored);
    // an answer that arrived says what was stored
    if ('status' in a) expect(a.json.accepted).toBe(stored);
    await auditVerifies(d);
  });
});

describe('SIGTERM during a segmentation job', () => {
  async function seeded(graceMs: number) {
    const d = await deployment(graceMs);
    const inst = await start(d);
    const res = await fetch(`${inst.url}/v1/ingest/crm/customers`, {
      method: 'POST',
      body: ndjson(21),
      headers: { authorization: `Bearer ${await token(d, 'ingest')}`, 'content-type': 'application/x-ndjson' },
    });
    expect(res.status).toBe(200);
    const marketing = await token(d, 'marketing');
    const submit = await fetch(`${inst.url}/v1/segmentations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${marketing}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        purpose: 'segmentation_analytics',
        method: 'kmeans',
        features: ['age', 'monetary', 'frequency', 'channel_preference'],
        k: 4,
        seed: 9,
      }),
    });
    expect(submit.status, await submit.clone().text()).toBe(202);
    const { id } = (await submit.json()) as { id: string };
    return { d, inst, id, marketing };
  }

  /** Every member of every visible segment, through the API: as many as the result's sizes say. */
  async function membersMatchResult(url: string, tokenValue: string, id: string): Promise<void> {
    const run = (await (await fetch(`${url}/v1/segmentations/${id}`, { headers: { authorization: `Bearer ${tokenValue}` } })).json()) as {
      status: string;
      result: { segments: { id: string; size: number | null; suppressed?: boolean }[] };
    };
    expect(run.status).toBe('succeeded');
    for (const s of run.result.segments.filter((x) => typeof x.size === 'number' && !x.suppressed)) {
      let n = 0;
      let cursor: string | null = null;
      do {
        const q: string = cursor ? `?limit=1000&cursor=${cursor}` : '?limit=1000';
        const page = (await (
          await fetch(`${url}/v1/segmentations/${id}/segments/${s.id}/members${q}`, { headers: { authorization: `Bearer ${tokenValue}` } })
        ).json()) as {
          members: string[];
          next_cursor: string | null;
        };
        n += page.members.length;
        cursor = page.next_cursor;
      } while (cursor);
      expect(n, s.id).toBe(s.size);
    }
  }

  it('within the grace period: the job completes before the process exits 0', async () => {
    const { d, inst, id, marketing } = await seeded(60_000);
    await until('the job running', async () => ((await gauge(d, 'veilgate_segmentation_jobs_running')) === 1 ? true : undefined), 20_000, 5);
    const exit = await sigterm(inst);
    expect(exit, inst.output().stderr).toEqual({ code: 0, signal: null });
    const db = database(d);
    try {
      expect((await db.get<{ status: string }>('SELECT status FROM segmentation_runs WHERE id = ?', id))?.status).toBe('succeeded');
    } finally {
      await db.close();
    }
    const again = await start(d);
    await membersMatchResult(again.url, marketing, id);
    await auditVerifies(d);
  });

  it('past the grace period (0 ms): the job is handed back, exit 0, and the restarted gateway completes it', async () => {
    const { d, inst, id, marketing } = await seeded(0);
    await until('the job running', async () => ((await gauge(d, 'veilgate_segmentation_jobs_running')) === 1 ? true : undefined), 20_000, 5);
    const exit = await sigterm(inst);
    expect(exit, inst.output().stderr).toEqual({ code: 0, signal: null });
    const db = database(d);
    try {
      const row = await db.get<{ status: string; claimed_by: string | null }>('SELECT status, claimed_by FROM segmentation_runs WHERE id = ?', id);
      // handed back (the usual case), or finished in the instant before the signal: never left claimed or failed
      expect(row).toBeDefined();
      if (row!.status !== 'succeeded') {
        expect(row).toEqual({ status: 'queued', claimed_by: null });
        expect(inst.output().stdout).toMatch(/handed back to the queue/);
      }
    } finally {
      await db.close();
    }
    const again = await start(d);
    await until(
      'the run completed after the restart',
      async () => {
        const r = await fetch(`${again.url}/v1/segmentations/${id}`, { headers: { authorization: `Bearer ${marketing}` } });
        return ((await r.json()) as { status: string }).status === 'succeeded' ? true : undefined;
      },
      30_000,
    );
    await membersMatchResult(again.url, marketing, id);
    await auditVerifies(d);
  });
});
