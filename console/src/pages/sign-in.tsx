// Sign-in: the OpenID providers of issuers.yaml, and in development mode the development
// issuer's roles. Shown as a page, or over a page whose token ran out (that page keeps its state).
import { useEffect, useState } from 'preact/hooks';
import { loadConfig, type ConsoleConfig } from '../config.ts';
import { Field, newId } from '../components/field.tsx';
import { Link } from '../components/link.tsx';
import { defineMessages } from '../i18n.ts';
import { navigate } from '../router.ts';
import { signIn } from '../session.ts';

const useM = defineMessages({
  en: {
    title: 'Sign in',
    expired: 'Your session has ended. Sign in again to carry on where you were.',
    providers: 'Sign in with your organisation',
    with: (p: { id: string }) => `Sign in with ${p.id}`,
    noProvider: 'No sign-in provider is configured for the console (issuers.yaml).',
    dev: 'Development sign-in',
    devHint: 'Development mode: pick a role, the gateway signs a development token for it (valid one hour).',
    user: 'User name (optional)',
    userHint: 'Distinguishes two people with the same role, e.g. two DPOs.',
    as: (p: { role: string }) => `Sign in as ${p.role}`,
    failed: 'Sign-in failed.',
    providerFailed: 'The identity provider could not be reached or is not configured as the gateway expects.',
    loading: 'Loading…',
  },
  fr: {
    title: 'Connexion',
    expired: 'Votre session a pris fin. Reconnectez-vous pour reprendre où vous en étiez.',
    providers: 'Se connecter avec votre organisation',
    with: (p: { id: string }) => `Se connecter avec ${p.id}`,
    noProvider: "Aucun fournisseur d'identité n'est configuré pour la console (issuers.yaml).",
    dev: 'Connexion de développement',
    devHint: 'Mode développement : choisissez un rôle, la passerelle signe un jeton de développement (valable une heure).',
    user: "Nom d'utilisateur (facultatif)",
    userHint: 'Distingue deux personnes du même rôle, par exemple deux DPO.',
    as: (p: { role: string }) => `Se connecter comme ${p.role}`,
    failed: 'La connexion a échoué.',
    providerFailed: "Le fournisseur d'identité n'a pas pu être joint ou n'est pas configuré comme la passerelle l'attend.",
    loading: 'Chargement…',
  },
});

/** Where to go after signing in: the page that asked, never another site. */
export function returnPath(): string {
  const r = new URLSearchParams(location.search).get('return');
  return r && r.startsWith('/') && !r.startsWith('//') ? r : '/';
}

export function DevSignIn(props: { config: ConsoleConfig; onDone: () => void }) {
  const m = useM();
  const [user, setUser] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const [id] = useState(() => newId('user'));
  const choose = async (role: string) => {
    setBusy(true);
    setError(undefined);
    try {
      const res = await fetch('/console-dev-token', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify({ role, ...(user.trim() && { user: user.trim() }) }),
      });
      const body = (await res.json()) as { token?: string; detail?: string; errors?: { message: string }[] };
      if (!res.ok || !body.token) throw new Error(body.errors?.[0]?.message ?? body.detail ?? m.failed);
      await signIn(body.token);
      props.onDone();
    } catch (e) {
      setError(e instanceof Error ? e.message : m.failed);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="dev-sign-in">
      <h2>{m.dev}</h2>
      <p class="hint">{m.devHint}</p>
      <Field id={id} label={m.user} hint={m.userHint} error={error}>
        <input id={id} name="user" value={user} autocomplete="off" onInput={(e) => setUser(e.currentTarget.value)} aria-describedby={`${id}-hint`} />
      </Field>
      <ul class="role-list">
        {props.config.roles.map((r) => (
          <li key={r.id}>
            <button type="button" disabled={busy} onClick={() => void choose(r.id)} data-role={r.id}>
              {m.as({ role: r.id })}
            </button>
            <span class="muted small">{r.description}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}

export function Providers(props: { config: ConsoleConfig }) {
  const m = useM();
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  if (props.config.oidc.length === 0) return props.config.dev ? null : <p>{m.noProvider}</p>;
  const start = async (o: ConsoleConfig['oidc'][number]) => {
    setBusy(true);
    setError(undefined);
    try {
      const oidc = await import('../oidc.ts');
      await oidc.startSignIn(o, location.pathname.replace(/^\/console/, '') + location.search);
    } catch (e) {
      const detail = e instanceof Error && 'detail' in e && typeof e.detail === 'string' ? e.detail : undefined;
      setError(detail ? `${m.providerFailed} (${detail})` : m.providerFailed);
      setBusy(false);
    }
  };
  return (
    <div class="providers">
      <h2>{m.providers}</h2>
      {error && (
        <p class="problem" role="alert">
          {error}
        </p>
      )}
      <ul>
        {props.config.oidc.map((o) => (
          <li key={o.id}>
            <button type="button" data-provider={o.id} disabled={busy} onClick={() => void start(o)}>
              {m.with({ id: o.id })}
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}

function useConfig(): ConsoleConfig | undefined {
  const [config, setConfig] = useState<ConsoleConfig>();
  useEffect(() => {
    void loadConfig().then(setConfig);
  }, []);
  return config;
}

/** The sign-in shown over a page whose session ended: no navigation, the page keeps its state. */
export function SignInPanel() {
  const m = useM();
  const config = useConfig();
  if (!config) return <p>{m.loading}</p>;
  return (
    <div>
      <p>{m.expired}</p>
      <Providers config={config} />
      {config.dev && <DevSignIn config={config} onDone={() => undefined} />}
    </div>
  );
}

export default function SignInPage(props: { dev?: boolean }) {
  const m = useM();
  const config = useConfig();
  useEffect(() => {
    document.title = `${m.title} · Veilgate`;
  }, [m.title]);
  if (!config) return <p>{m.loading}</p>;
  return (
    <section class="page sign-in">
      <h1>{props.dev ? m.dev : m.title}</h1>
      {props.dev && config.dev ? (
        <DevSignIn config={config} onDone={() => navigate(returnPath(), { replace: true })} />
      ) : (
        <>
          <Providers config={config} />
          {config.dev && (
            <p>
              <Link to={'/dev-sign-in' + location.search}>{m.dev}</Link>
            </p>
          )}
        </>
      )}
    </section>
  );
}
