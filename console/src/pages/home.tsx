import { Link } from '../components/link.tsx';
import { Page } from '../components/page.tsx';
import { defineMessages, useLocale } from '../i18n.ts';
import { can, useSession } from '../session.ts';
import { PAGES } from './registry.ts';

const useM = defineMessages({
  en: {
    title: 'Welcome',
    intro: (p: { roles: string }) => `Signed in with the roles ${p.roles}. What you can do here:`,
    none: 'Your roles open no page of the console.',
    policy: (p: { version: string }) => `Policy version ${p.version}`,
  },
  fr: {
    title: 'Bienvenue',
    intro: (p: { roles: string }) => `Connecté avec les rôles ${p.roles}. Ce que vous pouvez faire ici :`,
    none: "Vos rôles n'ouvrent aucune page de la console.",
    policy: (p: { version: string }) => `Version de la politique ${p.version}`,
  },
});

export default function Home() {
  const m = useM();
  const locale = useLocale();
  const { me } = useSession();
  const pages = PAGES.filter((p) => p.menu && can(p.op));
  return (
    <Page title={m.title}>
      <p>{m.intro({ roles: me?.roles.join(', ') ?? '' })}</p>
      {pages.length === 0 ? (
        <p>{m.none}</p>
      ) : (
        <ul class="cards">
          {pages.map((p) => (
            <li key={p.path}>
              <Link to={p.path}>{p.menu![locale]}</Link>
            </li>
          ))}
        </ul>
      )}
      {me && <p class="muted small">{m.policy({ version: me.policy_version.slice(0, 12) })}</p>}
    </Page>
  );
}
