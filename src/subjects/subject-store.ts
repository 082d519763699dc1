// What subject reads need from storage.
import type { FeatureRow } from './derive-features.ts';

export interface SubjectStore {
  features(pseudonym: string): Promise<FeatureRow | undefined>;
}
