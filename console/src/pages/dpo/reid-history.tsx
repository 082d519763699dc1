// Requests no longer waiting: approved (the requester collects the fields once), denied, delivered
// (granted at once included). Never a revealed value: those only show on the request's page.
import { Link } from '../../components/link.tsx';
import { defineMessages, fmtDateTime } from '../../i18n.ts';
import { Pseudonyms, RequestTable, useRequestPage } from './reid-request-table.tsx';
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
  const page = useRequestPage('decided', props.refresh);
  return (
    <section aria-labelledby="reid-history-title">
      <h2 id="reid-history-title">{m.title}</h2>
      <RequestTable
        page={page}
        class="reid-history"
        words={{ loading: m.loading, none: m.none, caption: m.caption, pages: m.pages }}
        rowProps={(r) => ({ 'data-request': r.id, 'data-status': r.status })}
        columns={[
          { header: m.requested, class: 'nowrap', cell: (r) => fmtDateTime(r.created_at) },
          { header: m.requester, cell: (r) => r.requester },
          { header: m.purpose, cell: (r) => r.purpose },
          { header: m.fields, cell: (r) => r.fields.map((f) => word(w, f)).join(', ') },
          { header: m.subjects, cell: (r) => <Pseudonyms r={r} notPseudonyms={m.notPseudonyms} /> },
          { header: m.status, cell: (r) => <span class={`badge ${statusBadge(r.status)}`}>{word(w, r.status)}</span> },
          {
            header: m.decidedBy,
            cell: (r) => (
              <>
                {r.decided_by ?? ''}
                {r.decided_at && <div class="muted small">{fmtDateTime(r.decided_at)}</div>}
              </>
            ),
          },
          {
            header: m.open,
            cell: (r) => (
              <Link to={`/reidentifications/${encodeURIComponent(r.id)}`}>
                {r.own && r.status === 'approved' ? m.collect : m.view}
                <span class="visually-hidden"> {r.id}</span>
              </Link>
            ),
          },
        ]}
      />
    </section>
  );
}
