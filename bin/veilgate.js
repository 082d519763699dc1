#!/usr/bin/env node
// The `veilgate` command: the compiled CLI (dist/, built by `npm run build`, which `npm install`
// runs), or in a checkout without a build the TypeScript source through tsx's loader.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// `ingest` streams files of any size in constant memory: a heap ceiling makes V8 collect
// instead of growing, so peak RSS stays flat (re-exec once, with the flag set).
const HEAP_FLAG = '--max-old-space-size=160';
if (process.argv[2] === 'ingest' && !process.execArgv.some((a) => a.startsWith('--max-old-space-size'))) {
  const r = spawnSync(process.execPath, [HEAP_FLAG, ...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

const compiled = new URL('../dist/cli/index.js', import.meta.url);
if (existsSync(fileURLToPath(compiled))) {
  await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/index.ts');
}
