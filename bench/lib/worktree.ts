// An earlier commit checked out beside this one (a detached git worktree), to run its code in
// the same benchmark run as ours. It shares this checkout's node_modules (the earlier commit's
// dependencies must be a subset: checked against its package.json) and is removed afterwards.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export interface Worktree {
  root: string;
  commit: string;
  remove(): void;
}

export function addWorktree(repo: string, rev: string, under: string): Worktree {
  const git = (...args: string[]) => execFileSync('git', ['-C', repo, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  const commit = git('rev-parse', '--verify', `${rev}^{commit}`);
  const root = path.join(under, `worktree-${commit.slice(0, 10)}`);
  git('worktree', 'add', '--detach', root, commit);
  const remove = () => {
    try {
      git('worktree', 'remove', '--force', root);
    } catch {
      fs.rmSync(root, { recursive: true, force: true });
      git('worktree', 'prune');
    }
  };
  try {
    const ours = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8')) as Record<string, Record<string, string> | undefined>;
    const theirs = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as Record<string, Record<string, string> | undefined>;
    for (const kind of ['dependencies', 'devDependencies'] as const) {
      for (const [name, range] of Object.entries(theirs[kind] ?? {})) {
        const mine = ours['dependencies']?.[name] ?? ours['devDependencies']?.[name];
        if (mine !== range) throw new Error(`${commit.slice(0, 10)} needs ${name}@${range}, this checkout has ${mine ?? 'none'}: run it from its own clone`);
      }
    }
    fs.symlinkSync(path.join(repo, 'node_modules'), path.join(root, 'node_modules'), 'dir');
  } catch (e) {
    remove();
    throw e;
  }
  return { root, commit, remove };
}
