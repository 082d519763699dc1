// Requests waiting for a second DPO: who asked, for what and why. The requester's own request
// cannot be decided by them (four eyes): its buttons are disabled with the reason; the gateway
// refuses such a decision anyway, and its refusal shows if the page is forced.
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, useApi } from '../../api.ts';
import { Loading } from '../../components/page.tsx';
import { ProblemMessage } from '../../components/problem-message.tsx';
import { defineMessages, fmtDateTime } from '../../i18n.ts';
import { useSession } from '../../session.ts';
import { Pager, useCursorTrail } from './pager.tsx';
import type { ListedRequest, RequestList } from './reid-types.ts';
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

export function Pseudonyms(props: { r: ListedRequest; notPseudonyms: (p: { n: number }) => string }) {
  return (
    <ul class="plain">
      {props.r.pseudonyms.map((p) => (
        <li key={p}>
          <code>{p}</code>
        </li>
      ))}
      {props.r.not_pseudonyms > 0 && <li class="muted small">{props.notPseudonyms({ n: props.r.not_pseudonyms })}</li>}
    </ul>
  );
}

export function PendingQueue(props: { refresh: number; onDecided: () => void }) {
  const m = useM();
  const w = useReidWords();
  const fourEyes = new Set(useSession().me?.privilege.four_eyes_fields ?? []);
  const [cursor, setCursor] = useState<string>();
  const trail = useCursorTrail(setCursor);
  const list = useApi<RequestList>(`/v1/reidentifications?status=pending_approval${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
  useEffect(() => {
    if (props.refresh > 0) list.reload();
  }, [props.refresh]);
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
      if (e instanceof ApiError && (e.status === 409 || e.status === 404)) list.reload();
    } finally {
      setBusy(undefined);
    }
  };

  const requests = list.data?.requests;
  return (
    <section aria-labelledby="reid-queue-title">
      <h2 id="reid-queue-title">{m.title}</h2>
      <div role="status" aria-live="polite">
        {done && <p class="success">{done}</p>}
      </div>
      <ProblemMessage error={error} />
      {list.loading && !requests && <Loading label={m.loading} />}
      <ProblemMessage error={list.error} />
      {requests && requests.length === 0 && <p class="muted">{m.none}</p>}
      {requests && requests.length > 0 && (
        <div class="table-wrap">
          <table class="reid-queue">
            <caption class="visually-hidden">{m.caption}</caption>
            <thead>
              <tr>
                <th scope="col">{m.requested}</th>
                <th scope="col">{m.requester}</th>
                <th scope="col">{m.purpose}</th>
                <th scope="col">{m.justification}</th>
                <th scope="col">{m.fields}</th>
                <th scope="col">{m.subjects}</th>
                <th scope="col">{m.decision}</th>
              </tr>
            </thead>
            <tbody>
              {requests.map((r) => (
                <tr key={r.id} data-request={r.id}>
                  <td class="nowrap">{fmtDateTime(r.created_at)}</td>
                  <td class="requester">{r.requester}</td>
                  <td class="purpose">{r.purpose}</td>
                  <td class="justification">{r.justification}</td>
                  <td class="fields">
                    <ul class="plain">
                      {r.fields.map((f) => (
                        <li key={f}>
                          {word(w, f)} <code class="small">{f}</code>
                          {fourEyes.has(f) && <span class="badge neutral small">{m.fourEyes}</span>}
                        </li>
                      ))}
                    </ul>
                  </td>
                  <td>
                    <Pseudonyms r={r} notPseudonyms={m.notPseudonyms} />
                  </td>
                  <td>
                    <div class="button-row">
                      <button
                        type="button"
                        data-decision="approve"
                        disabled={r.own || busy !== undefined}
                        aria-describedby={r.own ? `own-${r.id}` : undefined}
                        onClick={() => void decide(r.id, 'approve')}
                      >
                        {m.approve}
                        <span class="visually-hidden"> {m.request({ id: r.id })}</span>
                      </button>
                      <button
                        type="button"
                        class="danger"
                        data-decision="deny"
                        disabled={r.own || busy !== undefined}
                        aria-describedby={r.own ? `own-${r.id}` : undefined}
                        onClick={() => void decide(r.id, 'deny')}
                      >
                        {m.deny}
                        <span class="visually-hidden"> {m.request({ id: r.id })}</span>
                      </button>
                    </div>
                    {r.own && (
                      <p class="small own-note" id={`own-${r.id}`}>
                        {m.own}
                      </p>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager label={m.pages} current={cursor} nextCursor={list.data?.next_cursor} trail={trail} />
    </section>
  );
}
