// One re-identification request. Opened by its requester once approved, the gateway delivers the
// fields in this one answer and never again: they are shown with that warning, kept in this
// page's memory only, and gone once the user hides them or leaves.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../../api.ts';
import { Link } from '../../components/link.tsx';
import { Loading, Page } from '../../components/page.tsx';
import { ProblemMessage } from '../../components/problem-message.tsx';
import { defineMessages, fmtDateTime } from '../../i18n.ts';
import type { RequestState } from './reid-types.ts';
import { statusBadge, useReidWords, word } from './reid-words.ts';
import { HiddenNote, RevealedIdentities, useEphemeral } from './revealed-identities.tsx';

const useM = defineMessages({
  en: {
    title: 'Re-identification request',
    loading: 'Loading the request…',
    id: 'Request',
    status: 'Status',
    purpose: 'Purpose',
    fields: 'Fields',
    created: 'Requested',
    pending_approval: "Waiting for a second DPO's approval. Nothing is revealed before.",
    approved: 'Approved: only its requester can collect the fields, once.',
    denied: 'Denied: nothing is revealed.',
    delivered: 'The fields of this request were delivered already. They are not shown again.',
    back: 'Back to re-identifications',
  },
  fr: {
    title: 'Demande de réidentification',
    loading: 'Chargement de la demande…',
    id: 'Demande',
    status: 'État',
    purpose: 'Finalité',
    fields: 'Champs',
    created: 'Demandée le',
    pending_approval: "En attente de l'approbation d'un second DPO. Rien n'est révélé avant.",
    approved: 'Approuvée : seul son demandeur peut obtenir les champs, une seule fois.',
    denied: "Refusée : rien n'est révélé.",
    delivered: 'Les champs de cette demande ont déjà été remis. Ils ne sont plus affichés.',
    back: 'Retour aux réidentifications',
  },
});

export default function ReidentificationPage(props: { params: Record<string, string> }) {
  const m = useM();
  const w = useReidWords();
  const id = props.params['id'] ?? '';
  const [state, setState] = useState<RequestState>();
  const [error, setError] = useState<unknown>();
  const [revealed, setRevealed] = useEphemeral<RequestState['results']>();
  const [hidden, setHidden] = useState(false);
  useEffect(() => {
    let live = true;
    setState(undefined);
    setError(undefined);
    setHidden(false);
    // a GET by the requester of an approved request is the delivery: made once, on arrival
    api<RequestState>('GET', `/v1/reidentifications/${encodeURIComponent(id)}`).then(
      ({ results, ...rest }) => {
        if (!live) return;
        setState(rest);
        setRevealed(results);
      },
      (e: unknown) => live && setError(e),
    );
    return () => {
      live = false;
    };
  }, [id]);

  return (
    <Page title={m.title}>
      <p>
        <Link to="/reidentifications">{m.back}</Link>
      </p>
      {!state && !error && <Loading label={m.loading} />}
      <ProblemMessage error={error} />
      {state && (
        <>
          <dl class="facts panel">
            <dt>{m.id}</dt>
            <dd>
              <code>{state.id}</code>
            </dd>
            <dt>{m.status}</dt>
            <dd>
              <span class={`badge ${statusBadge(state.status)}`} data-status={state.status}>
                {word(w, state.status)}
              </span>
            </dd>
            <dt>{m.purpose}</dt>
            <dd>{state.purpose}</dd>
            <dt>{m.fields}</dt>
            <dd>{state.fields.map((f) => word(w, f)).join(', ')}</dd>
            <dt>{m.created}</dt>
            <dd>{fmtDateTime(state.created_at)}</dd>
          </dl>
          {revealed ? (
            <RevealedIdentities
              results={revealed}
              fields={state.fields}
              onHide={() => {
                setRevealed(undefined);
                setHidden(true);
              }}
            />
          ) : hidden ? (
            <HiddenNote />
          ) : (
            <p class={state.status === 'denied' ? 'problem' : 'notice'} data-state-note={state.status}>
              {m[state.status]}
            </p>
          )}
        </>
      )}
    </Page>
  );
}
