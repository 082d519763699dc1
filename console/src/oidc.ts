// OpenID Connect sign-in (authorization code flow with PKCE): implemented with the provider test.
import type { ConsoleConfig } from './config.ts';

export function startSignIn(_provider: ConsoleConfig['oidc'][number], _returnTo: string): Promise<void> {
  return Promise.reject(new Error('OpenID Connect sign-in is not available yet'));
}
