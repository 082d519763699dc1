// Each visible segment against the population: numeric features by index (population = 100) and
// quartiles, categorical ones by their shares. Tens of rows per segment, whatever its size.
import { DataTable } from '../../components/data-table.tsx';
import { defineMessages, fmtNumber, fmtPercent } from '../../i18n.ts';
import { isCategorical, type CategoricalProfile, type NumericProfile, type Segment } from './run-types.ts';

const useM = defineMessages({
  en: {
    heading: 'Segment profiles',
    intro: 'Index: the segment’s average against the population’s, where 100 is the population average (130 is 30 % above).',
    profileOf: (p: { label: string }) => `Profile of ${p.label}`,
    numeric: (p: { label: string }) => `Numeric features of ${p.label}`,
    categorical: (p: { label: string }) => `Categories of ${p.label}`,
    feature: 'Feature',
    index: 'Index',
    mean: 'Mean',
    q1: 'First quartile',
    median: 'Median',
    q3: 'Third quartile',
    missing: 'Missing',
    shares: 'Shares in the segment',
    none: 'No feature is described (the run read none your roles may see).',
    na: 'n/a',
    more: (p: { n: number }) => `and ${p.n} more`,
  },
  fr: {
    heading: 'Profils des segments',
    intro: 'Indice : la moyenne du segment rapportée à celle de la population, où 100 est la moyenne de la population (130 est 30 % au-dessus).',
    profileOf: (p: { label: string }) => `Profil de ${p.label}`,
    numeric: (p: { label: string }) => `Variables numériques de ${p.label}`,
    categorical: (p: { label: string }) => `Catégories de ${p.label}`,
    feature: 'Variable',
    index: 'Indice',
    mean: 'Moyenne',
    q1: 'Premier quartile',
    median: 'Médiane',
    q3: 'Troisième quartile',
    missing: 'Manquant',
    shares: 'Parts dans le segment',
    none: "Aucune variable n'est décrite (l'exécution n'en a lu aucune que vos rôles peuvent voir).",
    na: 'n.d.',
    more: (p: { n: number }) => `et ${p.n} autres`,
  },
});

const SHOWN_LEVELS = 6;

function NumericTable(props: { s: Segment; rows: [string, NumericProfile][] }) {
  const m = useM();
  const n = (v: number | null) => (v === null ? m.na : fmtNumber(v));
  return (
    <div class="table-wrap">
      <DataTable
        caption={m.numeric({ label: props.s.label })}
        rows={props.rows}
        rowKey={([f]) => f}
        columns={[
          { header: m.feature, rowHeader: true, cell: ([f]) => f },
          { header: m.index, numeric: true, cell: ([, p]) => <IndexCell index={p.index} na={m.na} /> },
          { header: m.mean, numeric: true, cell: ([, p]) => n(p.mean) },
          { header: m.q1, numeric: true, cell: ([, p]) => n(p.q1) },
          { header: m.median, numeric: true, cell: ([, p]) => n(p.median) },
          { header: m.q3, numeric: true, cell: ([, p]) => n(p.q3) },
          { header: m.missing, numeric: true, cell: ([, p]) => fmtPercent(p.missing_share) },
        ]}
      />
    </div>
  );
}

/** The index in figures, and as a bar for the eye only: the figure is what a reader hears. */
function IndexCell(props: { index: number | null; na: string }) {
  const index = props.index;
  return (
    <>
      {index === null ? props.na : fmtNumber(index)}
      {index !== null && (
        <span class="index-track" aria-hidden="true">
          <span class={'index-bar' + (index >= 100 ? ' above' : ' below')} style={{ width: `${Math.min(100, index / 2)}%` }} />
        </span>
      )}
    </>
  );
}

function CategoricalTable(props: { s: Segment; rows: [string, CategoricalProfile][] }) {
  const m = useM();
  const shares = (p: CategoricalProfile) => {
    const levels = Object.entries(p.shares).sort((a, b) => b[1] - a[1]);
    return (
      <>
        {levels
          .slice(0, SHOWN_LEVELS)
          .map(([level, share]) => `${level} ${fmtPercent(share)}`)
          .join(' · ')}
        {levels.length > SHOWN_LEVELS && ` · ${m.more({ n: levels.length - SHOWN_LEVELS })}`}
      </>
    );
  };
  return (
    <div class="table-wrap">
      <DataTable
        caption={m.categorical({ label: props.s.label })}
        rows={props.rows}
        rowKey={([f]) => f}
        columns={[
          { header: m.feature, rowHeader: true, cell: ([f]) => f },
          { header: m.shares, cell: ([, p]) => shares(p) },
          { header: m.missing, numeric: true, cell: ([, p]) => fmtPercent(p.missing_share) },
        ]}
      />
    </div>
  );
}

export function SegmentProfiles(props: { segments: Segment[] }) {
  const m = useM();
  return (
    <section class="panel" aria-labelledby="profiles-heading">
      <h2 id="profiles-heading">{m.heading}</h2>
      <p class="hint">{m.intro}</p>
      {props.segments.map((s) => {
        const entries = Object.entries(s.profile);
        const numeric = entries.filter((e): e is [string, NumericProfile] => !isCategorical(e[1]));
        const categorical = entries.filter((e): e is [string, CategoricalProfile] => isCategorical(e[1]));
        return (
          <details key={s.id} class="segment-profile" data-segment={s.id}>
            <summary>{m.profileOf({ label: s.label })}</summary>
            {entries.length === 0 && <p>{m.none}</p>}
            {numeric.length > 0 && <NumericTable s={s} rows={numeric} />}
            {categorical.length > 0 && <CategoricalTable s={s} rows={categorical} />}
          </details>
        );
      })}
    </section>
  );
}
