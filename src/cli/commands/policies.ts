// `veilgate policies check [DIR]`: validate a policy directory; non-zero exit on any problem.
import type { Command } from 'commander';
import { loadPolicies } from '../../policy/load-policies.ts';
import { PolicyError } from '../../policy/policy-error.ts';

export function registerPolicies(program: Command): void {
  const policies = program.command('policies').description('Policy files');
  policies
    .command('check')
    .description('Validate the policy files of DIR (default: VEILGATE_POLICIES_DIR or ./policies)')
    .argument('[dir]', 'policy directory')
    .action((dir?: string) => {
      const target = dir ?? process.env['VEILGATE_POLICIES_DIR'] ?? './policies';
      try {
        const set = loadPolicies(target);
        process.stdout.write(`${target}: valid (${set.roles.size} roles, ${set.issuers.length} issuers), version ${set.version}\n`);
      } catch (e) {
        if (!(e instanceof PolicyError)) throw e;
        process.stderr.write(e.message + '\n');
        process.exitCode = 1;
      }
    });
}
