// `veilgate migrate`: apply pending migrations to the data directory's database and exit.
import type { Command } from 'commander';
import { loadConfig } from '../../config/load-config.ts';
import { openStorage } from '../../db/open-storage.ts';
import { storageConfigOf } from '../../services.ts';

export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description('Apply pending database migrations (the SQLite file in VEILGATE_DATA_DIR, or VEILGATE_DATABASE_URL)')
    .action(async () => {
      const config = loadConfig(process.env);
      const storage = await openStorage(storageConfigOf(config));
      try {
        const s = await storage.readiness.migrations();
        process.stdout.write(`${storage.dialect} database ${storage.location}: ${s.applied}/${s.shipped} migrations applied\n`);
      } finally {
        await storage.close();
      }
    });
}
