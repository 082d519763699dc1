// One segmentation run: its progress while it works (polled), then its segments, their profiles
// and the receipt. Everything rendered is per segment (tens of rows), never per member, so a run
// over a million people reads as fast as one over a thousand.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../../api.ts';
import { BarChart } from '../../components/bar-chart.tsx';
import { Link } from '../../components/link.tsx';
import { Loading, Page } from '../../components/page.tsx';
import { ProblemMessage } from '../../components/problem-message.tsx';
import { defineMessages, fmtDateTime, fmtNumber, fmtPercent } from '../../i18n.ts';
import { can, useSession } from '../../session.ts';
import { hiddenSegments } from './hidden-segments.ts';
import { statusBadge, useWords } from './marketing-words.ts';
import { MemberDownload } from './member-download.tsx';
import { ClusterQuality, RunReceipt } from './run-receipt.tsx';
import type { Run, Segment } from './run-types.ts';
import { SegmentProfiles } from './segment-profiles.tsx';

const POLL_MS = 500;

const useM = defineMessages({
  en: {
    title: 'Segmentation run',
    loading: 'Loading the run…',
    run: 'Run',
    status: 'Status',
    method: 'Method',
    purpose: 'Purpose',
    created: 'Created',
    people: 'People in the visible segments',
    progress: 'Progress of the run',
    progressText: (p: { pct: string }) => `${p.pct} done`,
    failed: 'The run failed.',
    retry: 'Try again',
    segments: 'Segments',
    chart: 'Size of each visible segment',
    barText: (p: { size: string; share: string }) => `${p.size} people (${p.share})`,
    segment: 'Segment',
    size: 'People',
    share: 'Share',
    distinguishing: 'What sets it apart',
    definition: 'Definition',
    members: 'Members',
    hiddenName: 'Hidden segment',
    everyoneElse: 'Everyone else',
    hidden: 'hidden (under the minimum group size)',
    hiddenNote: (p: { n: string; min: string }) => `${p.n} segment(s) hidden: fewer than ${p.min} people. They are neither shown nor counted.`,
    dissolvedNote: 'k-means dissolves a cluster under the minimum group size into the nearest visible ones.',
    noSegment: 'No segment is large enough to be shown.',
    download: 'Download members (CSV)',
    downloadAll: 'Download all members (CSV)',
    downloadHint: 'Pseudonyms only, one per line; the export is recorded in the audit log.',
    high: 'above average',
    low: 'below average',
    mostly: (p: { level: string }) => `over-represented: ${p.level}`,
    effect: (p: { e: string }) => `effect ${p.e}`,
    backToRuns: 'All runs',
    features: 'Features asked for',
    noFeature: 'none',
    parameters: 'Parameters',
    k: (p: { k: string }) => `k = ${p.k}`,
    kRange: (p: { min: string; max: string }) => `k between ${p.min} and ${p.max}, chosen by silhouette`,
    seed: (p: { seed: string }) => `seed ${p.seed}`,
    target: (p: { target: string }) => `target ${p.target}`,
    depth: (p: { depth: string }) => `maximum depth ${p.depth}`,
    rulesList: (p: { names: string }) => `rules, in order: ${p.names}`,
    quoted: (p: { text: string }) => `“${p.text}”`,
  },
  fr: {
    title: 'Exécution de segmentation',
    loading: "Chargement de l'exécution…",
    run: 'Exécution',
    status: 'État',
    method: 'Méthode',
    purpose: 'Finalité',
    created: 'Créée',
    people: 'Personnes dans les segments visibles',
    progress: "Avancement de l'exécution",
    progressText: (p: { pct: string }) => `${p.pct} effectués`,
    failed: "L'exécution a échoué.",
    retry: 'Réessayer',
    segments: 'Segments',
    chart: 'Taille de chaque segment visible',
    barText: (p: { size: string; share: string }) => `${p.size} personnes (${p.share})`,
    segment: 'Segment',
    size: 'Personnes',
    share: 'Part',
    distinguishing: 'Ce qui le distingue',
    definition: 'Définition',
    members: 'Membres',
    hiddenName: 'Segment masqué',
    everyoneElse: 'Tous les autres',
    hidden: 'masqué (sous la taille minimale de groupe)',
    hiddenNote: (p: { n: string; min: string }) => `${p.n} segment(s) masqué(s) : moins de ${p.min} personnes. Ils ne sont ni montrés ni comptés.`,
    dissolvedNote: 'Les k-moyennes fondent un groupe sous la taille minimale dans les groupes visibles les plus proches.',
    noSegment: "Aucun segment n'est assez grand pour être montré.",
    download: 'Télécharger les membres (CSV)',
    downloadAll: 'Télécharger tous les membres (CSV)',
    downloadHint: "Pseudonymes uniquement, un par ligne ; l'export est consigné dans le journal d'audit.",
    high: 'au-dessus de la moyenne',
    low: 'en dessous de la moyenne',
    mostly: (p: { level: string }) => `surreprésenté : ${p.level}`,
    effect: (p: { e: string }) => `effet ${p.e}`,
    backToRuns: 'Toutes les exécutions',
    features: 'Variables demandées',
    noFeature: 'aucune',
    parameters: 'Paramètres',
    k: (p: { k: string }) => `k = ${p.k}`,
    kRange: (p: { min: string; max: string }) => `k entre ${p.min} et ${p.max}, choisi par silhouette`,
    seed: (p: { seed: string }) => `graine ${p.seed}`,
    target: (p: { target: string }) => `cible ${p.target}`,
    depth: (p: { depth: string }) => `profondeur maximale ${p.depth}`,
    rulesList: (p: { names: string }) => `règles, dans l'ordre : ${p.names}`,
    quoted: (p: { text: string }) => `« ${p.text} »`,
  },
});

const active = (r: Run | undefined) => r?.status === 'queued' || r?.status === 'running';

/** GETs the run, again every POLL_MS while it is queued or running. */
function usePolledRun(id: string): { run: Run | undefined; error: unknown; retry: () => void } {
  const [run, setRun] = useState<Run>();
  const [error, setError] = useState<unknown>();
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    let live = true;
    let timer: number | undefined;
    // another run's answer is not shown while this one loads
    setRun((r) => (r?.id === id ? r : undefined));
    const tick = async () => {
      try {
        const r = await api<Run>('GET', `/v1/segmentations/${encodeURIComponent(id)}`);
        if (!live) return;
        setRun(r);
        setError(undefined);
        if (active(r)) timer = window.setTimeout(() => void tick(), POLL_MS);
      } catch (e) {
        if (live) setError(e);
      }
    };
    void tick();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [id, attempt]);
  return { run, error, retry: () => setAttempt((a) => a + 1) };
}

/** What the run was asked, in words (the gateway echoes the request of one run). */
function RequestFacts(props: { run: Run }) {
  const m = useM();
  const q = props.run.request;
  if (!q) return null;
  const params: string[] = [];
  if (q.k !== undefined) params.push(m.k({ k: fmtNumber(q.k) }));
  if (q.k_range) params.push(m.kRange({ min: fmtNumber(q.k_range[0]), max: fmtNumber(q.k_range[1]) }));
  if (q.target !== undefined) params.push(m.target({ target: q.target }));
  if (q.max_depth !== undefined) params.push(m.depth({ depth: fmtNumber(q.max_depth) }));
  if (q.seed !== undefined) params.push(m.seed({ seed: String(q.seed) }));
  if (q.rules) params.push(m.rulesList({ names: q.rules.map((r) => m.quoted({ text: r.name })).join(', ') }));
  return (
    <>
      <dt>{m.features}</dt>
      <dd>{q.features.length > 0 ? q.features.join(', ') : m.noFeature}</dd>
      {params.length > 0 && (
        <>
          <dt>{m.parameters}</dt>
          <dd>{params.join(' · ')}</dd>
        </>
      )}
    </>
  );
}

function Distinguishing(props: { s: Segment }) {
  const m = useM();
  if (props.s.top_features.length === 0) return null;
  return (
    <ul class="plain">
      {props.s.top_features.map((t) => (
        <li key={t.feature}>
          <strong>{t.feature}</strong>: {t.direction === 'high' ? m.high : t.direction === 'low' ? m.low : m.mostly({ level: t.direction })}{' '}
          <span class="muted small">({m.effect({ e: fmtNumber(t.effect, 2) })})</span>
        </li>
      ))}
    </ul>
  );
}

function Segments(props: { run: Run }) {
  const m = useM();
  const { me } = useSession();
  const run = props.run;
  const result = run.result!;
  const hidden = hiddenSegments(run);
  const exportable = (me?.privilege.export_members ?? false) && can('segmentations.members');
  const base = `/v1/segmentations/${encodeURIComponent(run.id)}`;
  const defined = result.segments.some((s) => s.rule !== undefined);
  const columns = 3 + (defined ? 1 : 0) + (exportable ? 1 : 0);
  return (
    <section class="panel" aria-labelledby="segments-heading">
      <h2 id="segments-heading">{m.segments}</h2>
      {result.segments.length === 0 ? (
        <p class="notice">{m.noSegment}</p>
      ) : (
        <BarChart
          label={m.chart}
          bars={result.segments.map((s) => ({
            key: s.id,
            label: s.label,
            value: s.size,
            text: m.barText({ size: fmtNumber(s.size), share: fmtPercent(s.share) }),
          }))}
        />
      )}
      {hidden.length > 0 && (
        <p class="notice" data-hidden-note>
          {m.hiddenNote({ n: fmtNumber(hidden.length), min: fmtNumber(result.receipt.min_group_size) })} {run.method === 'kmeans' && m.dissolvedNote}
        </p>
      )}
      <div class="table-wrap">
        <table class="segments">
          <caption class="visually-hidden">{m.segments}</caption>
          <thead>
            <tr>
              <th scope="col">{m.segment}</th>
              <th scope="col" class="num">
                {m.size}
              </th>
              <th scope="col" class="num">
                {m.share}
              </th>
              <th scope="col">{m.distinguishing}</th>
              {defined && <th scope="col">{m.definition}</th>}
              {exportable && <th scope="col">{m.members}</th>}
            </tr>
          </thead>
          <tbody>
            {result.segments.map((s) => (
              <tr key={s.id} data-segment={s.id}>
                <th scope="row">{s.label}</th>
                <td class="num">{fmtNumber(s.size)}</td>
                <td class="num">{fmtPercent(s.share)}</td>
                <td>
                  <Distinguishing s={s} />
                </td>
                {defined && <td>{s.rule && <code class="wrap">{s.rule}</code>}</td>}
                {exportable && (
                  <td>
                    <MemberDownload
                      path={`${base}/segments/${encodeURIComponent(s.id)}/members`}
                      fileName={`${run.id}-${s.id}.csv`}
                      text={m.download}
                      context={s.label}
                    />
                  </td>
                )}
              </tr>
            ))}
            {hidden.map((h, i) => (
              <tr key={`hidden-${i}`} data-hidden="true" class="hidden-segment">
                <th scope="row">{h.name ?? (h.remainder ? m.everyoneElse : m.hiddenName)}</th>
                <td colSpan={columns}>
                  <span class="badge neutral">{m.hidden}</span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {exportable && result.segments.length > 0 && (
        <div class="run-export">
          <MemberDownload path={`${base}/members`} fileName={`${run.id}-members.csv`} text={m.downloadAll} />
          <p class="hint">{m.downloadHint}</p>
        </div>
      )}
    </section>
  );
}

export default function RunPage(props: { params: Record<string, string> }) {
  const m = useM();
  const w = useWords();
  const id = props.params['id'] ?? '';
  const { run, error, retry } = usePolledRun(id);
  return (
    <Page title={m.title} actions={<Link to="/runs">{m.backToRuns}</Link>}>
      {error !== undefined && (
        <>
          <ProblemMessage error={error} />
          <button type="button" class="secondary" onClick={retry}>
            {m.retry}
          </button>
        </>
      )}
      {!run && error === undefined && <Loading label={m.loading} />}
      {run && (
        <>
          <dl class="facts panel run-facts">
            <dt>{m.run}</dt>
            <dd>
              <code>{run.id}</code>
            </dd>
            <dt>{m.status}</dt>
            <dd>
              <span class={`badge ${statusBadge(run.status)}`} data-status={run.status}>
                {w[run.status]}
              </span>
            </dd>
            <dt>{m.method}</dt>
            <dd>{w[run.method] ?? run.method}</dd>
            <dt>{m.purpose}</dt>
            <dd>{run.purpose}</dd>
            <RequestFacts run={run} />
            <dt>{m.created}</dt>
            <dd>{fmtDateTime(run.created_at)}</dd>
            {run.result && (
              <>
                <dt>{m.people}</dt>
                <dd>{fmtNumber(run.result.population)}</dd>
              </>
            )}
          </dl>
          {active(run) && (
            <div class="run-progress">
              <label for="run-progress">{m.progress}</label>
              <progress id="run-progress" max={1} value={run.progress} />
              <p role="status" aria-live="polite">
                {w[run.status]} — {m.progressText({ pct: fmtPercent(run.progress, 0) })}
              </p>
            </div>
          )}
          {run.status === 'failed' && (
            <div class="problem" role="alert">
              <p>
                <strong>{m.failed}</strong>
              </p>
              {run.error && (
                <p>
                  {run.error.message} <code>{run.error.code}</code>
                </p>
              )}
            </div>
          )}
          {run.result && (
            <>
              <Segments run={run} />
              {run.result.quality && <ClusterQuality quality={run.result.quality} />}
              {run.result.segments.length > 0 && <SegmentProfiles segments={run.result.segments} />}
              <RunReceipt receipt={run.result.receipt} />
            </>
          )}
        </>
      )}
    </Page>
  );
}
