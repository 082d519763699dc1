// `veilgate serve`: start the gateway with the environment's configuration.
import type { Command } from 'commander';
import { loadConfig } from '../../config/load-config.ts';
import { closeOnSignals, startGateway } from '../../gateway.ts';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('Start the gateway (configuration from PORT, HOST, VEILGATE_* variables)')
    .action(async () => {
      closeOnSignals(await startGateway(loadConfig(process.env)));
    });
}
