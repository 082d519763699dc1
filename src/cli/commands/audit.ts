// `veilgate audit verify`: recompute the audit hash chain of the data directory's database.
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../../config/load-config.ts';
import { DB_FILE, openStore } from '../../db/open-database.ts';
import { sqliteAuditStore } from '../../db/sqlite-audit-store.ts';
import { AuditLog } from '../../audit/audit-log.ts';
import { resolveKeyMaterial } from '../../vault/key-material.ts';
import { CliError } from '../run-cli.ts';

export function registerAudit(program: Command): void {
  const audit = program.command('audit').description('Audit log');
  audit
    .command('verify')
    .description('Verify the keyed hash chain and the head file; exit 1 when it does not hold')
    .option('--json', 'print the verification as JSON')
    .action((opts: { json?: boolean }) => {
      const config = loadConfig(process.env);
      // a missing database is an error to report, not one to create empty
      if (!fs.existsSync(path.join(config.dataDir, DB_FILE))) throw new CliError(`no database in ${config.dataDir}: nothing to verify`);
      const keys = resolveKeyMaterial(config);
      const store = openStore(config.dataDir, { migrate: false });
      try {
        const hasLog = store.sqlite.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'audit_log'").get();
        if (!hasLog) throw new CliError(`the database in ${config.dataDir} has no audit log (run veilgate migrate)`);
        const v = new AuditLog(sqliteAuditStore(store.sqlite), keys.audit, config.dataDir, () => '', Date.now).verify();
        if (opts.json) process.stdout.write(JSON.stringify(v) + '\n');
        else if (v.ok) process.stdout.write(`audit chain ok: ${v.entries} entries, head seq ${v.head?.seq ?? 0} ${v.head?.hash ?? ''}\n`);
        else process.stdout.write(`audit chain BROKEN at seq ${v.first_invalid_seq} (${v.reason}); ${v.entries} entries read\n`);
        if (!v.ok) process.exitCode = 1;
      } finally {
        store.close();
      }
    });
}
