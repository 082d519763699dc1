// `veilgate ingest FILE`: stream a CSV/NDJSON file through the ingest service, with progress.
import fs from 'node:fs';
import os from 'node:os';
import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { loadConfig } from '../../config/load-config.ts';
import { openStorage } from '../../db/open-storage.ts';
import { loadPolicies } from '../../policy/load-policies.ts';
import { buildServices, storageConfigOf } from '../../services.ts';
import { formatOfFile, streamRecords } from '../../ingest/stream-records.ts';
import { isAppError } from '../../errors/app-error.ts';
import { CliError } from '../run-cli.ts';

interface Opts {
  source: string;
  type: string;
  format?: string;
  batchSize: string;
  errors?: string;
  progress: boolean;
}

export function registerIngest(program: Command): void {
  program
    .command('ingest')
    .description('Stream a CSV or NDJSON file into the gateway (same validation and pseudonymization as the API)')
    .argument('<file>', 'CSV (.csv) or NDJSON (.ndjson, .jsonl) file')
    .requiredOption('--source <source>', 'source system name (e.g. crm)')
    .requiredOption('--type <type>', 'customers | transactions')
    .option('--format <format>', 'csv | ndjson (default: from the file extension)')
    .option('--batch-size <n>', 'records per committed batch', '5000')
    .option('--errors <file>', 'write every rejected row (row, field, code; never values) as NDJSON')
    .option('--no-progress', 'no progress bar')
    .action(async (file: string, opts: Opts) => {
      if (opts.type !== 'customers' && opts.type !== 'transactions') throw new CliError('--type must be customers or transactions', 2);
      if (!/^[a-z0-9][a-z0-9_-]{0,63}$/.test(opts.source)) throw new CliError('--source must be a lower-case identifier', 2);
      const batchSize = Number(opts.batchSize);
      if (!Number.isInteger(batchSize) || batchSize < 1) throw new CliError('--batch-size must be a positive integer', 2);
      if (!fs.existsSync(file)) throw new CliError(`no such file: ${file}`, 2);
      const format = opts.format === 'csv' || opts.format === 'ndjson' ? opts.format : formatOfFile(file);

      const config = loadConfig(process.env);
      const policies = loadPolicies(config.policiesDir);
      // A smaller page cache than the server's: the CLI promises a flat memory profile.
      const storage = await openStorage({ ...storageConfigOf(config), cacheMiB: 16 });
      const background = storage.maintenance.startBackground(() => {});
      const { ingest, audit, auditSink } = await buildServices(config, policies, storage, Date.now);
      const errorsOut = opts.errors ? fs.createWriteStream(opts.errors) : undefined;
      const size = fs.statSync(file).size;
      const bar =
        opts.progress && process.stderr.isTTY
          ? new cliProgress.SingleBar(
              { format: ' {bar} {percentage}% | {rows} rows | {rate} rows/s | ETA {eta}s', stream: process.stderr },
              cliProgress.Presets.shades_classic,
            )
          : undefined;
      bar?.start(size, 0, { rows: 0, rate: 0 });
      const started = performance.now();
      const totals = { rows: 0, accepted: 0, rejected: 0, duplicates: 0, batches: 0, byCode: {} as Record<string, number> };
      let bytes = 0;
      let chunk: Record<string, unknown>[] = [];
      const flush = async () => {
        if (chunk.length === 0) return;
        const { result } = await ingest.ingest({
          source: opts.source,
          recordType: opts.type as 'customers' | 'transactions',
          rows: chunk,
          rowOffset: totals.rows,
          requestHash: `cli:${file}:${totals.rows}`,
          auditActor: { issuer: 'cli', subject: os.userInfo().username, roles: ['operator'], requestId: null },
        });
        // each batch's entry is committed: the sealed head follows it, as after a request
        await audit.syncHead();
        totals.rows += chunk.length;
        totals.accepted += result.accepted;
        totals.rejected += result.rejected;
        totals.duplicates += result.duplicates;
        totals.batches++;
        for (const e of result.errors) {
          totals.byCode[e.code] = (totals.byCode[e.code] ?? 0) + 1;
          errorsOut?.write(JSON.stringify(e) + '\n');
        }
        chunk = [];
        const secs = (performance.now() - started) / 1000;
        bar?.update(bytes, { rows: totals.rows, rate: Math.round(totals.rows / secs) });
      };
      try {
        for await (const rec of streamRecords(file, format, (n) => {
          bytes += n;
        })) {
          chunk.push(rec);
          if (chunk.length >= batchSize) await flush();
        }
        await flush();
      } catch (e) {
        bar?.stop();
        await auditSink?.close();
        await background.stop();
        await storage.close();
        if (isAppError(e)) throw new CliError(`${e.detail} (${totals.rows} rows committed before the error)`);
        throw e;
      }
      bar?.update(size, { rows: totals.rows });
      bar?.stop();
      errorsOut?.end();
      await auditSink?.close();
      await background.stop();
      await storage.close();
      const secs = (performance.now() - started) / 1000;
      process.stdout.write(
        `${file}: ${totals.rows} rows in ${totals.batches} batches, ${totals.accepted} accepted, ${totals.rejected} rejected, ` +
          `${totals.duplicates} duplicates, ${secs.toFixed(1)} s (${Math.round(totals.rows / secs)} rows/s)\n` +
          (Object.keys(totals.byCode).length ? `rejections by rule: ${JSON.stringify(totals.byCode)}\n` : ''),
      );
    });
}
