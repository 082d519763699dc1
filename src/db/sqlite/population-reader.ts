// Reads the covered population's features straight into typed arrays (raw().iterate(): no row objects).
import type Database from 'better-sqlite3';
import type { Purpose } from '../../policy/access-policy.ts';
import type { FeatureName } from '../../policy/features.ts';
import type { CategoricalColumn, FeatureMatrix } from '../../segmentation/feature-matrix.ts';
import type { PopulationQuery } from '../../segmentation/population-reader.ts';
import { DAY_MS } from '../../ingest/field-value.ts';

/** A pseudonym range: from (inclusive) and below (exclusive), either side open. */
export interface KeyRange { from?: string; below?: string }

/** The synchronous scans the population port is made of (one thread, or two halves). */
export interface SqlitePopulationScan {
  count(purpose: Purpose, now: number): number;
  read(q: PopulationQuery, range?: KeyRange): FeatureMatrix;
  /** The median pseudonym of the feature store (splits a scan in two halves), if it has two subjects. */
  splitKey(): { key: string; subjects: number } | undefined;
}


/** SQL for each feature as of :today (epoch day); time-relative ones are derived here. */
export const FEATURE_SQL: Record<FeatureName, string> = {
  age: 'f.age', age_band: 'f.age_band', area: 'f.area', gender: 'f.gender', csp: 'f.csp', income: 'f.income',
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

/** The coverage rule of coverage.ts, as SQL over consent_state. */
export function coverageSql(purpose: Purpose): { join: string; where: string } {
  const on = 'LEFT JOIN consent_state cs ON cs.pseudonym = f.pseudonym AND cs.purpose = @purpose';
  switch (purpose.basis) {
    case 'contract':
    case 'legal_obligation':
      return { join: '', where: '1 = 1' };
    case 'legitimate_interest':
      return { join: on, where: "(cs.status IS NULL OR cs.status = 'granted')" };
    case 'consent':
      return { join: on, where: "cs.status = 'granted' AND coalesce(cs.expires_at, cs.collected_at + @validity) > @now" };
  }
}

export function sqlitePopulationReader(sqlite: Database.Database): SqlitePopulationScan {
  const params = (purpose: Purpose, now: number) => ({
    purpose: purpose.name, now, validity: purpose.consentValidityDays * DAY_MS, today: Math.floor(now / DAY_MS),
  });
  return {
    count(purpose, now) {
      const c = coverageSql(purpose);
      const p = params(purpose, now);
      const bound = c.join ? p : {};
      return (sqlite.prepare(`SELECT count(*) AS n FROM subject_features f ${c.join} WHERE ${c.where}`).get(bound) as { n: number }).n;
    },
    splitKey() {
      const n = (sqlite.prepare('SELECT count(*) AS n FROM subject_features').get() as { n: number }).n;
      if (n < 2) return undefined;
      const mid = sqlite.prepare('SELECT pseudonym FROM subject_features ORDER BY pseudonym LIMIT 1 OFFSET ?').pluck().get(Math.floor(n / 2)) as string;
      return { key: mid, subjects: n };
    },
    read(q: PopulationQuery, range: KeyRange = {}): FeatureMatrix {
      const c = coverageSql(q.purpose);
      const cols = q.features.map((f) => FEATURE_SQL[f.name]);
      const within = [range.from !== undefined && 'f.pseudonym >= @from', range.below !== undefined && 'f.pseudonym < @below'].filter(Boolean).map((x) => ` AND ${x}`).join('');
      const sql = `SELECT f.pseudonym${cols.map((x) => ', ' + x).join('')} FROM subject_features f ${c.join} WHERE ${c.where}${within} ORDER BY f.pseudonym`;
      const p = params(q.purpose, q.now);
      const usesToday = cols.some((x) => x.includes('@today'));
      const bound: Record<string, unknown> = {};
      if (c.join) Object.assign(bound, { purpose: p.purpose, now: p.now, validity: p.validity });
      if (c.join && q.purpose.basis !== 'consent') { delete bound['now']; delete bound['validity']; }
      if (usesToday) bound['today'] = p.today;
      if (range.from !== undefined) bound['from'] = range.from;
      if (range.below !== undefined) bound['below'] = range.below;
      const stmt = sqlite.prepare(sql).raw(true);
      // Grow-by-doubling typed arrays: the population size is only known after the scan.
      let cap = 1024;
      let n = 0;
      const pseudonyms: string[] = [];
      const nums = q.features.map((f) => (f.kind === 'numeric' ? new Float64Array(cap) : undefined));
      const cats = q.features.map((f) => (f.kind === 'categorical' ? { codes: new Int32Array(cap), levels: [] as string[], index: new Map<string, number>() } : undefined));
      for (const row of stmt.iterate(bound) as IterableIterator<unknown[]>) {
        if (n === cap) {
          cap *= 2;
          for (let j = 0; j < nums.length; j++) {
            const a = nums[j];
            if (a) { const b = new Float64Array(cap); b.set(a); nums[j] = b; }
            const cc = cats[j];
            if (cc) { const b = new Int32Array(cap); b.set(cc.codes); cc.codes = b; }
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
              if (code === undefined) { code = cc.levels.length; cc.levels.push(s); cc.index.set(s, code); }
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
        else { const cc = cats[j]!; categorical.set(f.name, { codes: cc.codes.subarray(0, n), levels: cc.levels }); }
      });
      return { n, pseudonyms, numeric, categorical };
    },
  };
}
