// `veilgate audit verify|reanchor`: recompute the audit hash chain of the configured database
// against its sealed head (and checkpoint lines from a log), or re-anchor a lost head.
import fs from 'node:fs';
import os from 'node:os';
import type { Command } from 'commander';
import { loadConfig } from '../../config/load-config.ts';
import { openStorage, storageExists } from '../../db/open-storage.ts';
import { AuditLog } from '../../audit/audit-log.ts';
import { headFileAt } from '../../audit/audit-head.ts';
import { AuditSink } from '../../audit/sink/audit-sink.ts';
import { createLogger } from '../../logging/logger.ts';
import { storageConfigOf } from '../../services.ts';
import { resolveKeyMaterial } from '../../vault/key-material.ts';
import { CliError } from '../run-cli.ts';

/** The `audit_checkpoint` objects of a JSON-lines log (other lines are skipped). */
export function checkpointsOf(text: string): unknown[] {
  const out: unknown[] = [];
  for (const line of text.split('\n')) {
    if (!line.includes('audit_checkpoint')) continue;
    try {
      const o = JSON.parse(line) as { audit_checkpoint?: unknown };
      if (o.audit_checkpoint !== undefined) out.push(o.audit_checkpoint);
    } catch {
      /* not a JSON line */
    }
  }
  return out;
}

async function withAuditLog<T>(fn: (audit: AuditLog) => Promise<T>): Promise<T> {
  const config = loadConfig(process.env);
  const where = storageConfigOf(config);
  // a missing database is an error to report, not one to create empty
  if (!storageExists(where)) throw new CliError(`no database in ${config.dataDir}: nothing to verify`);
  const keys = resolveKeyMaterial(config);
  const storage = await openStorage({ ...where, migrate: false });
  const sink = config.auditSink ? new AuditSink(config.auditSink, createLogger({ level: config.logLevel, destination: process.stderr })) : undefined;
  try {
    if ((await storage.readiness.migrations()).applied === 0) throw new CliError(`the database in ${config.dataDir} has no audit log (run veilgate migrate)`);
    // a re-anchoring is forwarded to the audit sink like any entry
    return await fn(new AuditLog(storage, keys.audit, headFileAt(config.auditHeadFile), () => '', Date.now, undefined, sink && ((e) => sink.enqueue(e))));
  } finally {
    await sink?.close();
    await storage.close();
  }
}

export function registerAudit(program: Command): void {
  const audit = program.command('audit').description('Audit log');
  audit
    .command('verify')
    .description('Verify the keyed hash chain and its sealed head; exit 1 when it does not hold')
    .option('--json', 'print the verification as JSON')
    .option('--checkpoints <file>', 'a log file (JSON lines) whose audit_checkpoint lines are checked against the chain too')
    .action(async (opts: { json?: boolean; checkpoints?: string }) => {
      let checkpoints: unknown[] = [];
      if (opts.checkpoints) {
        if (!fs.existsSync(opts.checkpoints)) throw new CliError(`no such file: ${opts.checkpoints}`, 2);
        checkpoints = checkpointsOf(fs.readFileSync(opts.checkpoints, 'utf8'));
      }
      const v = await withAuditLog((log) => log.verify(checkpoints));
      if (opts.json) process.stdout.write(JSON.stringify(v) + '\n');
      else if (v.ok)
        process.stdout.write(
          `audit chain ok: ${v.entries} entries, head seq ${v.head?.seq ?? 0} ${v.head?.hash ?? ''}${v.checkpoints ? `, ${v.checkpoints.checked} checkpoints agree` : ''}${v.reanchored_at ? `, re-anchored at seq ${v.reanchored_at.join(', ')}` : ''}\n`,
        );
      else process.stdout.write(`audit chain BROKEN at seq ${v.first_invalid_seq} (${v.reason}); ${v.entries} entries read\n`);
      if (!v.ok) process.exitCode = 1;
    });
  audit
    .command('reanchor')
    .description('Re-anchor a lost (deleted, unreadable or forged) head: records the event in the chain and writes a new sealed head')
    .requiredOption('--reason <text>', 'why (recorded in the audit entry)')
    .action(async (opts: { reason: string }) => {
      const entry = await withAuditLog(async (log) => {
        try {
          return await log.reanchor(opts.reason.slice(0, 500), { issuer: 'cli', subject: os.userInfo().username, roles: ['operator'], requestId: null });
        } catch (e) {
          throw new CliError(e instanceof Error ? e.message : String(e));
        }
      });
      process.stdout.write(`audit head re-anchored by entry seq ${entry.seq} (${JSON.parse(entry.detail).previous_head} head before)\n`);
    });
}
