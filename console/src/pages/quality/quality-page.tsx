// The data-quality scorecard: validity per source as bars, rejected rows by rule, each source's
// counts and freshness, and its fields. A source under the validity threshold is flagged in
// words and with a badge, not by colour alone. Counts only: nothing personal.
import { useApi } from '../../api.ts';
import { BarChart } from '../../components/bar-chart.tsx';
import { Loading, Page } from '../../components/page.tsx';
import { ProblemMessage } from '../../components/problem-message.tsx';
import { defineMessages, fmtDateTime, fmtNumber, fmtPercent } from '../../i18n.ts';
import { DataTable } from '../../components/data-table.tsx';
import { TableRegion } from '../../components/table-region.tsx';

interface SourceCard {
  source: string;
  record_type: string;
  batches: number;
  rows: number;
  accepted: number;
  rejected: number;
  validity: number | null;
  duplicate_rate: number | null;
  freshness: { first_batch_at: string; last_batch_at: string; hours_since_last_batch: number };
  rejected_by_rule: Record<string, number>;
  flagged: boolean;
  fields: Record<string, { completeness: number | null; validity: number | null; invalid_by_rule: Record<string, number> }>;
}

interface Scorecard {
  validity_threshold: number;
  sources: SourceCard[];
}

const useM = defineMessages({
  en: {
    title: 'Data quality',
    intro: (p: { threshold: string }) => `Per source and record type, from every ingested batch. A source whose validity is under ${p.threshold} is flagged.`,
    loading: 'Loading…',
    empty: 'No batch has been ingested yet.',
    validityChart: 'Validity per source (share of rows accepted)',
    rulesChart: 'Rejected rows by rule, all sources',
    noRejection: 'No row was rejected.',
    validityText: (p: { share: string; accepted: string; rows: string }) => `${p.share} (${p.accepted} of ${p.rows} rows)`,
    noRows: 'no rows',
    flaggedSuffix: ' — flagged',
    rows: (p: { n: string; count: number }) => (p.count === 1 ? '1 row' : `${p.n} rows`),
    sources: 'Sources',
    source: 'Source',
    recordType: 'Record type',
    batches: 'Batches',
    rowsCol: 'Rows',
    accepted: 'Accepted',
    rejected: 'Rejected',
    validity: 'Validity',
    duplicates: 'Duplicates',
    lastBatch: 'Last batch',
    hoursAgo: (p: { n: string }) => `${p.n} h ago`,
    state: 'State',
    flagged: 'Flagged: under the threshold',
    fine: 'Within the threshold',
    rules: 'Rejections by rule',
    fieldsTitle: (p: { source: string }) => `Fields of ${p.source}`,
    field: 'Field',
    completeness: 'Completeness',
    invalidByRule: 'Invalid by rule',
    dash: '—',
  },
  fr: {
    title: 'Qualité des données',
    intro: (p: { threshold: string }) =>
      `Par source et type d'enregistrement, sur tous les lots ingérés. Une source dont la validité est inférieure à ${p.threshold} est signalée.`,
    loading: 'Chargement…',
    empty: "Aucun lot n'a encore été ingéré.",
    validityChart: 'Validité par source (part des lignes acceptées)',
    rulesChart: 'Lignes rejetées par règle, toutes sources',
    noRejection: "Aucune ligne n'a été rejetée.",
    validityText: (p: { share: string; accepted: string; rows: string }) => `${p.share} (${p.accepted} lignes sur ${p.rows})`,
    noRows: 'aucune ligne',
    flaggedSuffix: ' — signalée',
    rows: (p: { n: string; count: number }) => (p.count === 1 ? '1 ligne' : `${p.n} lignes`),
    sources: 'Sources',
    source: 'Source',
    recordType: "Type d'enregistrement",
    batches: 'Lots',
    rowsCol: 'Lignes',
    accepted: 'Acceptées',
    rejected: 'Rejetées',
    validity: 'Validité',
    duplicates: 'Doublons',
    lastBatch: 'Dernier lot',
    hoursAgo: (p: { n: string }) => `il y a ${p.n} h`,
    state: 'État',
    flagged: 'Signalée : sous le seuil',
    fine: 'Dans le seuil',
    rules: 'Rejets par règle',
    fieldsTitle: (p: { source: string }) => `Champs de ${p.source}`,
    field: 'Champ',
    completeness: 'Complétude',
    invalidByRule: 'Invalides par règle',
    dash: '—',
  },
});

const nameOf = (s: SourceCard) => `${s.source} · ${s.record_type}`;
const rulesText = (r: Record<string, number>, dash: string) =>
  Object.keys(r).length === 0
    ? dash
    : Object.entries(r)
        .map(([k, n]) => `${k}: ${fmtNumber(n)}`)
        .join(', ');

export default function QualityPage() {
  const m = useM();
  const res = useApi<Scorecard>('/v1/quality');
  const card = res.data;
  const ratio = (v: number | null) => (v === null ? m.dash : fmtPercent(v));
  const byRule = new Map<string, number>();
  for (const s of card?.sources ?? []) for (const [rule, n] of Object.entries(s.rejected_by_rule)) byRule.set(rule, (byRule.get(rule) ?? 0) + n);
  return (
    <Page title={m.title}>
      {res.loading && <Loading label={m.loading} />}
      <ProblemMessage error={res.error} />
      {card && (
        <>
          <p>{m.intro({ threshold: fmtPercent(card.validity_threshold) })}</p>
          {card.sources.length === 0 ? (
            <p class="muted">{m.empty}</p>
          ) : (
            <>
              <section class="panel" aria-label={m.validityChart}>
                <BarChart
                  label={m.validityChart}
                  max={1}
                  bars={card.sources.map((s) => ({
                    key: `${s.source}/${s.record_type}`,
                    label: nameOf(s),
                    value: s.validity ?? 0,
                    text:
                      (s.validity === null
                        ? m.noRows
                        : m.validityText({ share: fmtPercent(s.validity), accepted: fmtNumber(s.accepted), rows: fmtNumber(s.rows) })) +
                      (s.flagged ? m.flaggedSuffix : ''),
                  }))}
                />
              </section>
              <section class="panel" aria-label={m.rulesChart}>
                {byRule.size === 0 ? (
                  <p class="muted">{m.noRejection}</p>
                ) : (
                  <BarChart
                    label={m.rulesChart}
                    bars={[...byRule]
                      .sort((a, b) => b[1] - a[1])
                      .map(([rule, n]) => ({ key: rule, label: rule, value: n, text: m.rows({ n: fmtNumber(n), count: n }) }))}
                  />
                )}
              </section>
              <section class="panel" aria-labelledby="quality-sources">
                <h2 id="quality-sources">{m.sources}</h2>
                <TableRegion label={m.sources}>
                  <DataTable
                    class="quality-sources"
                    rows={card.sources}
                    rowKey={(s) => `${s.source}/${s.record_type}`}
                    rowProps={(s) => ({ class: s.flagged ? 'flagged' : undefined, 'data-source': s.source, 'data-record-type': s.record_type })}
                    columns={[
                      { header: m.source, rowHeader: true, cell: (s) => s.source },
                      { header: m.recordType, cell: (s) => s.record_type },
                      {
                        header: m.state,
                        cell: (s) => (s.flagged ? <span class="badge bad">{m.flagged}</span> : <span class="badge ok">{m.fine}</span>),
                      },
                      { header: m.batches, numeric: true, cell: (s) => fmtNumber(s.batches) },
                      { header: m.rowsCol, numeric: true, cell: (s) => fmtNumber(s.rows) },
                      { header: m.accepted, numeric: true, cell: (s) => fmtNumber(s.accepted) },
                      { header: m.rejected, numeric: true, cell: (s) => fmtNumber(s.rejected) },
                      { header: m.validity, numeric: true, cell: (s) => ratio(s.validity) },
                      { header: m.duplicates, numeric: true, cell: (s) => ratio(s.duplicate_rate) },
                      {
                        header: m.lastBatch,
                        cell: (s) => (
                          <>
                            {fmtDateTime(s.freshness.last_batch_at)}
                            <br />
                            <span class="muted small">{m.hoursAgo({ n: fmtNumber(s.freshness.hours_since_last_batch, 1) })}</span>
                          </>
                        ),
                      },
                    ]}
                  />
                </TableRegion>
              </section>
              {card.sources.map((s) => (
                <details key={`${s.source}/${s.record_type}`} class="panel quality-fields">
                  <summary>{m.fieldsTitle({ source: nameOf(s) })}</summary>
                  <p>
                    {m.rules}: {rulesText(s.rejected_by_rule, m.dash)}
                  </p>
                  <TableRegion label={m.fieldsTitle({ source: nameOf(s) })}>
                    <DataTable
                      rows={Object.entries(s.fields)}
                      rowKey={([f]) => f}
                      columns={[
                        { header: m.field, rowHeader: true, cell: ([f]) => <code>{f}</code> },
                        { header: m.completeness, numeric: true, cell: ([, q]) => ratio(q.completeness) },
                        { header: m.validity, numeric: true, cell: ([, q]) => ratio(q.validity) },
                        { header: m.invalidByRule, cell: ([, q]) => rulesText(q.invalid_by_rule, m.dash) },
                      ]}
                    />
                  </TableRegion>
                </details>
              ))}
            </>
          )}
        </>
      )}
    </Page>
  );
}
