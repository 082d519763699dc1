// The console's frame: header with the menus the roles open, language switch and sign-out,
// the current page, and the sign-in over it when the session ends.
import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { Link } from './components/link.tsx';
import { defineMessages, LOCALES, setLocale, useLocale, type Locale } from './i18n.ts';
import { match, navigate, useLocation } from './router.ts';
import { can, resume, signOut, useSession } from './session.ts';
import Home from './pages/home.tsx';
import SignInPage, { SignInPanel } from './pages/sign-in.tsx';
import { PAGES, type Group, type PageDef } from './pages/registry.ts';

const useM = defineMessages({
  en: {
    skip: 'Skip to content',
    nav: 'Main menu',
    marketing: 'Segments',
    dpo: 'Data protection',
    operations: 'Operations',
    signOut: 'Sign out',
    language: 'Language',
    signedInAs: 'Signed in as',
    notFound: 'No such page.',
    loading: 'Loading…',
    sessionEnded: 'Session ended',
  },
  fr: {
    skip: 'Aller au contenu',
    nav: 'Menu principal',
    marketing: 'Segments',
    dpo: 'Protection des données',
    operations: 'Exploitation',
    signOut: 'Se déconnecter',
    language: 'Langue',
    signedInAs: 'Connecté en tant que',
    notFound: "Cette page n'existe pas.",
    loading: 'Chargement…',
    sessionEnded: 'Session terminée',
  },
});

const GROUPS: Group[] = ['marketing', 'dpo', 'operations'];
const PUBLIC = ['/sign-in', '/dev-sign-in', '/oidc-callback'];
// one object for the life of the app: Lazy loads again whenever its page definition changes
const OIDC_CALLBACK: PageDef = { path: '/oidc-callback', op: '', group: 'operations', load: () => import('./pages/oidc-callback.tsx') };

function Lazy(props: { def: PageDef; params: Record<string, string> }) {
  const [mod, setMod] = useState<{ path: string; C: ComponentType<{ params: Record<string, string> }> }>();
  useEffect(() => {
    let live = true;
    void props.def.load().then((m) => live && setMod({ path: props.def.path, C: m.default }));
    return () => {
      live = false;
    };
  }, [props.def]);
  const m = useM();
  if (!mod || mod.path !== props.def.path)
    return (
      <p class="loading" role="status">
        {m.loading}
      </p>
    );
  return <mod.C params={props.params} />;
}

function Header() {
  const m = useM();
  const locale = useLocale();
  const { me } = useSession();
  const { path } = useLocation();
  return (
    <header class="top">
      <Link to="/" class="brand">
        Veilgate
      </Link>
      {me && (
        <nav aria-label={m.nav}>
          {GROUPS.map((g) => {
            const pages = PAGES.filter((p) => p.group === g && p.menu && can(p.op));
            if (pages.length === 0) return null;
            return (
              <div class="menu-group" key={g} data-group={g}>
                <span class="menu-title">{m[g]}</span>
                <ul>
                  {pages.map((p) => (
                    <li key={p.path}>
                      <Link to={p.path} aria-current={path === p.path ? 'page' : undefined}>
                        {p.menu![locale]}
                      </Link>
                    </li>
                  ))}
                </ul>
              </div>
            );
          })}
        </nav>
      )}
      <div class="top-right">
        <label class="lang">
          <span class="visually-hidden">{m.language}</span>
          <select value={locale} onChange={(e) => setLocale(e.currentTarget.value as Locale)}>
            {LOCALES.map((l) => (
              <option key={l} value={l}>
                {l === 'en' ? 'English' : 'Français'}
              </option>
            ))}
          </select>
        </label>
        {me && (
          <>
            <span class="who" title={me.issuer}>
              <span class="visually-hidden">{m.signedInAs} </span>
              {me.subject} <span class="muted">({me.roles.join(', ')})</span>
            </span>
            <button
              type="button"
              onClick={() => {
                signOut();
                navigate('/sign-in', { replace: true });
              }}
            >
              {m.signOut}
            </button>
          </>
        )}
      </div>
    </header>
  );
}

function Routes() {
  const m = useM();
  const { path } = useLocation();
  if (path === '/sign-in') return <SignInPage />;
  if (path === '/dev-sign-in') return <SignInPage dev />;
  if (path === '/oidc-callback') return <Lazy def={OIDC_CALLBACK} params={{}} />;
  if (path === '/') return <Home />;
  for (const def of PAGES) {
    const params = match(def.path, path);
    if (params) return <Lazy def={def} params={params} />;
  }
  return (
    <section class="page">
      <h1>{m.notFound}</h1>
    </section>
  );
}

export function App() {
  const m = useM();
  const session = useSession();
  const { path } = useLocation();
  const [ready, setReady] = useState(false);
  useEffect(() => {
    void resume().then(() => setReady(true));
  }, []);
  useEffect(() => {
    if (ready && !session.me && !session.expired && !PUBLIC.includes(path)) {
      navigate('/sign-in?return=' + encodeURIComponent(path + location.search), { replace: true });
    }
  }, [ready, session.me, session.expired, path]);
  if (!ready)
    return (
      <p class="loading" role="status">
        {m.loading}
      </p>
    );
  return (
    <>
      <a class="skip" href="#main">
        {m.skip}
      </a>
      <Header />
      <main id="main" inert={session.expired}>
        {(session.me || PUBLIC.includes(path)) && <Routes />}
      </main>
      {session.expired && (
        <div class="overlay">
          <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="expired-title">
            <h2 id="expired-title">{m.sessionEnded}</h2>
            <SignInPanel />
          </div>
        </div>
      )}
    </>
  );
}
