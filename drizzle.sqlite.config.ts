import { defineConfig } from 'drizzle-kit';

// The embedded default: `npm run db:generate:sqlite` writes migrations/sqlite from src/db/sqlite/schema.
export default defineConfig({
  dialect: 'sqlite',
  schema: './src/db/sqlite/schema/index.ts',
  out: './migrations/sqlite',
});
