// The DPO's audit log: the chain's state, filters kept in the address, pages by the API's cursor,
// and an export of the whole filtered range (CSV or NDJSON) as the gateway streams it.
import { useEffect, useState } from 'preact/hooks';
import { ApiError, apiFile, fieldErrors, saveFile, useApi } from '../../api.ts';
import { Loading, Page } from '../../components/page.tsx';
import { ProblemMessage } from '../../components/problem-message.tsx';
import { defineMessages } from '../../i18n.ts';
import { navigate, useLocation } from '../../router.ts';
import { apiQuery, pageQuery, viewFromQuery, type AuditFilters, type AuditView } from './audit-filters.ts';
import { AuditFilterForm } from './audit-filter-form.tsx';
import { AuditTable } from './audit-table.tsx';
import type { AuditPage as AuditPageAnswer } from './audit-types.ts';
import { ChainStatus } from './chain-status.tsx';
import { Pager, useCursorTrail } from './pager.tsx';

const useM = defineMessages({
  en: {
    title: 'Audit log',
    chain: 'Integrity',
    entries: 'Entries',
    loading: 'Loading entries…',
    pages: 'Pages of entries',
    range: (p: { first: number; last: number }) => `Seq ${p.first} to ${p.last}`,
    export: 'Export',
    exportHint: 'Every entry matching the filters (all pages), as the gateway streams it. The export is itself an audit entry.',
    csv: 'Export CSV',
    ndjson: 'Export NDJSON',
    exporting: 'Exporting…',
    exported: (p: { name: string }) => `Saved ${p.name}.`,
  },
  fr: {
    title: "Journal d'audit",
    chain: 'Intégrité',
    entries: 'Entrées',
    loading: 'Chargement des entrées…',
    pages: "Pages d'entrées",
    range: (p: { first: number; last: number }) => `Séq. ${p.first} à ${p.last}`,
    export: 'Export',
    exportHint:
      "Toutes les entrées qui correspondent aux filtres (toutes les pages), telles que la passerelle les transmet. L'export est lui-même une entrée d'audit.",
    csv: 'Exporter en CSV',
    ndjson: 'Exporter en NDJSON',
    exporting: 'Export en cours…',
    exported: (p: { name: string }) => `${p.name} enregistré.`,
  },
});

const stamp = () => new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');

export default function AuditPage() {
  const m = useM();
  const { query } = useLocation();
  // the actor filter lives in the page only (see audit-filters.ts)
  const [actor, setActor] = useState<string>();
  const view = viewFromQuery(query, actor);
  const filterKey = pageQuery({ ...view, cursor: undefined });
  const go = (v: AuditView) => navigate(`/audit${pageQuery(v)}`);
  const trail = useCursorTrail((cursor) => go({ ...view, cursor }));
  useEffect(() => trail.forget(), [filterKey, actor]);
  const page = useApi<AuditPageAnswer>(`/v1/audit?${apiQuery(view.filters, { cursor: view.cursor, limit: String(view.limit) })}`);

  const [exporting, setExporting] = useState<string>();
  const [exported, setExported] = useState<string>();
  const [exportError, setExportError] = useState<unknown>();
  const exportAs = async (format: 'csv' | 'ndjson') => {
    setExporting(format);
    setExported(undefined);
    setExportError(undefined);
    try {
      const blob = await apiFile(`/v1/audit?${apiQuery(view.filters, { format })}`, format === 'csv' ? 'text/csv' : 'application/x-ndjson');
      const name = `veilgate-audit-${stamp()}.${format}`;
      saveFile(blob, name);
      setExported(name);
    } catch (e) {
      setExportError(e);
    } finally {
      setExporting(undefined);
    }
  };

  const apply = (filters: AuditFilters, limit: number) => {
    const next = { filters, limit, cursor: undefined };
    // the same filters again: read the log again (new entries may have come)
    if (pageQuery(next) === pageQuery(view) && filters.actor === actor) page.reload();
    setActor(filters.actor);
    go(next);
  };
  const entries = page.data?.entries;
  return (
    <Page title={m.title}>
      <section class="panel" aria-labelledby="audit-chain">
        <h2 id="audit-chain">{m.chain}</h2>
        <ChainStatus />
      </section>
      <AuditFilterForm key={filterKey + (actor ?? '')} view={view} onApply={apply} apiErrors={page.error instanceof ApiError ? fieldErrors(page.error) : {}} />
      <section aria-labelledby="audit-entries">
        <h2 id="audit-entries">{m.entries}</h2>
        {page.loading && <Loading label={m.loading} />}
        <ProblemMessage error={page.error} />
        {entries && !page.loading && (
          <>
            <AuditTable entries={entries} subjectLink={(p) => `/audit${pageQuery({ filters: { subject: p }, limit: view.limit, cursor: undefined })}`} />
            <Pager
              label={m.pages}
              current={view.cursor}
              nextCursor={page.data?.next_cursor}
              trail={trail}
              status={entries.length > 0 ? m.range({ first: entries[0]!.seq, last: entries[entries.length - 1]!.seq }) : undefined}
            />
          </>
        )}
      </section>
      <section class="panel" aria-labelledby="audit-export">
        <h2 id="audit-export">{m.export}</h2>
        <p class="hint">{m.exportHint}</p>
        <div class="button-row">
          <button type="button" class="secondary" disabled={exporting !== undefined} onClick={() => void exportAs('csv')}>
            {m.csv}
          </button>
          <button type="button" class="secondary" disabled={exporting !== undefined} onClick={() => void exportAs('ndjson')}>
            {m.ndjson}
          </button>
        </div>
        <div role="status" aria-live="polite">
          {exporting && <p class="muted">{m.exporting}</p>}
          {exported && <p class="success">{m.exported({ name: exported })}</p>}
        </div>
        <ProblemMessage error={exportError} />
      </section>
    </Page>
  );
}
