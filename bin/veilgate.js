#!/usr/bin/env node
// The `veilgate` command: runs the TypeScript CLI through tsx's loader (no build step).
import { spawnSync } from 'node:child_process';
import { register } from 'tsx/esm/api';

// `ingest` streams files of any size in constant memory: a heap ceiling makes V8 collect
// instead of growing, so peak RSS stays flat (re-exec once, with the flag set).
const HEAP_FLAG = '--max-old-space-size=160';
if (process.argv[2] === 'ingest' && !process.execArgv.some((a) => a.startsWith('--max-old-space-size'))) {
  const r = spawnSync(process.execPath, [HEAP_FLAG, ...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

register();
await import('../src/cli/index.ts');
