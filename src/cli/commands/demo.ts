// `veilgate demo`: the quick start. Dev mode on the embedded SQLite default, synthetic data
// loaded through the API, one segmentation per method, a token per role for exploring.
import type { Command } from 'commander';
import { loadConfig } from '../../config/load-config.ts';
import { closeOnSignals, startGateway } from '../../gateway.ts';
import { DEV_ISSUER_ID, mintDevToken } from '../../auth/dev-issuer.ts';
import { PartnerScope } from '../../pseudonymization/partner-scope.ts';
import { resolveKeyMaterial } from '../../vault/key-material.ts';
import { runDemoScenario } from '../demo/demo-scenario.ts';

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('Start the gateway in development mode, load a synthetic customer base and run one segmentation per method')
    .option('--customers <n>', 'synthetic customers to load', '3000')
    .option('--seed <n>', 'seed of the synthetic data', '42')
    .option('--ttl-hours <n>', 'lifetime of the printed tokens', '8')
    .option('--no-data', 'only start the gateway and print tokens')
    .action(async (opts: { ttlHours: string; customers: string; seed: string; data: boolean }) => {
      // The demo is development mode by definition: the dev issuer signs the printed tokens.
      const config = loadConfig({ ...process.env, VEILGATE_DEV: '1', VEILGATE_LOG_LEVEL: process.env['VEILGATE_LOG_LEVEL'] ?? 'warn' });
      const gw = await startGateway(config, {});
      closeOnSignals(gw);
      const ttlSeconds = Math.max(60, Math.round(Number(opts.ttlHours) * 3600) || 8 * 3600);
      const tokens: Record<string, string> = {};
      for (const role of gw.policies.roles.keys()) {
        tokens[role] = await mintDevToken(config.dataDir, { roles: [role], subject: `demo-${role}`, ttlSeconds });
      }
      const say = (s = '') => process.stdout.write(s + '\n');
      say(`\nVeilgate demo running at ${gw.url} (data dir ${config.dataDir}, policy ${gw.policies.version.slice(0, 19)}...)\n`);
      if (opts.data) {
        const scope = new PartnerScope(resolveKeyMaterial(config).pseudonym);
        await runDemoScenario(gw.url, tokens, { customers: Number(opts.customers) || 3000, seed: Number(opts.seed) || 42 }, (p) =>
          scope.toPartner(p, DEV_ISSUER_ID),
        );
      }
      say(`\nTokens (development issuer, valid ${(ttlSeconds / 3600).toFixed(1)} h):`);
      for (const [role, token] of Object.entries(tokens)) say(`  ${role.padEnd(13)} ${token}`);
      say(`\n  API reference : ${gw.url}/docs`);
      say(`  OpenAPI       : ${gw.url}/openapi.json`);
      say(`  try           : curl -H "Authorization: Bearer <dpo token>" ${gw.url}/v1/policies`);
      say('\nCtrl-C stops the gateway. The web console (development sign-in: any role; as marketing with the user name');
      say(`demo-marketing, the runs above are yours):\n\n  ${gw.url}/console`);
    });
}
