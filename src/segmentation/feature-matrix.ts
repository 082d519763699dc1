// The population of a run as columns: numeric features as Float64Array (NaN = missing),
// categorical features as level codes (-1 = missing). No identifiers, pseudonyms only.
import type { FeatureName } from '../policy/features.ts';

export interface CategoricalColumn {
  codes: Int32Array;
  levels: string[];
}

export interface FeatureMatrix {
  n: number;
  pseudonyms: string[];
  numeric: Map<FeatureName, Float64Array>;
  categorical: Map<FeatureName, CategoricalColumn>;
}

/** Keeps rows whose index passes `keep`; columns are copied, not views. */
export function selectRows(m: FeatureMatrix, keep: (i: number) => boolean): FeatureMatrix {
  const idx: number[] = [];
  for (let i = 0; i < m.n; i++) if (keep(i)) idx.push(i);
  if (idx.length === m.n) return m;
  const numeric = new Map<FeatureName, Float64Array>();
  for (const [f, col] of m.numeric)
    numeric.set(
      f,
      Float64Array.from(idx, (i) => col[i]!),
    );
  const categorical = new Map<FeatureName, CategoricalColumn>();
  for (const [f, col] of m.categorical) categorical.set(f, { levels: col.levels, codes: Int32Array.from(idx, (i) => col.codes[i]!) });
  return { n: idx.length, pseudonyms: idx.map((i) => m.pseudonyms[i]!), numeric, categorical };
}

/** Value of a feature for row i as the rule language sees it (null when missing). */
export function valueAt(m: FeatureMatrix, f: FeatureName, i: number): number | string | null {
  const num = m.numeric.get(f);
  if (num) {
    const v = num[i]!;
    return Number.isNaN(v) ? null : v;
  }
  const cat = m.categorical.get(f);
  if (cat) {
    const c = cat.codes[i]!;
    return c < 0 ? null : cat.levels[c]!;
  }
  return null;
}

/** Rows of `a` then rows of `b` (same features); b's categorical codes are mapped onto a's levels. */
export function concatRows(a: FeatureMatrix, b: FeatureMatrix): FeatureMatrix {
  const n = a.n + b.n;
  const numeric = new Map<FeatureName, Float64Array>();
  for (const [f, col] of a.numeric) {
    const out = new Float64Array(n);
    out.set(col.subarray(0, a.n));
    out.set(b.numeric.get(f)!.subarray(0, b.n), a.n);
    numeric.set(f, out);
  }
  const categorical = new Map<FeatureName, CategoricalColumn>();
  for (const [f, col] of a.categorical) {
    const other = b.categorical.get(f)!;
    const levels = [...col.levels];
    const index = new Map(levels.map((l, i) => [l, i]));
    const remap = other.levels.map((l) => {
      let code = index.get(l);
      if (code === undefined) {
        code = levels.length;
        levels.push(l);
        index.set(l, code);
      }
      return code;
    });
    const codes = new Int32Array(n);
    codes.set(col.codes.subarray(0, a.n));
    for (let i = 0; i < b.n; i++) {
      const c = other.codes[i]!;
      codes[a.n + i] = c < 0 ? -1 : remap[c]!;
    }
    categorical.set(f, { codes, levels });
  }
  const pseudonyms = a.pseudonyms.concat(b.pseudonyms);
  return { n, pseudonyms, numeric, categorical };
}
