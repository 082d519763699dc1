// Times one ingest preparation thread from creation to its first answer, in a process of its own:
// `node bench/lib/pool-boot.mjs dist` (plain node, the build) or
// `node --import tsx bench/lib/pool-boot.mjs src` (the TypeScript source). Prints the ms.
import crypto from 'node:crypto';
import path from 'node:path';

const tree = process.argv[2];
const root = path.resolve(import.meta.dirname, '../..');
const ext = tree === 'dist' ? '.js' : '.ts';
const { PreparePool } = await import(path.join(root, tree, `ingest/prepare-pool${ext}`));
const { loadPolicies } = await import(path.join(root, tree, `policy/load-policies${ext}`));
const policies = loadPolicies(path.join(root, 'policies'));
const pool = new PreparePool(
  {
    dictionary: policies.dictionary,
    purposes: [...policies.purposes.keys()],
    pseudonymKey: crypto.randomBytes(32),
    pseudonymVersion: 1,
    masterKey: crypto.randomBytes(32),
  },
  () => {
    throw new Error('not used');
  },
  { threads: 1, minBytes: 0 },
);
const t = performance.now();
const ok = await pool.whenReady();
const ms = performance.now() - t;
await pool.close();
if (!ok) throw new Error(`the ${tree} preparation thread did not start`);
console.log(ms.toFixed(1));
