// Reads one subject's feature row.
import type Database from 'better-sqlite3';
import type { FeatureRow } from '../subjects/derive-features.ts';
import type { SubjectStore } from '../subjects/subject-store.ts';

export function sqliteSubjectStore(sqlite: Database.Database): SubjectStore {
  const one = sqlite.prepare<[string], FeatureRow>(
    `SELECT pseudonym, age, age_band, area, gender, csp, income, channel_preference, tenure_since,
            last_purchase_day, frequency, monetary, n_web, n_store, n_phone, n_app
     FROM subject_features WHERE pseudonym = ?`);
  return { features: (p) => one.get(p) };
}
