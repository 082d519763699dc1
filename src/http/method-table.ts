// Knows which methods each registered path accepts, so a wrong method is 405, not 404.
import type { Hono } from 'hono';

interface PathMethods {
  pattern: RegExp;
  methods: Set<string>;
}

export function methodTable(app: Hono<any>): (path: string) => string[] {
  let table: PathMethods[] | undefined;
  const build = (): PathMethods[] => {
    const byPath = new Map<string, Set<string>>();
    for (const r of app.routes) {
      if (r.method === 'ALL') continue;
      const set = byPath.get(r.path) ?? new Set<string>();
      set.add(r.method);
      if (r.method === 'GET') set.add('HEAD');
      byPath.set(r.path, set);
    }
    return [...byPath].map(([p, methods]) => ({
      pattern: new RegExp(
        '^' +
          p
            .replace(/[.+?^${}()|[\]\\]/g, '\\$&')
            .replace(/\/:[^/]+/g, '/[^/]+')
            .replace(/\*/g, '.*') +
          '/?$',
      ),
      methods,
    }));
  };
  return (path) => {
    table ??= build();
    const allowed = new Set<string>();
    for (const t of table) if (t.pattern.test(path)) for (const m of t.methods) allowed.add(m);
    return [...allowed].sort();
  };
}
