// `veilgate token mint`: sign a short-lived token with the development issuer key.
import type { Command } from 'commander';
import { loadConfig } from '../../config/load-config.ts';
import { loadPolicies } from '../../policy/load-policies.ts';
import { devIssuerExists, mintDevToken, parseTtl } from '../../auth/dev-issuer.ts';
import { CliError } from '../run-cli.ts';

const collect = (v: string, acc: string[]) => [
  ...acc,
  ...v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
];

export function registerToken(program: Command): void {
  const token = program.command('token').description('Development tokens');
  token
    .command('mint')
    .description('Print a JWT signed by the development issuer')
    .requiredOption('--role <role>', 'role to grant (repeat or comma-separate for several)', collect, [])
    .option('--sub <subject>', 'subject claim', 'dev-user')
    .option('--ttl <ttl>', 'lifetime: 90s, 15m, 2h, 1d', '15m')
    .action(async (opts: { role: string[]; sub: string; ttl: string }) => {
      const config = loadConfig(process.env);
      const policies = loadPolicies(config.policiesDir);
      const unknown = opts.role.filter((r) => !policies.roles.has(r));
      if (opts.role.length === 0 || unknown.length > 0) {
        throw new CliError(`unknown role ${unknown.join(', ')}; known: ${[...policies.roles.keys()].join(', ')}`, 2);
      }
      if (!devIssuerExists(config.dataDir)) throw new CliError('no development issuer key: run `veilgate keys init` first');
      let ttlSeconds: number;
      try {
        ttlSeconds = parseTtl(opts.ttl);
      } catch (e) {
        throw new CliError((e as Error).message, 2);
      }
      process.stdout.write((await mintDevToken(config.dataDir, { roles: opts.role, subject: opts.sub, ttlSeconds })) + '\n');
    });
}
