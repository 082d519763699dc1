// The covered population on PostgreSQL, streamed in bulk: one COPY (SELECT ...) TO STDOUT in text
// format, parsed chunk by chunk straight into typed columns (no row objects, no per-row
// round trip). One statement is one snapshot. COPY takes no parameters: the few values it needs
// (the purpose's name, instants) are inlined as escaped literals.
import { StringDecoder } from 'node:string_decoder';
import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { DAY_MS } from '../../ingest/field-value.ts';
import type { Purpose } from '../../policy/access-policy.ts';
import type { FeatureName } from '../../policy/features.ts';
import type { CategoricalColumn, FeatureMatrix } from '../../segmentation/feature-matrix.ts';
import type { PopulationQuery, PopulationReader } from '../../segmentation/population-reader.ts';
import { SLOT } from '../consent-state.ts';
import { mapped } from './errors.ts';

/** SQL for each feature as of `today` (epoch day); time-relative ones are derived here. */
const FEATURE_SQL: Record<FeatureName, string> = {
  age: 'f.age',
  age_band: 'f.age_band',
  area: 'f.area',
  gender: 'f.gender',
  csp: 'f.csp',
  income: 'f.income',
  channel_preference: 'f.channel_preference',
  tenure_days: ':today - f.tenure_since',
  recency_days: ':today - f.last_purchase_day',
  frequency: 'f.frequency',
  monetary: 'f.monetary',
  avg_basket: 'f.monetary / nullif(f.frequency, 0)',
  share_web: 'f.n_web::float8 / nullif(f.frequency, 0)',
  share_store: 'f.n_store::float8 / nullif(f.frequency, 0)',
  share_phone: 'f.n_phone::float8 / nullif(f.frequency, 0)',
  share_app: 'f.n_app::float8 / nullif(f.frequency, 0)',
};

const int = (n: number): string => {
  if (!Number.isSafeInteger(n)) throw new Error('not an integer');
  return String(n);
};

/** The coverage rule of coverage.ts over subjects.consent, with its values inlined. */
export function coverageSqlPg(client: Pick<pg.ClientBase, 'escapeLiteral'>, purpose: Purpose, now: number): string {
  const slot = (i: number) => `(f.consent -> ${client.escapeLiteral(purpose.name)} ->> ${i})`;
  switch (purpose.basis) {
    case 'contract':
    case 'legal_obligation':
      return 'true';
    case 'legitimate_interest':
      return `coalesce(${slot(SLOT.status)}, 'granted') = 'granted'`;
    case 'consent':
      return `${slot(SLOT.status)} = 'granted' AND coalesce(${slot(SLOT.expiresAt)}::bigint, ${slot(SLOT.collectedAt)}::bigint + ${int(purpose.consentValidityDays * DAY_MS)}) > ${int(now)}`;
  }
}

/** Text-format COPY field: `\N` is null, backslash escapes as PostgreSQL writes them. */
function unescape(s: string): string {
  if (!s.includes('\\')) return s;
  return s.replace(/\\(?:([0-7]{1,3})|x([0-9a-fA-F]{1,2})|(.))/g, (_, oct?: string, hex?: string, c?: string) => {
    if (oct) return String.fromCharCode(parseInt(oct, 8));
    if (hex) return String.fromCharCode(parseInt(hex, 16));
    return ({ b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' } as Record<string, string>)[c!] ?? c!;
  });
}

/** Grow-by-doubling typed columns: the population size is only known at the end of the stream. */
class Columns {
  n = 0;
  private cap = 1024;
  readonly pseudonyms: string[] = [];
  private readonly nums: (Float64Array | undefined)[];
  private readonly cats: ({ codes: Int32Array; levels: string[]; index: Map<string, number> } | undefined)[];

  constructor(private readonly q: PopulationQuery) {
    this.nums = q.features.map((f) => (f.kind === 'numeric' ? new Float64Array(this.cap) : undefined));
    this.cats = q.features.map((f) => (f.kind === 'categorical' ? { codes: new Int32Array(this.cap), levels: [], index: new Map() } : undefined));
  }

  /** One line of COPY text output. */
  add(line: string): void {
    if (this.n === this.cap) this.grow();
    let start = 0;
    let tab = line.indexOf('\t');
    this.pseudonyms.push(unescape(tab < 0 ? line : line.slice(0, tab)));
    for (let j = 0; j < this.q.features.length; j++) {
      start = tab + 1;
      tab = line.indexOf('\t', start);
      const raw = tab < 0 ? line.slice(start) : line.slice(start, tab);
      const a = this.nums[j];
      if (a) a[this.n] = raw === '\\N' ? NaN : Number(raw);
      else {
        const cc = this.cats[j]!;
        if (raw === '\\N') cc.codes[this.n] = -1;
        else {
          const s = unescape(raw);
          let code = cc.index.get(s);
          if (code === undefined) {
            code = cc.levels.length;
            cc.levels.push(s);
            cc.index.set(s, code);
          }
          cc.codes[this.n] = code;
        }
      }
    }
    this.n++;
  }

  private grow(): void {
    this.cap *= 2;
    for (let j = 0; j < this.nums.length; j++) {
      const a = this.nums[j];
      if (a) {
        const b = new Float64Array(this.cap);
        b.set(a);
        this.nums[j] = b;
      }
      const cc = this.cats[j];
      if (cc) {
        const b = new Int32Array(this.cap);
        b.set(cc.codes);
        cc.codes = b;
      }
    }
  }

  matrix(): FeatureMatrix {
    const numeric = new Map<FeatureName, Float64Array>();
    const categorical = new Map<FeatureName, CategoricalColumn>();
    this.q.features.forEach((f, j) => {
      const a = this.nums[j];
      if (a) numeric.set(f.name, a.subarray(0, this.n));
      else {
        const cc = this.cats[j]!;
        categorical.set(f.name, { codes: cc.codes.subarray(0, this.n), levels: cc.levels });
      }
    });
    return { n: this.n, pseudonyms: this.pseudonyms, numeric, categorical };
  }
}

export function pgPopulationReader(pool: pg.Pool): PopulationReader {
  return {
    count: async (purpose, now) => {
      const client = await pool.connect().catch((e: unknown) => {
        throw mapped(e);
      });
      try {
        const r = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM subjects f WHERE ${coverageSqlPg(client, purpose, now)}`);
        return r.rows[0]!.n;
      } catch (e) {
        throw mapped(e);
      } finally {
        client.release();
      }
    },
    read: async (q) => {
      const client = await pool.connect().catch((e: unknown) => {
        throw mapped(e);
      });
      try {
        // the read of a large population may outlast the per-statement timeout of the API's queries
        await client.query('SET statement_timeout = 0');
        const today = int(Math.floor(q.now / DAY_MS));
        const cols = q.features.map((f) => FEATURE_SQL[f.name].replaceAll(':today', today));
        const sql = `COPY (SELECT f.pseudonym${cols.map((x) => ', ' + x).join('')} FROM subjects f WHERE ${coverageSqlPg(client, q.purpose, q.now)} ORDER BY f.id) TO STDOUT`;
        const out = new Columns(q);
        const stream = client.query(copyTo(sql));
        // a chunk may end inside a character: the decoder keeps its first bytes for the next one
        const decoder = new StringDecoder('utf8');
        let carry = '';
        for await (const chunk of stream as AsyncIterable<Buffer>) {
          const text = carry + decoder.write(chunk);
          let from = 0;
          for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', from)) {
            out.add(text.slice(from, nl));
            from = nl + 1;
          }
          carry = text.slice(from);
        }
        if (carry) out.add(carry);
        return { matrix: out.matrix(), threads: 1 };
      } catch (e) {
        throw mapped(e);
      } finally {
        await client.query('RESET statement_timeout').catch(() => {});
        client.release();
      }
    },
  };
}
