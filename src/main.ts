// The gateway process: config -> policies -> database -> app -> listen; closes cleanly on SIGTERM.
import { ConfigError, loadConfig } from './config/load-config.ts';
import { PolicyError } from './policy/policy-error.ts';
import { closeOnSignals, startGateway } from './gateway.ts';
import { AuditHeadLost, AuditUnavailable } from './audit/audit-log.ts';
import { storageFailureLine } from './errors/start-failure.ts';

try {
  const config = loadConfig(process.env);
  closeOnSignals(await startGateway(config));
} catch (e) {
  if (e instanceof ConfigError || e instanceof PolicyError) {
    process.stderr.write(e.message + '\n');
    process.exit(78); // EX_CONFIG
  }
  if (e instanceof AuditUnavailable && e.cause instanceof AuditHeadLost) {
    process.stderr.write(`veilgate: refusing to start: ${e.cause.message}\n`);
    process.exit(1);
  }
  const storage = storageFailureLine(e);
  if (storage) {
    process.stderr.write(storage + '\n');
    process.exit(1);
  }
  throw e;
}
