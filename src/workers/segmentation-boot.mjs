// Worker-thread entry of a segmentation job: the compiled worker in a build, else its TypeScript source.
import { loadSibling } from './load-sibling.mjs';

await loadSibling(import.meta.url, 'segmentation-worker');
