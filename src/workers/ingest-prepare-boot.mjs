// Worker-thread entry of the ingest preparation pool: workers do not inherit tsx's loader, so
// register it before the TypeScript worker.
import { register } from 'tsx/esm/api';

register();
const worker = await import('./ingest-prepare-worker.ts');
export default worker.default;
