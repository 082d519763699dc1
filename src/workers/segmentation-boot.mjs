// Worker-thread entry: workers do not inherit tsx's loader, so register it before the TS job.
import { register } from 'tsx/esm/api';

register();
await import('./segmentation-worker.ts');
