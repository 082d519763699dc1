// Requests no longer waiting: approved (the requester collects the fields once), denied, delivered
// (granted at once included). Never a revealed value: those only show on the request's page.
import { useEffect, useState } from 'preact/hooks';
import { useApi } from '../../api.ts';
import { Link } from '../../components/link.tsx';
import { Loading } from '../../components/page.tsx';
import { ProblemMessage } from '../../components/problem-message.tsx';
import { defineMessages, fmtDateTime } from '../../i18n.ts';
import { Pager, useCursorTrail } from './pager.tsx';
import { Pseudonyms } from './reid-queue.tsx';
import type { RequestList } from './reid-types.ts';
import { statusBadge, useReidWords, word } from './reid-words.ts';

const useM = defineMessages({
  en: {
    title: 'Decided requests',
    caption: 'Decided re-identification requests, newest first',
    loading: 'Loading the history…',
    none: 'No decided request yet.',
    requested: 'Requested',
    requester: 'Requester',
    purpose: 'Purpose',
    fields: 'Fields',
    subjects: 'Pseudonyms',
    status: 'Status',
    decidedBy: 'Decided by',
    open: 'Request',
    collect: 'Collect the fields (shown once)',
    view: 'Open',
    notPseudonyms: (p: { n: number }) => `and ${p.n} entries that were no pseudonym (not shown)`,
    pages: 'Pages of the history',
  },
  fr: {
    title: 'Demandes tranchées',
    caption: 'Demandes de réidentification tranchées, les plus récentes en premier',
    loading: "Chargement de l'historique…",
    none: 'Aucune demande tranchée pour le moment.',
    requested: 'Demandée le',
    requester: 'Demandeur',
    purpose: 'Finalité',
    fields: 'Champs',
    subjects: 'Pseudonymes',
    status: 'État',
    decidedBy: 'Tranchée par',
    open: 'Demande',
    collect: 'Obtenir les champs (affichés une fois)',
    view: 'Ouvrir',
    notPseudonyms: (p: { n: number }) => `et ${p.n} entrées qui n'étaient pas des pseudonymes (non affichées)`,
    pages: "Pages de l'historique",
  },
});

export function DecidedHistory(props: { refresh: number }) {
  const m = useM();
  const w = useReidWords();
  const [cursor, setCursor] = useState<string>();
  const trail = useCursorTrail(setCursor);
  const list = useApi<RequestList>(`/v1/reidentifications?status=decided${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
  useEffect(() => {
    if (props.refresh > 0) list.reload();
  }, [props.refresh]);
  const requests = list.data?.requests;
  return (
    <section aria-labelledby="reid-history-title">
      <h2 id="reid-history-title">{m.title}</h2>
      {list.loading && !requests && <Loading label={m.loading} />}
      <ProblemMessage error={list.error} />
      {requests && requests.length === 0 && <p class="muted">{m.none}</p>}
      {requests && requests.length > 0 && (
        <div class="table-wrap">
          <table class="reid-history">
            <caption class="visually-hidden">{m.caption}</caption>
            <thead>
              <tr>
                <th scope="col">{m.requested}</th>
                <th scope="col">{m.requester}</th>
                <th scope="col">{m.purpose}</th>
                <th scope="col">{m.fields}</th>
                <th scope="col">{m.subjects}</th>
                <th scope="col">{m.status}</th>
                <th scope="col">{m.decidedBy}</th>
                <th scope="col">{m.open}</th>
              </tr>
            </thead>
            <tbody>
              {requests.map((r) => (
                <tr key={r.id} data-request={r.id} data-status={r.status}>
                  <td class="nowrap">{fmtDateTime(r.created_at)}</td>
                  <td>{r.requester}</td>
                  <td>{r.purpose}</td>
                  <td>{r.fields.map((f) => word(w, f)).join(', ')}</td>
                  <td>
                    <Pseudonyms r={r} notPseudonyms={m.notPseudonyms} />
                  </td>
                  <td>
                    <span class={`badge ${statusBadge(r.status)}`}>{word(w, r.status)}</span>
                  </td>
                  <td>
                    {r.decided_by ?? ''}
                    {r.decided_at && <div class="muted small">{fmtDateTime(r.decided_at)}</div>}
                  </td>
                  <td>
                    <Link to={`/reidentifications/${encodeURIComponent(r.id)}`}>
                      {r.own && r.status === 'approved' ? m.collect : m.view}
                      <span class="visually-hidden"> {r.id}</span>
                    </Link>
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
