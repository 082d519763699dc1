// Identities a re-identification revealed. They live in this component's state only: never in
// storage or the address, dropped when the user hides them, leaves the page, the tab is put in
// the back-forward cache, or the session ends.
import { useEffect, useState } from 'preact/hooks';
import { defineMessages } from '../../i18n.ts';
import { useSession } from '../../session.ts';
import type { ReidResult } from './reid-types.ts';
import { statusBadge, useReidWords, word } from './reid-words.ts';

const useM = defineMessages({
  en: {
    title: 'Revealed identities',
    once: 'Shown once: these values will not be shown again, not after a reload, nor on another visit to this request. Use them for the purpose stated only; do not copy them elsewhere.',
    pseudonym: 'Pseudonym',
    status: 'Result',
    hide: 'Hide now',
    hidden: 'The revealed values were removed from the page.',
  },
  fr: {
    title: 'Identités révélées',
    once: "Affichées une seule fois : ces valeurs ne seront plus montrées, ni après un rechargement, ni lors d'une autre consultation de cette demande. Utilisez-les pour la seule finalité indiquée ; ne les copiez pas ailleurs.",
    pseudonym: 'Pseudonyme',
    status: 'Résultat',
    hide: 'Masquer maintenant',
    hidden: 'Les valeurs révélées ont été retirées de la page.',
  },
});

/**
 * State for revealed values: cleared on pagehide (and on a page restored from the back-forward
 * cache) and when the session ends, so they never outlive what the user is looking at.
 */
export function useEphemeral<T>(): [T | undefined, (v: T | undefined) => void] {
  const [value, setValue] = useState<T>();
  const { expired, me } = useSession();
  useEffect(() => {
    const drop = () => setValue(undefined);
    const restored = (e: PageTransitionEvent) => e.persisted && drop();
    window.addEventListener('pagehide', drop);
    window.addEventListener('pageshow', restored);
    return () => {
      window.removeEventListener('pagehide', drop);
      window.removeEventListener('pageshow', restored);
    };
  }, []);
  useEffect(() => {
    if (expired || !me) setValue(undefined);
  }, [expired, me]);
  return [value, setValue];
}

export function RevealedIdentities(props: { results: ReidResult[]; fields: string[]; onHide: () => void }) {
  const m = useM();
  const w = useReidWords();
  return (
    <section class="revealed" aria-labelledby="revealed-title">
      <h2 id="revealed-title">{m.title}</h2>
      <p class="notice reveal-warning" role="alert">
        <strong>{m.once}</strong>
      </p>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">{m.pseudonym}</th>
              <th scope="col">{m.status}</th>
              {props.fields.map((f) => (
                <th scope="col" key={f}>
                  {word(w, f)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {props.results.map((r, i) => (
              <tr key={`${i}-${r.pseudonym}`}>
                <th scope="row">
                  <code>{r.pseudonym}</code>
                </th>
                <td>
                  <span class={`badge ${statusBadge(r.status)}`}>{word(w, r.status)}</span>
                </td>
                {props.fields.map((f) => (
                  <td key={f} data-field={f}>
                    {r.fields?.[f] ?? ''}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <button type="button" class="secondary" onClick={props.onHide}>
        {m.hide}
      </button>
    </section>
  );
}

export function HiddenNote() {
  const m = useM();
  return <p class="muted">{m.hidden}</p>;
}
