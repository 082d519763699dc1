import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testGateway, type TestGateway } from './helpers/test-gateway.ts';

describe('gateway smoke', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await testGateway();
  });
  afterAll(() => gw.cleanup());

  it('a dev token reaches a role-protected route', async () => {
    const res = await gw.request('/v1/policies', { token: await gw.mint(['dpo']) });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { version: string };
    expect(body.version).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('a partner token signed with its own key is accepted', async () => {
    const res = await gw.request('/v1/me', { token: await gw.partner.sign() });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { issuer_id: string }).issuer_id).toBe('partner-one');
  });
});
