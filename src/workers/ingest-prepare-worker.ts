// One thread of the ingest preparation pool (src/ingest/prepare-pool.ts): prepares batches as the
// gateway's own thread would, with the same dictionary and keys.
import { workerData } from 'piscina';
import { isAppError } from '../errors/app-error.ts';
import { prepareBatch, type PrepareInput } from '../ingest/prepare-batch.ts';
import type { PrepareAnswer, PrepareWorkerData } from '../ingest/prepare-pool.ts';
import { Pseudonymizer } from '../pseudonymization/pseudonymizer.ts';
import { VaultCipher } from '../vault/vault-cipher.ts';

const data = workerData as PrepareWorkerData;
const deps = {
  dictionary: data.dictionary,
  purposes: new Set(data.purposes),
  pseudonymizer: new Pseudonymizer(Buffer.from(data.pseudonymKey), data.pseudonymVersion),
  cipher: new VaultCipher(Buffer.from(data.masterKey)),
};

/** null: the pool's boot probe. */
export default function prepare(input: PrepareInput | null): PrepareAnswer | null {
  if (input === null) return null;
  try {
    return { batch: prepareBatch(deps, input) };
  } catch (e) {
    if (isAppError(e)) return { refused: { code: e.code, detail: e.detail, ...(e.errors && { errors: e.errors }) } };
    throw e;
  }
}
