// How this gateway signs the console in (GET /console-config.json): read once per tab.
export interface ConsoleConfig {
  dev: boolean;
  roles: { id: string; description: string }[];
  /** OpenID providers (issuers.yaml `console` sections); `scopes` are asked for besides openid. */
  oidc: { id: string; issuer: string; discovery_url: string; client_id: string; scopes: string[]; resource?: string }[];
}

let pending: Promise<ConsoleConfig> | undefined;

export function loadConfig(): Promise<ConsoleConfig> {
  pending ??= fetch('/console-config.json', { headers: { Accept: 'application/json' } }).then((r) => {
    if (!r.ok) throw new Error(`console configuration unavailable (${r.status})`);
    return r.json() as Promise<ConsoleConfig>;
  });
  return pending;
}
