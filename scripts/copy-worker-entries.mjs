// After tsc: the worker entry points are plain JavaScript (.mjs) that tsc does not emit; copy them
// into dist/ beside the modules they load.
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
let copied = 0;
for (const rel of fs.readdirSync(path.join(root, 'src'), { recursive: true, encoding: 'utf8' })) {
  if (!rel.endsWith('.mjs')) continue;
  const to = path.join(root, 'dist', rel);
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.copyFileSync(path.join(root, 'src', rel), to);
  copied++;
}
console.log(`copied ${copied} worker entry points into dist/`);
