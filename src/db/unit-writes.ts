// Which port methods write, for both adapters.
import type { Ports } from '../storage/storage.ts';

/** Port methods that write: outside a unit of work, each is a unit of its own. */
export const WRITES: { readonly [K in keyof Ports]: readonly (keyof Ports[K])[] } = {
  ingest: ['writeCustomers', 'insertTransactions', 'addBehaviour', 'insertBatch', 'addQuality'],
  consents: ['append', 'reserveIds'],
  vault: [],
  subjects: [],
  runs: ['insert', 'claim', 'markRunning', 'renew', 'release', 'requeueRunning', 'progress', 'succeed', 'fail'],
  audit: ['insert', 'lockChain'],
  reid: ['insert', 'setStatus'],
  dsr: ['erase', 'insertRequest', 'moveRequest', 'setMaintenance', 'rekeySuppressions'],
  quality: [],
};
