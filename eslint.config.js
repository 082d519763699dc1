// Lint: the module boundaries (a domain knows neither HTTP nor a database driver; the HTTP edge
// knows no driver; storage adapters know no HTTP) and promises nobody awaits, now that storage
// is asynchronous. Style is left to the compiler and review.
import tseslint from 'typescript-eslint';

const DRIVERS = ['better-sqlite3', 'pg', 'pg-*', 'drizzle-orm', 'drizzle-orm/*', 'drizzle-kit'];
const WEB = ['hono', 'hono/*', '@hono/*'];
const rel = (dir) => [`**/${dir}/*`, `**/${dir}`];

/** Domain modules: they talk to ports they own; adapters and the edge depend on them, never the reverse. */
const DOMAINS = [
  'audit',
  'auth',
  'config',
  'consent',
  'dsr',
  'errors',
  'ingest',
  'logging',
  'policy',
  'pseudonymization',
  'quality',
  'reidentification',
  'segmentation',
  'storage',
  'subjects',
  'types',
  'vault',
  'demo-data',
  'metrics',
];

const restrict = (names, patterns, why) => ({
  'no-restricted-imports': [
    'error',
    {
      paths: names.filter((n) => !n.includes('*')).map((name) => ({ name, message: why })),
      patterns: [{ group: [...names.filter((n) => n.includes('*')), ...patterns], message: why }],
    },
  ],
});

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'migrations/**', 'console/dist/**', '**/*.mjs', '**/*.js'] },
  {
    files: ['src/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts', 'console/src/**/*.{ts,tsx}'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false, attributes: false } }],
      '@typescript-eslint/await-thenable': 'error',
    },
  },
  {
    files: DOMAINS.map((d) => `src/${d}/**/*.ts`),
    rules: restrict(
      [...DRIVERS, ...WEB],
      [...rel('db'), ...rel('http'), ...rel('cli'), ...rel('workers')],
      'A domain module knows neither HTTP nor a database driver: it talks to ports it owns (src/storage), implemented in src/db.',
    ),
  },
  {
    files: ['src/http/**/*.ts'],
    rules: restrict(DRIVERS, [...rel('db')], 'The HTTP edge maps domain outcomes to statuses; storage is reached through the domains.'),
  },
  {
    files: ['bench/**/*.ts'],
    rules: restrict(DRIVERS, [], 'A benchmark drives the gateway through its ports, its CLI or HTTP; SQL and drivers stay in src/db.'),
  },
  {
    files: ['src/db/**/*.ts'],
    rules: restrict(WEB, [...rel('http')], 'Storage adapters know nothing of HTTP.'),
  },
);
