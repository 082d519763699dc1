// What reading the vault needs from storage.
import type { VaultRow } from '../ingest/ingest-store.ts';

export interface VaultStore {
  get(pseudonym: string): Promise<VaultRow | undefined>;
}
