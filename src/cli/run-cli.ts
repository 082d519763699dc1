// Runs a commander program, turning known errors into one clear line and a non-zero exit.
import type { Command } from 'commander';
import { ConfigError } from '../config/load-config.ts';
import { PolicyError } from '../policy/policy-error.ts';
import { AuditHeadLost, AuditUnavailable } from '../audit/audit-log.ts';
import { storageFailureLine } from '../errors/start-failure.ts';

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export async function runCli(program: Command, argv: string[]): Promise<void> {
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof ConfigError || e instanceof PolicyError) {
      process.stderr.write(e.message + '\n');
      process.exit(78);
    }
    if (e instanceof AuditUnavailable && e.cause instanceof AuditHeadLost) {
      process.stderr.write(`veilgate: refused: ${e.cause.message}\n`);
      process.exit(1);
    }
    const storage = storageFailureLine(e);
    if (storage) {
      process.stderr.write(storage + '\n');
      process.exit(1);
    }
    if (e instanceof CliError) {
      process.stderr.write(`veilgate: ${e.message}\n`);
      process.exit(e.exitCode);
    }
    throw e;
  }
}
