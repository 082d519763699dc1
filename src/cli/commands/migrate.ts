// `veilgate migrate`: apply pending migrations to the data directory's database and exit.
import type { Command } from 'commander';
import { loadConfig } from '../../config/load-config.ts';
import { migrationStatus, openStore } from '../../db/open-database.ts';

export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description('Apply pending database migrations in VEILGATE_DATA_DIR')
    .action(() => {
      const config = loadConfig(process.env);
      const store = openStore(config.dataDir);
      const s = migrationStatus(store.sqlite);
      store.close();
      process.stdout.write(`${store.file}: ${s.applied}/${s.shipped} migrations applied\n`);
    });
}
