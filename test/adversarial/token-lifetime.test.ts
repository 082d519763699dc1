// Threat T18 (docs/threat-model.md): a partner issuer signs long-lived tokens (or tokens without
// iat), so one stolen token is a standing key. An issuer's max_token_lifetime caps exp - iat.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { expectProblem } from '../helpers/problem.ts';
import { testGateway, type TestGateway } from '../helpers/test-gateway.ts';

const CLOCK = Date.UTC(2026, 0, 15, 9, 30);
const MAX = 900;

describe('T18: tokens living longer than their issuer allows are refused', () => {
  let gw: TestGateway;
  const now = Math.floor(CLOCK / 1000);
  const me = (token: string) => gw.request('/v1/me', { token });

  beforeAll(async () => {
    gw = await testGateway({
      clockStart: CLOCK,
      prepare: ({ policiesDir }) => {
        const file = path.join(policiesDir, 'issuers.yaml');
        const doc = parse(fs.readFileSync(file, 'utf8')) as { issuers: { id: string; max_token_lifetime?: number }[] };
        doc.issuers.find((i) => i.id === 'partner-one')!.max_token_lifetime = MAX;
        fs.writeFileSync(file, stringify(doc));
      },
    });
  });
  afterAll(() => gw?.cleanup());

  it('exp - iat within the cap: accepted', async () => {
    expect((await me(await gw.partner.sign({ iat: now, exp: now + MAX }))).status).toBe(200);
  });

  it('a day-long token, or one without iat, is 401 with WWW-Authenticate', async () => {
    for (const claims of [
      { iat: now, exp: now + 86_400 },
      { iat: now - 3000, exp: now + 600 },
      { iat: undefined, exp: now + 600 },
    ]) {
      const res = await me(await gw.partner.sign(claims));
      const { body } = await expectProblem(res, 401, 'auth.invalid_token');
      expect(body.detail).toMatch(/max_token_lifetime/);
      expect(res.headers.get('www-authenticate')).toMatch(/invalid_token/);
    }
  });

  it('the cap is part of the reviewable policy', async () => {
    const a = await gw.request('/v1/policies', { token: await gw.mint(['dpo']) });
    const body = (await a.json()) as { policy: { issuers: { id: string; max_token_lifetime?: number }[] } };
    expect(body.policy.issuers.find((i) => i.id === 'partner-one')!.max_token_lifetime).toBe(MAX);
  });
});
