// `veilgate keys init`: create the development issuer key pair in the data directory.
import type { Command } from 'commander';
import { loadConfig } from '../../config/load-config.ts';
import { initDevIssuer } from '../../auth/dev-issuer.ts';

export function registerKeys(program: Command): void {
  const keys = program.command('keys').description('Manage local keys');
  keys
    .command('init')
    .description('Create the development issuer Ed25519 key pair in VEILGATE_DATA_DIR (trusted only with VEILGATE_DEV=1)')
    .action(async () => {
      const config = loadConfig(process.env);
      const { created, kid } = await initDevIssuer(config.dataDir);
      process.stdout.write(
        `${created ? 'created' : 'kept existing'} development issuer key ${kid} in ${config.dataDir}/keys\n` +
          (config.dev ? '' : 'note: the gateway trusts it only when started with VEILGATE_DEV=1\n'),
      );
    });
}
