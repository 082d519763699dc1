// Reads the covered population's features straight into typed arrays (raw().iterate(): no row
// objects), in subject id order: a scan of the table as it is stored.
import type Database from 'better-sqlite3';
import type { Purpose } from '../../policy/access-policy.ts';
import type { FeatureName } from '../../policy/features.ts';
import type { CategoricalColumn, FeatureMatrix } from '../../segmentation/feature-matrix.ts';
import type { PopulationQuery } from '../../segmentation/population-reader.ts';
import { DAY_MS } from '../../ingest/field-value.ts';
import { SLOT } from '../consent-state.ts';

/** A subject id range: from (inclusive) and below (exclusive), either side open. */
export interface KeyRange {
  from?: number;
  below?: number;
}

/** The synchronous scans the population port is made of (one thread, or two halves). */
export interface SqlitePopulationScan {
  count(purpose: Purpose, now: number): number;
  read(q: PopulationQuery, range?: KeyRange): FeatureMatrix;
  /** The median subject id (splits a scan in two halves), if there are two subjects. */
  splitKey(): { key: number; subjects: number } | undefined;
}

/** SQL for each feature as of :today (epoch day); time-relative ones are derived here. */
export const FEATURE_SQL: Record<FeatureName, string> = {
  age: 'f.age',
  age_band: 'f.age_band',
  area: 'f.area',
  gender: 'f.gender',
  csp: 'f.csp',
  income: 'f.income',
  channel_preference: 'f.channel_preference',
  tenure_days: '@today - f.tenure_since',
  recency_days: '@today - f.last_purchase_day',
  frequency: 'f.frequency',
  monetary: 'f.monetary',
  avg_basket: 'f.monetary / nullif(f.frequency, 0)',
  share_web: 'f.n_web * 1.0 / nullif(f.frequency, 0)',
  share_store: 'f.n_store * 1.0 / nullif(f.frequency, 0)',
  share_phone: 'f.n_phone * 1.0 / nullif(f.frequency, 0)',
  share_app: 'f.n_app * 1.0 / nullif(f.frequency, 0)',
};

/** JSON paths of a purpose's slots in subjects.consent (purpose names come from the policy files). */
const slotPath = (purpose: string, slot: number) => `$."${purpose.replaceAll('"', '')}"[${slot}]`;

/** The coverage rule of coverage.ts, as SQL over the subject's consent state, and its parameters. */
export function coverageSql(purpose: Purpose, now: number): { where: string; params: Record<string, unknown> } {
  const status = 'json_extract(f.consent, @statusPath)';
  switch (purpose.basis) {
    case 'contract':
    case 'legal_obligation':
      return { where: '1 = 1', params: {} };
    case 'legitimate_interest':
      return { where: `(${status} IS NULL OR ${status} = 'granted')`, params: { statusPath: slotPath(purpose.name, SLOT.status) } };
    case 'consent':
      return {
        where: `${status} = 'granted' AND coalesce(json_extract(f.consent, @expiresPath), json_extract(f.consent, @collectedPath) + @validity) > @now`,
        params: {
          statusPath: slotPath(purpose.name, SLOT.status),
          expiresPath: slotPath(purpose.name, SLOT.expiresAt),
          collectedPath: slotPath(purpose.name, SLOT.collectedAt),
          validity: purpose.consentValidityDays * DAY_MS,
          now,
        },
      };
  }
}

export function sqlitePopulationReader(sqlite: Database.Database): SqlitePopulationScan {
  return {
    count(purpose, now) {
      const c = coverageSql(purpose, now);
      return (sqlite.prepare(`SELECT count(*) AS n FROM subjects f WHERE ${c.where}`).get(c.params) as { n: number }).n;
    },
    splitKey() {
      const n = (sqlite.prepare('SELECT count(*) AS n FROM subjects').get() as { n: number }).n;
      if (n < 2) return undefined;
      const mid = sqlite
        .prepare('SELECT id FROM subjects ORDER BY id LIMIT 1 OFFSET ?')
        .pluck()
        .get(Math.floor(n / 2)) as number;
      return { key: mid, subjects: n };
    },
    read(q: PopulationQuery, range: KeyRange = {}): FeatureMatrix {
      const c = coverageSql(q.purpose, q.now);
      const cols = q.features.map((f) => FEATURE_SQL[f.name]);
      const within = [range.from !== undefined && 'f.id >= @from', range.below !== undefined && 'f.id < @below']
        .filter(Boolean)
        .map((x) => ` AND ${x}`)
        .join('');
      const sql = `SELECT f.pseudonym${cols.map((x) => ', ' + x).join('')} FROM subjects f WHERE ${c.where}${within} ORDER BY f.id`;
      const usesToday = cols.some((x) => x.includes('@today'));
      const bound: Record<string, unknown> = { ...c.params };
      if (usesToday) bound['today'] = Math.floor(q.now / DAY_MS);
      if (range.from !== undefined) bound['from'] = range.from;
      if (range.below !== undefined) bound['below'] = range.below;
      const stmt = sqlite.prepare(sql).raw(true);
      // Grow-by-doubling typed arrays: the population size is only known after the scan.
      let cap = 1024;
      let n = 0;
      const pseudonyms: string[] = [];
      const nums = q.features.map((f) => (f.kind === 'numeric' ? new Float64Array(cap) : undefined));
      const cats = q.features.map((f) =>
        f.kind === 'categorical' ? { codes: new Int32Array(cap), levels: [] as string[], index: new Map<string, number>() } : undefined,
      );
      for (const row of stmt.iterate(bound) as IterableIterator<unknown[]>) {
        if (n === cap) {
          cap *= 2;
          for (let j = 0; j < nums.length; j++) {
            const a = nums[j];
            if (a) {
              const b = new Float64Array(cap);
              b.set(a);
              nums[j] = b;
            }
            const cc = cats[j];
            if (cc) {
              const b = new Int32Array(cap);
              b.set(cc.codes);
              cc.codes = b;
            }
          }
        }
        pseudonyms.push(row[0] as string);
        for (let j = 0; j < q.features.length; j++) {
          const v = row[j + 1];
          const a = nums[j];
          if (a) a[n] = v === null || v === undefined ? NaN : Number(v);
          else {
            const cc = cats[j]!;
            if (v === null || v === undefined) cc.codes[n] = -1;
            else {
              const s = String(v);
              let code = cc.index.get(s);
              if (code === undefined) {
                code = cc.levels.length;
                cc.levels.push(s);
                cc.index.set(s, code);
              }
              cc.codes[n] = code;
            }
          }
        }
        n++;
      }
      const numeric = new Map<FeatureName, Float64Array>();
      const categorical = new Map<FeatureName, CategoricalColumn>();
      q.features.forEach((f, j) => {
        const a = nums[j];
        if (a) numeric.set(f.name, a.subarray(0, n));
        else {
          const cc = cats[j]!;
          categorical.set(f.name, { codes: cc.codes.subarray(0, n), levels: cc.levels });
        }
      });
      return { n, pseudonyms, numeric, categorical };
    },
  };
}
