// `veilgate demo`: the quick start. Dev mode on the embedded SQLite default, a token per role.
import type { Command } from 'commander';
import { loadConfig } from '../../config/load-config.ts';
import { closeOnSignals, startGateway } from '../../gateway.ts';
import { mintDevToken } from '../../auth/dev-issuer.ts';

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('Start the gateway in development mode with demo tokens for every role')
    .option('--ttl-hours <n>', 'lifetime of the printed tokens', '8')
    .action(async (opts: { ttlHours: string }) => {
      // The demo is development mode by definition: the dev issuer signs the printed tokens.
      const config = loadConfig({ ...process.env, VEILGATE_DEV: '1' });
      const gw = await startGateway(config, {});
      closeOnSignals(gw);
      const ttlSeconds = Math.max(1, Math.round(Number(opts.ttlHours) * 3600)) || 8 * 3600;
      const out: string[] = [
        '',
        `Veilgate demo is running at ${gw.url}`,
        `  API reference : ${gw.url}/docs`,
        `  OpenAPI       : ${gw.url}/openapi.json`,
        `  data dir      : ${config.dataDir}`,
        '',
        `Tokens (development issuer, valid ${ttlSeconds / 3600} h):`,
      ];
      for (const role of gw.policies.roles.keys()) {
        const token = await mintDevToken(config.dataDir, { roles: [role], subject: `demo-${role}`, ttlSeconds });
        out.push(`  ${role.padEnd(13)} ${token}`);
      }
      out.push('', 'Try:', `  curl -H "Authorization: Bearer <dpo token>" ${gw.url}/v1/policies`, '', 'Ctrl-C stops the gateway.', '');
      process.stdout.write(out.join('\n'));
    });
}
