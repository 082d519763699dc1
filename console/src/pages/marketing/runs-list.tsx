// The caller's segmentation runs, newest first (the gateway keeps the last hundred per caller),
// a page of them at a time; asked again every few seconds while one of them is still working.
import { useEffect, useState } from 'preact/hooks';
import { useApi } from '../../api.ts';
import { Link } from '../../components/link.tsx';
import { Loading, Page } from '../../components/page.tsx';
import { ProblemMessage } from '../../components/problem-message.tsx';
import { defineMessages, fmtDateTime, fmtNumber, fmtPercent } from '../../i18n.ts';
import { can } from '../../session.ts';
import { statusBadge, useWords } from './marketing-words.ts';
import type { Run } from './run-types.ts';

const PAGE_SIZE = 25;
const REFRESH_MS = 2000;

const useM = defineMessages({
  en: {
    title: 'Segmentation runs',
    loading: 'Loading the runs…',
    none: 'You have no run yet.',
    create: 'New segmentation',
    caption: 'Your runs, newest first',
    created: 'Created',
    method: 'Method',
    purpose: 'Purpose',
    status: 'Status',
    open: (p: { when: string }) => `Run of ${p.when}`,
    previous: 'Previous page',
    next: 'Next page',
    page: (p: { n: string; of: string }) => `Page ${p.n} of ${p.of}`,
    count: (p: { n: string }) => `${p.n} runs`,
  },
  fr: {
    title: 'Exécutions de segmentation',
    loading: 'Chargement des exécutions…',
    none: "Vous n'avez encore aucune exécution.",
    create: 'Nouvelle segmentation',
    caption: 'Vos exécutions, les plus récentes en premier',
    created: 'Créée',
    method: 'Méthode',
    purpose: 'Finalité',
    status: 'État',
    open: (p: { when: string }) => `Exécution du ${p.when}`,
    previous: 'Page précédente',
    next: 'Page suivante',
    page: (p: { n: string; of: string }) => `Page ${p.n} sur ${p.of}`,
    count: (p: { n: string }) => `${p.n} exécutions`,
  },
});

export default function RunsList() {
  const m = useM();
  const w = useWords();
  const { data, error, loading, reload } = useApi<{ runs: Run[] }>('/v1/segmentations');
  const [page, setPage] = useState(0);
  const runs = data?.runs ?? [];
  const working = runs.some((r) => r.status === 'queued' || r.status === 'running');
  useEffect(() => {
    if (!working) return;
    const t = window.setTimeout(reload, REFRESH_MS);
    return () => clearTimeout(t);
  }, [data, working, reload]);
  const pages = Math.max(1, Math.ceil(runs.length / PAGE_SIZE));
  const current = Math.min(page, pages - 1);
  const shown = runs.slice(current * PAGE_SIZE, (current + 1) * PAGE_SIZE);
  return (
    <Page title={m.title} actions={can('segmentations.create') ? <Link to="/segmentations/new">{m.create}</Link> : undefined}>
      <ProblemMessage error={error} />
      {loading && !data && <Loading label={m.loading} />}
      {data && runs.length === 0 && <p>{m.none}</p>}
      {runs.length > 0 && (
        <>
          <div class="table-wrap">
            <table class="runs">
              <caption>
                {m.caption} — {m.count({ n: fmtNumber(runs.length) })}
              </caption>
              <thead>
                <tr>
                  <th scope="col">{m.created}</th>
                  <th scope="col">{m.method}</th>
                  <th scope="col">{m.purpose}</th>
                  <th scope="col">{m.status}</th>
                </tr>
              </thead>
              <tbody>
                {shown.map((r) => (
                  <tr key={r.id} data-run={r.id}>
                    <th scope="row">
                      <Link to={`/runs/${encodeURIComponent(r.id)}`}>{m.open({ when: fmtDateTime(r.created_at) })}</Link>
                    </th>
                    <td>{w[r.method] ?? r.method}</td>
                    <td>{r.purpose}</td>
                    <td>
                      <span class={`badge ${statusBadge(r.status)}`}>{w[r.status]}</span>
                      {(r.status === 'queued' || r.status === 'running') && <span class="muted small"> {fmtPercent(r.progress, 0)}</span>}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {pages > 1 && (
            <nav class="pager" aria-label={m.title}>
              <button type="button" class="secondary" disabled={current === 0} onClick={() => setPage(current - 1)}>
                {m.previous}
              </button>
              <span role="status">{m.page({ n: fmtNumber(current + 1), of: fmtNumber(pages) })}</span>
              <button type="button" class="secondary" disabled={current >= pages - 1} onClick={() => setPage(current + 1)}>
                {m.next}
              </button>
            </nav>
          )}
        </>
      )}
    </Page>
  );
}
