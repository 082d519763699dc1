// `npm install` builds dist/ (the `prepare` lifecycle). A production install (--omit=dev) has no
// TypeScript to build with: it must bring a dist/ built elsewhere (the Dockerfile's build stage),
// so it skips the build instead of failing.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

if (!existsSync(new URL('../node_modules/typescript/package.json', import.meta.url))) {
  console.log('prepare: TypeScript is not installed (a production install): dist/ is left as it is');
  process.exit(0);
}
const r = spawnSync('npm', ['run', 'build'], { stdio: 'inherit' });
process.exit(r.status ?? 1);
