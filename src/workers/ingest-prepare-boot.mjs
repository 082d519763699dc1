// Worker-thread entry of the ingest preparation pool: the compiled worker in a build, else its TypeScript source.
import { loadSibling } from './load-sibling.mjs';

const worker = await loadSibling(import.meta.url, 'ingest-prepare-worker');
export default worker.default;
