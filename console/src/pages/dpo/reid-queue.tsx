// Requests waiting for a second DPO: who asked, for what and why. The requester's own request
// cannot be decided by them (four eyes): its buttons are disabled with the reason; the gateway
// refuses such a decision anyway, and its refusal shows if the page is forced.
import { useState } from 'preact/hooks';
import { api, ApiError } from '../../api.ts';
import { ProblemMessage } from '../../components/problem-message.tsx';
import { defineMessages, fmtDateTime } from '../../i18n.ts';
import { useSession } from '../../session.ts';
import { Pseudonyms, RequestTable, useRequestPage } from './reid-request-table.tsx';
import type { ListedRequest } from './reid-types.ts';
import { useReidWords, word } from './reid-words.ts';

const useM = defineMessages({
  en: {
    title: 'Waiting for approval',
    caption: 'Requests waiting for a second DPO',
    loading: 'Loading the queue…',
    none: 'No request is waiting for approval.',
    requested: 'Requested',
    requester: 'Requester',
    purpose: 'Purpose',
    justification: 'Justification',
    fields: 'Fields',
    subjects: 'Pseudonyms',
    decision: 'Decision',
    approve: 'Approve',
    deny: 'Deny',
    request: (p: { id: string }) => `request ${p.id}`,
    own: 'You made this request: another DPO must decide it (four eyes).',
    notPseudonyms: (p: { n: number }) => `and ${p.n} entries that were no pseudonym (not shown)`,
    approved: (p: { id: string }) => `Request ${p.id} approved: its requester can now collect the fields, once.`,
    denied: (p: { id: string }) => `Request ${p.id} denied.`,
    pages: 'Pages of the queue',
    fourEyes: 'second DPO',
  },
  fr: {
    title: "En attente d'approbation",
    caption: "Demandes en attente d'un second DPO",
    loading: 'Chargement de la file…',
    none: "Aucune demande n'attend d'approbation.",
    requested: 'Demandée le',
    requester: 'Demandeur',
    purpose: 'Finalité',
    justification: 'Justification',
    fields: 'Champs',
    subjects: 'Pseudonymes',
    decision: 'Décision',
    approve: 'Approuver',
    deny: 'Refuser',
    request: (p: { id: string }) => `la demande ${p.id}`,
    own: 'Vous avez fait cette demande : un autre DPO doit la trancher (principe des quatre yeux).',
    notPseudonyms: (p: { n: number }) => `et ${p.n} entrées qui n'étaient pas des pseudonymes (non affichées)`,
    approved: (p: { id: string }) => `Demande ${p.id} approuvée : son demandeur peut maintenant obtenir les champs, une seule fois.`,
    denied: (p: { id: string }) => `Demande ${p.id} refusée.`,
    pages: 'Pages de la file',
    fourEyes: 'second DPO',
  },
});

export function PendingQueue(props: { refresh: number; onDecided: () => void }) {
  const m = useM();
  const w = useReidWords();
  const fourEyes = new Set(useSession().me?.privilege.four_eyes_fields ?? []);
  const page = useRequestPage('pending_approval', props.refresh);
  const [busy, setBusy] = useState<string>();
  const [done, setDone] = useState<string>();
  const [error, setError] = useState<unknown>();

  const decide = async (id: string, decision: 'approve' | 'deny') => {
    setBusy(id);
    setDone(undefined);
    setError(undefined);
    try {
      await api('POST', `/v1/reidentifications/${encodeURIComponent(id)}/${decision}`);
      setDone(decision === 'approve' ? m.approved({ id }) : m.denied({ id }));
      props.onDecided();
    } catch (e) {
      setError(e);
      // decided meanwhile, or gone: the queue shown is stale
      if (e instanceof ApiError && (e.status === 409 || e.status === 404)) page.list.reload();
    } finally {
      setBusy(undefined);
    }
  };

  // the requester's own request: disabled, and the note below says why
  const button = (r: ListedRequest, decision: 'approve' | 'deny') => (
    <button
      type="button"
      class={decision === 'deny' ? 'danger' : undefined}
      data-decision={decision}
      disabled={r.own || busy !== undefined}
      aria-describedby={r.own ? `own-${r.id}` : undefined}
      onClick={() => void decide(r.id, decision)}
    >
      {m[decision]}
      <span class="visually-hidden"> {m.request({ id: r.id })}</span>
    </button>
  );
  const decision = (r: ListedRequest) => (
    <>
      <div class="button-row">
        {button(r, 'approve')}
        {button(r, 'deny')}
      </div>
      {r.own && (
        <p class="small own-note" id={`own-${r.id}`}>
          {m.own}
        </p>
      )}
    </>
  );

  return (
    <section aria-labelledby="reid-queue-title">
      <h2 id="reid-queue-title">{m.title}</h2>
      <div role="status" aria-live="polite">
        {done && <p class="success">{done}</p>}
      </div>
      <ProblemMessage error={error} />
      <RequestTable
        page={page}
        class="reid-queue"
        words={{ loading: m.loading, none: m.none, caption: m.caption, pages: m.pages }}
        rowProps={(r) => ({ 'data-request': r.id })}
        columns={[
          { header: m.requested, class: 'nowrap', cell: (r) => fmtDateTime(r.created_at) },
          { header: m.requester, class: 'requester', cell: (r) => r.requester },
          { header: m.purpose, class: 'purpose', cell: (r) => r.purpose },
          { header: m.justification, class: 'justification', cell: (r) => r.justification },
          {
            header: m.fields,
            class: 'fields',
            cell: (r) => (
              <ul class="plain">
                {r.fields.map((f) => (
                  <li key={f}>
                    {word(w, f)} <code class="small">{f}</code>
                    {fourEyes.has(f) && <span class="badge neutral small">{m.fourEyes}</span>}
                  </li>
                ))}
              </ul>
            ),
          },
          { header: m.subjects, cell: (r) => <Pseudonyms r={r} notPseudonyms={m.notPseudonyms} /> },
          { header: m.decision, cell: decision },
        ]}
      />
    </section>
  );
}
