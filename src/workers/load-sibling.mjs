// Loads the module a worker entry stands for, next to the entry: the compiled JavaScript in a
// build (dist/, run by plain node), else the TypeScript source through tsx's loader (a development
// checkout, where tsx is installed as a development dependency). Worker threads do not inherit
// the main thread's loader, so each entry decides for itself.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export async function loadSibling(entryUrl, name) {
  const compiled = new URL(`./${name}.js`, entryUrl);
  if (existsSync(fileURLToPath(compiled))) return import(compiled.href);
  const { register } = await import('tsx/esm/api');
  register();
  return import(new URL(`./${name}.ts`, entryUrl).href);
}
