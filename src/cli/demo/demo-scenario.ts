// The demo's story, through the public HTTP API only: ingest, quality, two views of a subject,
// one segmentation per method.
import { generateDataset, todayUtc } from '../../demo-data/generate.ts';
import { DemoClient, table } from './demo-client.ts';

type Tokens = Record<string, string>;
interface Segment {
  id: string;
  label: string;
  size: number;
  share: number;
  top_features: { feature: string; direction: string }[];
  rule?: string;
}
interface Run {
  id: string;
  status: string;
  error?: { message: string };
  result?: {
    population: number;
    segments: Segment[];
    quality?: { inertia: number; silhouette: number | null; k: number };
    receipt: { suppressed_segments: number; min_group_size: number };
  };
}

const say = (s = '') => process.stdout.write(s + '\n');

async function ingestAll(api: DemoClient, token: string, type: string, rows: unknown[], seed: number): Promise<void> {
  let accepted = 0,
    rejected = 0,
    duplicates = 0;
  for (let i = 0; i < rows.length; i += 1000) {
    const body = rows
      .slice(i, i + 1000)
      .map((r) => JSON.stringify(r))
      .join('\n');
    // A fixed key per batch: running the demo again replays instead of storing twice.
    const r = await api.ok<{ accepted: number; rejected: number; duplicates: number }>(token, 'POST', `/v1/ingest/crm/${type}`, body, {
      'Content-Type': 'application/x-ndjson',
      'Idempotency-Key': `demo-${seed}-${type}-${i}`,
    });
    accepted += r.accepted;
    rejected += r.rejected;
    duplicates += r.duplicates;
  }
  say(`  ${type.padEnd(13)} ${rows.length} rows: ${accepted} accepted, ${rejected} rejected (reported by row, field and rule), ${duplicates} duplicates`);
}

function printRun(title: string, run: Run): void {
  say(`\n${title}`);
  if (run.status !== 'succeeded' || !run.result) {
    say(`  failed: ${run.error?.message ?? 'unknown'}`);
    return;
  }
  const r = run.result;
  say(
    `  population ${r.population}, ${r.segments.length} visible segments, ${r.receipt.suppressed_segments} suppressed (minimum group ${r.receipt.min_group_size})` +
      (r.quality ? `, k=${r.quality.k}, silhouette ${r.quality.silhouette ?? '-'}` : ''),
  );
  say(
    table(
      r.segments.map((s) => ({
        segment: s.id,
        label: s.label,
        size: s.size,
        share: `${(s.share * 100).toFixed(1)}%`,
        'distinguished by': s.top_features.map((t) => `${t.feature}:${t.direction}`).join(' '),
      })),
      ['segment', 'label', 'size', 'share', 'distinguished by'],
    ),
  );
}

export async function runDemoScenario(
  base: string,
  tokens: Tokens,
  opts: { customers: number; seed: number },
  toPartner: (pseudonym: string) => string,
): Promise<void> {
  const api = new DemoClient(base);
  const customers: unknown[] = [];
  const transactions: unknown[] = [];
  for (const item of generateDataset({ count: opts.customers, seed: opts.seed, referenceDate: todayUtc() })) {
    if (item.type === 'customer') customers.push(item.customer.record);
    else transactions.push(item.transaction.record);
  }
  say(`Synthetic data (seed ${opts.seed}): loading through the HTTP API as the ingest role`);
  await ingestAll(api, tokens['ingest']!, 'customers', customers, opts.seed);
  await ingestAll(api, tokens['ingest']!, 'transactions', transactions, opts.seed);
  const quality = await api.ok<{ sources: { source: string; record_type: string; validity: number; flagged: boolean }[] }>(
    tokens['admin']!,
    'GET',
    '/v1/quality',
  );
  say('\nData quality (admin):');
  say(
    table(
      quality.sources.map((s) => ({ source: s.source, type: s.record_type, validity: s.validity, flagged: s.flagged ? 'FLAGGED' : 'ok' })),
      ['source', 'type', 'validity', 'flagged'],
    ),
  );

  const m = tokens['marketing']!;
  const submit = async (token: string, body: unknown) => api.waitRun<Run>(token, (await api.ok<{ id: string }>(token, 'POST', '/v1/segmentations', body)).id);
  const rules = await submit(m, {
    purpose: 'segmentation_analytics',
    method: 'rules',
    features: ['age_band', 'channel_preference'],
    rules: [
      { name: 'young digital', where: { age_band: { in: ['18-24', '25-34'] }, channel_preference: { in: ['web', 'app'] } } },
      { name: 'store regulars', where: { channel_preference: { eq: 'store' }, frequency: { gte: 6 } } },
      { name: 'seniors', where: { age: { gte: 65 } } },
    ],
  });
  printRun('A priori rules (marketing, segmentation_analytics):', rules);
  printRun(
    'Decision tree toward monetary value:',
    await submit(m, {
      purpose: 'segmentation_analytics',
      method: 'tree',
      target: 'monetary',
      features: ['age', 'recency_days', 'frequency', 'share_web', 'share_store', 'channel_preference'],
      max_depth: 3,
      seed: 7,
    }),
  );
  printRun(
    'k-means, k chosen by silhouette in [3, 6]:',
    await submit(m, {
      purpose: 'segmentation_analytics',
      method: 'kmeans',
      k_range: [3, 6],
      seed: 42,
      features: ['age', 'recency_days', 'frequency', 'avg_basket', 'share_web', 'share_store', 'share_phone', 'share_app'],
    }),
  );
  printRun('RFM (profitability_analysis):', await submit(m, { purpose: 'profitability_analysis', method: 'rfm' }));

  // Two views of one subject: marketing and a partner see different fields of the same person.
  const seg = rules.result?.segments[0];
  const p = tokens['partner']!;
  if (seg) {
    const mine = await api.ok<{ members: string[] }>(m, 'GET', `/v1/segmentations/${rules.id}/segments/${seg.id}/members?limit=200`);
    for (const pseudonym of mine.members) {
      // The operator's side: the same subject as the partner knows it (partner-scoped pseudonym).
      const b = await api.call<{ pseudonym: string; features: Record<string, unknown> }>(
        p,
        'GET',
        `/v1/subjects/${toPartner(pseudonym)}?purpose=partner_sharing`,
      );
      if (b.status !== 200) continue; // no partner_sharing consent: the partner cannot see this subject at all
      const a = await api.ok<{ pseudonym: string; features: Record<string, unknown> }>(m, 'GET', `/v1/subjects/${pseudonym}?purpose=segmentation_analytics`);
      say('\nOne subject, two roles (fields are filtered when the answer is written):');
      say(`  marketing sees ${a.pseudonym}: ${JSON.stringify(a.features)}`);
      say(`  partner   sees ${b.body.pseudonym}: ${JSON.stringify(b.body.features)}`);
      break;
    }
  }

  // The DPO's side: a justified, audited re-identification, then the audit chain verified.
  const d = tokens['dpo']!;
  const someone = seg && (await api.ok<{ members: string[] }>(m, 'GET', `/v1/segmentations/${rules.id}/segments/${seg.id}/members?limit=1`)).members[0];
  if (someone) {
    const reid = await api.ok<{ id: string; status: string; results: { pseudonym: string; status: string; fields?: Record<string, string> }[] }>(
      d,
      'POST',
      '/v1/reidentifications',
      {
        pseudonyms: [someone],
        fields: ['first_name', 'city'],
        purpose: 'customer_service',
        justification: 'Customer called about a delivery and asked which details we hold (ticket DEMO-1).',
      },
    );
    const r0 = reid.results[0]!;
    say(
      `\nRe-identification by the DPO (customer_service, justified, audited): ${reid.status}, ${r0.pseudonym} -> ${r0.status}` +
        (r0.fields ? ` (fields revealed: ${Object.keys(r0.fields).join(', ')}; values shown only to the requester)` : ''),
    );
  }
  const v = await api.ok<{ ok: boolean; entries: number; head: { seq: number; hash: string } | null; first_invalid_seq: number | null }>(
    d,
    'GET',
    '/v1/audit/verify',
  );
  say(
    `Audit chain: ${v.ok ? 'verified' : `BROKEN at seq ${v.first_invalid_seq}`}, ${v.entries} entries, head seq ${v.head?.seq} ${v.head?.hash.slice(0, 16)}...`,
  );
}
