// Feature values as of today from the stored row: time-relative features are derived on read.
import type { FeatureName } from '../policy/features.ts';

export interface FeatureRow {
  pseudonym: string;
  age: number | null;
  age_band: string | null;
  area: string | null;
  gender: string | null;
  csp: string | null;
  income: number | null;
  channel_preference: string | null;
  /** Epoch day of the start of the signup period (see the feature store's schema). */
  tenure_since: number | null;
  last_purchase_day: number | null;
  frequency: number;
  monetary: number;
  n_web: number;
  n_store: number;
  n_phone: number;
  n_app: number;
}

export type FeatureValues = Partial<Record<FeatureName, string | number | null>>;

const share = (n: number, total: number) => (total > 0 ? Math.round((n / total) * 10_000) / 10_000 : null);

export function deriveFeatures(r: FeatureRow, todayDay: number): Record<FeatureName, string | number | null> {
  return {
    age: r.age,
    age_band: r.age_band,
    area: r.area,
    gender: r.gender,
    csp: r.csp,
    income: r.income,
    channel_preference: r.channel_preference,
    tenure_days: r.tenure_since === null ? null : todayDay - r.tenure_since,
    recency_days: r.last_purchase_day === null ? null : todayDay - r.last_purchase_day,
    frequency: r.frequency,
    monetary: Math.round(r.monetary * 100) / 100,
    avg_basket: r.frequency > 0 ? Math.round((r.monetary / r.frequency) * 100) / 100 : null,
    share_web: share(r.n_web, r.frequency),
    share_store: share(r.n_store, r.frequency),
    share_phone: share(r.n_phone, r.frequency),
    share_app: share(r.n_app, r.frequency),
  };
}

/** Keeps only `allowed` features: the serializer never trusts what was asked for. */
export function pickFeatures(all: Record<FeatureName, string | number | null>, allowed: readonly FeatureName[]): FeatureValues {
  const out: FeatureValues = {};
  for (const f of allowed) out[f] = all[f];
  return out;
}
