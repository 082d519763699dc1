// Shared by the segmentation tests: a synthetic population with planted structure (whose every
// feature value is known here, independently of the gateway), ingest of it through the HTTP API,
// a client for runs and member exports, a rule evaluator over the planted data, and leak scans.
import { expect } from 'vitest';
import { frenchMobile } from './canaries.ts';
import { partnerOneToken, pseudonymOfEmail, Recorder, type Answer, type Row } from './access.ts';
import type { TestGateway } from './test-gateway.ts';

/** The fixed gateway clock of every segmentation test: 2026-01-15 12:00 UTC. */
export const SEG_CLOCK = Date.UTC(2026, 0, 15, 12, 0);
const DAY_MS = 86_400_000;
const TODAY = Math.floor(SEG_CLOCK / DAY_MS);
const dayOf = (iso: string) => Math.floor(Date.parse(iso + 'T00:00:00Z') / DAY_MS);
const isoOf = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);

/**
 * Planted groups:
 *   A  young (22-27), web, few small recent purchases          200
 *   B  middle-aged (42-49), store, medium purchases in autumn   200 (7 of them csp agriculteur)
 *   C  senior (68-75), phone, many large purchases, lapsed      200
 *   D  35-37, app, 20 very large purchases, bought yesterday     30 (a tiny group: < 50, >= 10)
 *   N1 no birth date / channel / postcode / income, 1 old purchase     6
 *   N2 same, no purchase at all                                         6
 *   N3 same, 3 old purchases                                            8
 * Every 10th subject of A, B and C has refused partner_sharing; D all granted it; N none.
 * Only D and N (50 subjects) granted marketing_email.
 */
export type Group = 'A' | 'B' | 'C' | 'D' | 'N1' | 'N2' | 'N3';
export const GROUP_SIZES: Record<Group, number> = { A: 200, B: 200, C: 200, D: 30, N1: 6, N2: 6, N3: 8 };

export type FeatureValue = number | string | null;

export interface Synth {
  i: number;
  group: Group;
  email: string;
  customerId: string;
  phone: string;
  birthDate: string | null;
  signupDate: string;
  partnerSharing: boolean;
  customer: Row;
  transactions: Row[];
  /** Feature values as of SEG_CLOCK, computed here from what was sent. */
  f: Record<string, FeatureValue>;
  /** The gateway's internal pseudonym (set by ingestPopulation). */
  pseudonym: string;
}

/** mulberry32: the population is the same on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const BANDS = [18, 25, 35, 45, 55, 65];
function ageBand(age: number): string {
  if (age < BANDS[0]!) return `<${BANDS[0]}`;
  for (let i = BANDS.length - 1; i >= 0; i--) if (age >= BANDS[i]!) return i === BANDS.length - 1 ? `${BANDS[i]}+` : `${BANDS[i]}-${BANDS[i + 1]! - 1}`;
  return `<${BANDS[0]}`;
}

interface GroupSpec {
  birthYears?: [number, number];
  channel?: string;
  postcode?: string;
  income?: [number, number];
  csp: string;
  signupYear: number;
  tx: [number, number];
  amount: [number, number];
  /** Range of purchase days (ISO dates); the last purchase day is forced to `last` when set. */
  days: [string, string];
  last?: string;
}

const SPECS: Record<Group, GroupSpec> = {
  A: {
    birthYears: [1998, 2003],
    channel: 'web',
    postcode: '75011',
    income: [20_000, 30_000],
    csp: 'employe',
    signupYear: 2023,
    tx: [2, 3],
    amount: [10, 30],
    days: ['2025-12-01', '2026-01-10'],
  },
  B: {
    birthYears: [1976, 1983],
    channel: 'store',
    postcode: '69003',
    income: [40_000, 60_000],
    csp: 'cadre',
    signupYear: 2018,
    tx: [5, 7],
    amount: [40, 80],
    days: ['2025-08-01', '2025-11-15'],
  },
  C: {
    birthYears: [1950, 1957],
    channel: 'phone',
    postcode: '13008',
    income: [30_000, 40_000],
    csp: 'retraite',
    signupYear: 2012,
    tx: [9, 12],
    amount: [150, 250],
    days: ['2025-01-10', '2025-06-30'],
  },
  D: {
    birthYears: [1988, 1990],
    channel: 'app',
    postcode: '33000',
    income: [90_000, 120_000],
    csp: 'artisan_commercant',
    signupYear: 2020,
    tx: [20, 20],
    amount: [800, 1000],
    days: ['2025-10-01', '2026-01-13'],
    last: '2026-01-14',
  },
  N1: { csp: 'sans_activite', signupYear: 2021, tx: [1, 1], amount: [5, 15], days: ['2024-11-01', '2024-11-30'] },
  N2: { csp: 'sans_activite', signupYear: 2021, tx: [0, 0], amount: [0, 0], days: ['2024-11-01', '2024-11-30'] },
  N3: { csp: 'sans_activite', signupYear: 2021, tx: [3, 3], amount: [20, 40], days: ['2024-10-01', '2024-12-15'] },
};

/** The planted population for `tag` (letters/digits only): 650 subjects, about 4,400 transactions. */
export function synthPopulation(tag: string, seed = 7): Synth[] {
  const rand = prng(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const out: Synth[] = [];
  let i = 0;
  for (const group of Object.keys(GROUP_SIZES) as Group[]) {
    const s = SPECS[group];
    for (let j = 0; j < GROUP_SIZES[group]; j++, i++) {
      const n = String(i).padStart(4, '0');
      const email = `segcanary.${tag}.${n}@example-mail.test`;
      const customerId = `cid-segcanary-${tag}-${n}`;
      const phone = frenchMobile();
      const birthDate = s.birthYears ? `${int(s.birthYears[0], s.birthYears[1])}-06-${String(int(10, 28))}` : null;
      const signupDate = `${s.signupYear}-0${int(1, 9)}-${String(int(10, 28))}`;
      const partnerSharing = group === 'D' || (['A', 'B', 'C'].includes(group) && j % 10 !== 0);
      const csp = group === 'B' && j < 7 ? 'agriculteur' : s.csp;
      const gender = i % 2 === 0 ? 'f' : 'm';
      const income = s.income ? int(s.income[0], s.income[1]) : null;
      const customer: Row = {
        customer_id: customerId,
        email,
        first_name: `Segcanary${tag}${n}`,
        last_name: `Nomsegcanary${tag}${n}`,
        phone,
        street: `${i + 1} rue Segcanary ${tag}`,
        city: `Villesegcanary${tag}${n}`,
        signup_date: signupDate,
        gender,
        csp,
        consent_partner_sharing: partnerSharing,
        ...((group === 'D' || group.startsWith('N')) && { consent_marketing_email: true }),
        ...(birthDate && { birth_date: birthDate }),
        ...(s.postcode && { postcode: s.postcode }),
        ...(s.channel && { channel_preference: s.channel }),
        ...(income !== null && { income }),
      };
      const count = int(s.tx[0], s.tx[1]);
      const transactions: Row[] = [];
      let cents = 0;
      let last: number | null = null;
      const byChannel: Record<string, number> = { web: 0, store: 0, phone: 0, app: 0 };
      for (let t = 0; t < count; t++) {
        const day = s.last && t === count - 1 ? dayOf(s.last) : int(dayOf(s.days[0]), dayOf(s.days[1]));
        const amount = int(s.amount[0] * 100, s.amount[1] * 100);
        const channel = s.channel ?? 'web';
        cents += amount;
        byChannel[channel]!++;
        last = last === null ? day : Math.max(last, day);
        transactions.push({
          customer_id: customerId,
          transaction_id: `tx-${tag}-${n}-${t}`,
          date: isoOf(day),
          amount: amount / 100,
          channel,
          category: 'misc',
        });
      }
      const age = birthDate ? 2025 - Number(birthDate.slice(0, 4)) : null; // born in June, clock in January
      const f: Record<string, FeatureValue> = {
        age,
        age_band: age === null ? null : ageBand(age),
        area: s.postcode ? s.postcode.slice(0, 2) : null,
        gender,
        csp,
        income,
        channel_preference: s.channel ?? null,
        tenure_days: TODAY - dayOf(signupDate),
        recency_days: last === null ? null : TODAY - last,
        frequency: count,
        monetary: cents / 100,
        avg_basket: count ? cents / 100 / count : null,
        share_web: count ? byChannel['web']! / count : null,
        share_store: count ? byChannel['store']! / count : null,
        share_phone: count ? byChannel['phone']! / count : null,
        share_app: count ? byChannel['app']! / count : null,
      };
      out.push({ i, group, email, customerId, phone, birthDate, signupDate, partnerSharing, customer, transactions, f, pseudonym: '' });
    }
  }
  return out;
}

/** Ingests customers then transactions (one batch each, through the API) and sets pseudonyms. */
export async function ingestPopulation(rec: Recorder, pop: Synth[], source = 'crm'): Promise<void> {
  const customers = await rec.ingest(
    source,
    'customers',
    pop.map((s) => s.customer),
  );
  expect(customers.rejected, JSON.stringify(customers.errors.slice(0, 5))).toBe(0);
  expect(customers.accepted).toBe(pop.length);
  const txs = pop.flatMap((s) => s.transactions);
  const tx = await rec.ingest(source, 'transactions', txs);
  expect(tx.rejected, JSON.stringify(tx.errors.slice(0, 5))).toBe(0);
  expect(tx.accepted).toBe(txs.length);
  for (const s of pop) s.pseudonym = pseudonymOfEmail(rec.gw, s.email);
}

// ---- the rule language, evaluated on the planted values ----------------------------------------

export interface Condition {
  eq?: string | number;
  in?: (string | number)[];
  gte?: number;
  lte?: number;
  between?: [number, number];
}
export type Where = Record<string, Condition>;
export interface RuleSpec {
  name: string;
  where?: Where;
  any?: Where[];
}

function holds(c: Condition, v: FeatureValue): boolean {
  if (v === null) return false;
  if (c.eq !== undefined && v !== c.eq) return false;
  if (c.in !== undefined && !c.in.includes(v)) return false;
  const numericTest = c.gte !== undefined || c.lte !== undefined || c.between !== undefined;
  if (numericTest && typeof v !== 'number') return false;
  if (c.gte !== undefined && (v as number) < c.gte) return false;
  if (c.lte !== undefined && (v as number) > c.lte) return false;
  if (c.between !== undefined && ((v as number) < c.between[0] || (v as number) > c.between[1])) return false;
  return true;
}

export const matchesWhere = (s: Synth, w: Where): boolean => Object.entries(w).every(([f, c]) => holds(c, s.f[f] ?? null));
export const matchesRule = (s: Synth, r: RuleSpec): boolean => (!r.where || matchesWhere(s, r.where)) && (!r.any || r.any.some((w) => matchesWhere(s, w)));

/** Subjects per rule index under first-match-wins; index -1 is "no rule matched". */
export function firstMatch(pop: readonly Synth[], rules: readonly RuleSpec[]): Map<number, Synth[]> {
  const out = new Map<number, Synth[]>();
  for (const s of pop) {
    const r = rules.findIndex((rule) => matchesRule(s, rule));
    out.set(r, [...(out.get(r) ?? []), s]);
  }
  return out;
}

// ---- runs and exports ------------------------------------------------------------------------

export interface Segment {
  id: string;
  label: string;
  size: number;
  share: number;
  profile: Record<string, any>;
  top_features: { feature: string; direction: string; effect: number }[];
  rule?: string;
}

export interface SegResult {
  population: number;
  segments: Segment[];
  quality?: { inertia: number; silhouette: number | null; k: number; iterations: number; silhouette_by_k?: Record<string, number> };
  receipt: {
    purpose: string;
    policy_version: string;
    consent_snapshot: Record<string, unknown>;
    min_group_size: number;
    suppressed_segments: number;
    features_used: string[];
  };
}

export interface RunView {
  id: string;
  status: 'queued' | 'running' | 'succeeded' | 'failed';
  progress: number;
  method: string;
  purpose: string;
  created_at: string;
  result?: SegResult;
  error?: { code: string; message: string };
}

export class SegClient {
  constructor(
    readonly gw: TestGateway,
    readonly rec: Recorder,
  ) {}

  marketing(sub = 'analyst'): Promise<string> {
    return this.gw.mint(['marketing'], { sub });
  }

  partner(): Promise<string> {
    return partnerOneToken(this.gw);
  }

  submit(token: string, body: unknown): Promise<Answer> {
    return this.rec.postJson('/v1/segmentations', token, body);
  }

  async get(token: string, id: string): Promise<RunView> {
    const a = await this.rec.get(`/v1/segmentations/${id}`, token);
    expect(a.status, a.text).toBe(200);
    return a.json as RunView;
  }

  /** Submits, waits for the job queue, and returns the finished run (any terminal status). */
  async finish(token: string, body: unknown): Promise<RunView> {
    const a = await this.submit(token, body);
    expect(a.status, a.text).toBe(202);
    expect(a.json.status).toBe('queued');
    expect(a.json.id).toMatch(/^seg_/);
    await this.gw.jobs.idle();
    return this.get(token, a.json.id as string);
  }

  /** A run that must succeed; checks the invariants every result must hold. */
  async run(token: string, body: unknown): Promise<RunView & { result: SegResult }> {
    const v = await this.finish(token, body);
    expect(v.status, JSON.stringify(v.error)).toBe('succeeded');
    expect(v.progress).toBe(1);
    checkResultInvariants(v.result!);
    return v as RunView & { result: SegResult };
  }

  members(token: string, id: string, segment: string, query: { cursor?: string; limit?: number } = {}, csv = false): Promise<Answer> {
    const q = new URLSearchParams();
    if (query.cursor !== undefined) q.set('cursor', query.cursor);
    if (query.limit !== undefined) q.set('limit', String(query.limit));
    const qs = q.size ? `?${q}` : '';
    return this.rec.get(`/v1/segmentations/${id}/segments/${segment}/members${qs}`, token, csv ? { accept: 'text/csv' } : {});
  }

  /** Every member of a segment, following next_cursor pages of `limit`. */
  async allMembers(token: string, id: string, segment: string, limit = 1000): Promise<string[]> {
    const out: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 10_000; page++) {
      const a = await this.members(token, id, segment, { limit, ...(cursor !== undefined && { cursor }) });
      expect(a.status, a.text).toBe(200);
      const body = a.json as { members: string[]; next_cursor: string | null };
      expect(body.members.length).toBeLessThanOrEqual(limit);
      out.push(...body.members);
      if (body.next_cursor === null) return out;
      cursor = body.next_cursor;
    }
    throw new Error('paging did not end');
  }
}

/** What every result must hold, whatever the method. */
export function checkResultInvariants(r: SegResult): void {
  const min = r.receipt.min_group_size;
  const sum = r.segments.reduce((s, g) => s + g.size, 0);
  expect(sum, 'visible sizes add up to the population').toBe(r.population);
  expect(new Set(r.segments.map((s) => s.id)).size).toBe(r.segments.length);
  for (const s of r.segments) {
    expect(s.size, `segment ${s.id} is under the minimum group size`).toBeGreaterThanOrEqual(min);
    expect(typeof s.label).toBe('string');
    expect(s.label.length).toBeGreaterThan(0);
    expect(s.share).toBeCloseTo(s.size / r.population, 3);
  }
  expect(Number.isInteger(r.receipt.suppressed_segments)).toBe(true);
  expect(r.receipt.suppressed_segments).toBeGreaterThanOrEqual(0);
  // No count in the consent snapshot may exceed what is shown by a hidden amount under the minimum.
  for (const [k, v] of Object.entries(r.receipt.consent_snapshot)) {
    if (typeof v !== 'number') continue;
    const hidden = v - r.population;
    expect(hidden === 0 || hidden >= min, `consent_snapshot.${k} = ${v} reveals ${hidden} hidden subjects beside population ${r.population}`).toBe(true);
  }
}

/** The subjects whose pseudonyms are `members` (internal p1_ form), by group. */
export function groupsOf(pop: readonly Synth[], members: readonly string[]): Record<string, number> {
  const byPseudonym = new Map(pop.map((s) => [s.pseudonym, s]));
  const out: Record<string, number> = {};
  for (const m of members) {
    const g = byPseudonym.get(m)?.group ?? 'unknown';
    out[g] = (out[g] ?? 0) + 1;
  }
  return out;
}

export const sorted = (xs: Iterable<string>): string[] => [...xs].sort();

/**
 * Raw identifiers found in `texts`: the canary tag carried by every text identifier, and any
 * phone number (national, E.164 or digits) or birth date of the population.
 */
export function identifierLeaks(texts: readonly string[], pop: readonly Synth[]): string[] {
  const phones = new Set<string>();
  const births = new Set<string>();
  for (const s of pop) {
    const national = s.phone;
    phones
      .add(national)
      .add(national.slice(1))
      .add('+33' + national.slice(1))
      .add('33' + national.slice(1));
    if (s.birthDate) births.add(s.birthDate).add(s.birthDate.replaceAll('-', ''));
  }
  const leaks: string[] = [];
  texts.forEach((t, n) => {
    if (/segcanary/i.test(t)) leaks.push(`answer #${n}: canary text identifier`);
    for (const m of t.matchAll(/\+?\d{8,}/g)) if (phones.has(m[0]) || births.has(m[0])) leaks.push(`answer #${n}: ${m[0].slice(0, 4)}…`);
    for (const m of t.matchAll(/\d{4}-\d{2}-\d{2}/g)) if (births.has(m[0])) leaks.push(`answer #${n}: birth date`);
  });
  return leaks;
}

// ---- expected outcomes -------------------------------------------------------------------------

/**
 * What a rules run must answer for `pop` under first-match-wins with minimum `min`: each rule's
 * exact members (shown when >= min, else merged into the remainder), the remainder (shown when
 * >= min), the suppressed count and the population (sum of what is shown).
 */
export function expectedRules(pop: readonly Synth[], rules: readonly RuleSpec[], min: number) {
  const byRule = firstMatch(pop, rules);
  const visible = new Map<string, Synth[]>();
  let remainder = [...(byRule.get(-1) ?? [])];
  let suppressed = 0;
  // every rule under the minimum counts as suppressed, an empty one too, and so does the remainder
  rules.forEach((_, r) => {
    const members = byRule.get(r) ?? [];
    if (members.length >= min) visible.set(`rule-${r + 1}`, members);
    else {
      suppressed++;
      remainder = remainder.concat(members);
    }
  });
  if (remainder.length >= min) visible.set('remainder', remainder);
  else suppressed++;
  const population = [...visible.values()].reduce((s, m) => s + m.length, 0);
  return { visible, suppressed, population, remainderSize: remainder.length, byRule };
}

/** One step of a tree leaf's readable rule: "age < 35.5", "age >= 58.5 (or age missing)", "channel_preference != app". */
export function treeStepHolds(step: string, s: Synth): boolean {
  const m = /^([a-z_]+) (<|>=|=|!=) (.+?)( \(or ([a-z_]+) missing\))?$/.exec(step);
  if (!m) throw new Error(`unreadable rule step: ${step}`);
  const [, f, op, raw, orMissing, missingFeature] = m;
  if (orMissing) expect(missingFeature).toBe(f);
  const v = s.f[f!] ?? null;
  if (op === '=' || op === '!=') return op === '=' ? v === raw : v !== raw;
  if (v === null) return orMissing !== undefined;
  const split = Number(raw);
  expect(Number.isFinite(split), step).toBe(true);
  return op === '<' ? (v as number) < split : (v as number) >= split;
}

export const treeRuleHolds = (rule: string, s: Synth): boolean => rule === 'everyone' || rule.split(' AND ').every((step) => treeStepHolds(step, s));

/** Linear-interpolation quantile of sorted values (the usual definition). */
export function quantile(sortedValues: readonly number[], q: number): number {
  const pos = (sortedValues.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sortedValues[lo]! + (sortedValues[hi]! - sortedValues[lo]!) * (pos - lo);
}
