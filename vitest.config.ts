import { defineConfig } from 'vitest/config';

// `npm test`: every suite on the embedded SQLite default. `npm run test:postgres`
// (VEILGATE_TEST_BACKEND=postgres): the HTTP suites again with each gateway on a database of its
// own on the local PostgreSQL server, and the suites about PostgreSQL itself (test/postgres).
// Suites about SQLite itself (its file, WAL, CLI, migrations) run on SQLite only.
const SQLITE_ONLY = [
  'test/db-checkpointer.test.ts',
  'test/dsr-erasure-checkpointer.test.ts',
  'test/derived-features-agree.test.ts',
  'test/segmentation-read-profile.test.ts',
  'test/cli.test.ts',
  'test/cli-ingest.test.ts',
  'test/operations.test.ts',
  'test/kmeans.test.ts',
  'test/pseudonym-order.test.ts',
  'test/config.test.ts',
  'test/policies.test.ts',
  'test/demo-data.test.ts',
  'test/reid-store-race.test.ts',
  'test/segment-member-chunks.test.ts',
  'test/adversarial/tenure-generalized.test.ts',
  'test/database-config.test.ts',
  // the console talks to the gateway only through its HTTP API, which the PostgreSQL run covers
  'test/console/**',
];
const postgres = process.env['VEILGATE_TEST_BACKEND'] === 'postgres';

export default defineConfig({
  test: {
    include: postgres ? ['test/**/*.test.ts'] : ['src/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: postgres ? ['**/node_modules/**', ...SQLITE_ONLY] : ['**/node_modules/**', 'test/postgres/**'],
    // every answer a test gateway gives is checked against /openapi.json after each file
    setupFiles: ['test/setup/contract-check.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
