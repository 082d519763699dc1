import { defineConfig } from 'drizzle-kit';

// PostgreSQL: `npm run db:generate:postgres` writes migrations/postgres from src/db/postgres/schema.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/postgres/schema/index.ts',
  out: './migrations/postgres',
});
