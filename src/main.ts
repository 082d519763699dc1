// The gateway process: config -> policies -> database -> app -> listen; closes cleanly on SIGTERM.
import { ConfigError, loadConfig } from './config/load-config.ts';
import { PolicyError } from './policy/policy-error.ts';
import { closeOnSignals, startGateway } from './gateway.ts';

try {
  const config = loadConfig(process.env);
  closeOnSignals(await startGateway(config));
} catch (e) {
  if (e instanceof ConfigError || e instanceof PolicyError) {
    process.stderr.write(e.message + '\n');
    process.exit(78); // EX_CONFIG
  }
  throw e;
}
