// The veilgate CLI: one subcommand per file under commands/, each with its own --help.
import { Command } from 'commander';
import { registerServe } from './commands/serve.ts';
import { registerMigrate } from './commands/migrate.ts';
import { registerKeys } from './commands/keys.ts';
import { registerToken } from './commands/token.ts';
import { registerPolicies } from './commands/policies.ts';
import { registerDemo } from './commands/demo.ts';
import { registerIngest } from './commands/ingest.ts';
import { registerAudit } from './commands/audit.ts';
import { registerDemoData } from './commands/demo-data.ts';
import { runCli } from './run-cli.ts';

const program = new Command('veilgate')
  .description('Privacy-first customer segmentation gateway')
  .showHelpAfterError()
  .configureHelp({ sortSubcommands: true });

for (const register of [
  registerServe,
  registerMigrate,
  registerKeys,
  registerToken,
  registerPolicies,
  registerDemo,
  registerIngest,
  registerAudit,
  registerDemoData,
]) {
  register(program);
}

await runCli(program, process.argv);
