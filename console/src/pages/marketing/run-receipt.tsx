// The run's receipt in plain words: under which purpose and legal basis, which policy, which
// consent state, and how small groups were hidden. Counts only where the gateway gives them.
import { defineMessages, fmtDateTime, fmtNumber } from '../../i18n.ts';
import { useSession } from '../../session.ts';
import type { Quality, Receipt } from './run-types.ts';

const useM = defineMessages({
  en: {
    heading: 'Receipt',
    summary: (p: { purpose: string; basis: string; date: string; min: string }) =>
      `This run used the purpose ${p.purpose} on the legal basis of ${p.basis}, with consents as they stood on ${p.date}. Segments of fewer than ${p.min} people are hidden and never counted.`,
    purpose: 'Purpose',
    basis: 'Legal basis',
    evaluated: 'Consents checked on',
    covered: 'People covered by the purpose',
    afterFilters: 'After the filters',
    minGroup: 'Minimum group size',
    minGroupText: (p: { n: string }) => `${p.n} people: smaller segments are hidden`,
    hidden: 'Hidden segments',
    hiddenText: (p: { n: string }) => `${p.n} (under the minimum group size)`,
    featuresUsed: 'Features read',
    policy: 'Policy version',
    digest: 'Population fingerprint',
    digestHint: 'SHA-256 of the people the run covered: proves later which population was used, without naming anyone.',
    consent: 'consent',
    legitimate_interest: 'legitimate interest',
    contract: 'contract',
    legal_obligation: 'legal obligation',
    quality: 'Cluster quality',
    k: 'Number of clusters (k)',
    silhouette: 'Silhouette',
    silhouetteHint: 'From −1 to 1: the higher, the better separated the clusters.',
    inertia: 'Inertia',
    inertiaHint: 'Sum of squared distances to the cluster centres (standardized features): lower is tighter.',
    iterations: 'Iterations',
    byK: 'Silhouette by number of clusters tried',
    na: 'n/a',
  },
  fr: {
    heading: 'Reçu',
    summary: (p: { purpose: string; basis: string; date: string; min: string }) =>
      `Cette exécution a utilisé la finalité ${p.purpose} sur la base légale ${p.basis}, avec les consentements tels qu'ils étaient le ${p.date}. Les segments de moins de ${p.min} personnes sont masqués et jamais comptés.`,
    purpose: 'Finalité',
    basis: 'Base légale',
    evaluated: 'Consentements vérifiés le',
    covered: 'Personnes couvertes par la finalité',
    afterFilters: 'Après les filtres',
    minGroup: 'Taille minimale de groupe',
    minGroupText: (p: { n: string }) => `${p.n} personnes : les segments plus petits sont masqués`,
    hidden: 'Segments masqués',
    hiddenText: (p: { n: string }) => `${p.n} (sous la taille minimale de groupe)`,
    featuresUsed: 'Variables lues',
    policy: 'Version de la politique',
    digest: 'Empreinte de la population',
    digestHint: 'SHA-256 des personnes couvertes : prouve plus tard quelle population a été utilisée, sans nommer personne.',
    consent: 'du consentement',
    legitimate_interest: "de l'intérêt légitime",
    contract: 'du contrat',
    legal_obligation: "de l'obligation légale",
    quality: 'Qualité des groupes',
    k: 'Nombre de groupes (k)',
    silhouette: 'Silhouette',
    silhouetteHint: 'De −1 à 1 : plus elle est haute, mieux les groupes sont séparés.',
    inertia: 'Inertie',
    inertiaHint: 'Somme des carrés des distances aux centres (variables standardisées) : plus basse, plus serrée.',
    iterations: 'Itérations',
    byK: 'Silhouette par nombre de groupes essayé',
    na: 'n.d.',
  },
});

type Basis = 'consent' | 'legitimate_interest' | 'contract' | 'legal_obligation';

export function RunReceipt(props: { receipt: Receipt }) {
  const m = useM();
  const { me } = useSession();
  const r = props.receipt;
  const c = r.consent_snapshot;
  const basis = (m as Record<string, unknown>)[c.legal_basis] === undefined ? c.legal_basis : m[c.legal_basis as Basis];
  const description = me?.purposes.find((p) => p.id === r.purpose)?.description;
  return (
    <section class="panel receipt" aria-labelledby="receipt-heading">
      <h2 id="receipt-heading">{m.heading}</h2>
      <p>{m.summary({ purpose: r.purpose, basis, date: fmtDateTime(c.evaluated_at), min: fmtNumber(r.min_group_size) })}</p>
      <dl class="facts">
        <dt>{m.purpose}</dt>
        <dd>
          {r.purpose}
          {description && <span class="muted"> — {description}</span>}
        </dd>
        <dt>{m.basis}</dt>
        <dd>{c.legal_basis}</dd>
        <dt>{m.evaluated}</dt>
        <dd>{fmtDateTime(c.evaluated_at)}</dd>
        {c.covered_subjects !== undefined && (
          <>
            <dt>{m.covered}</dt>
            <dd>{fmtNumber(c.covered_subjects)}</dd>
          </>
        )}
        {c.after_filters !== undefined && (
          <>
            <dt>{m.afterFilters}</dt>
            <dd>{fmtNumber(c.after_filters)}</dd>
          </>
        )}
        <dt>{m.minGroup}</dt>
        <dd>{m.minGroupText({ n: fmtNumber(r.min_group_size) })}</dd>
        <dt>{m.hidden}</dt>
        <dd data-receipt="suppressed">{m.hiddenText({ n: fmtNumber(r.suppressed_segments) })}</dd>
        <dt>{m.featuresUsed}</dt>
        <dd>{r.features_used.join(', ')}</dd>
        <dt>{m.policy}</dt>
        <dd>
          <code class="wrap">{r.policy_version}</code>
        </dd>
        <dt>{m.digest}</dt>
        <dd>
          <code class="wrap">{c.population_digest}</code>
          <p class="hint">{m.digestHint}</p>
        </dd>
      </dl>
    </section>
  );
}

export function ClusterQuality(props: { quality: Quality }) {
  const m = useM();
  const q = props.quality;
  const byK = Object.entries(q.silhouette_by_k ?? {}).sort((a, b) => Number(a[0]) - Number(b[0]));
  return (
    <section class="panel" aria-labelledby="quality-heading">
      <h2 id="quality-heading">{m.quality}</h2>
      <dl class="facts">
        <dt>{m.k}</dt>
        <dd data-quality="k">{fmtNumber(q.k)}</dd>
        <dt>{m.silhouette}</dt>
        <dd data-quality="silhouette">
          {q.silhouette === null ? m.na : fmtNumber(q.silhouette, 3)} <span class="muted small">{m.silhouetteHint}</span>
        </dd>
        <dt>{m.inertia}</dt>
        <dd>
          {fmtNumber(q.inertia, 1)} <span class="muted small">{m.inertiaHint}</span>
        </dd>
        <dt>{m.iterations}</dt>
        <dd>{fmtNumber(q.iterations)}</dd>
      </dl>
      {byK.length > 0 && (
        <div class="table-wrap">
          <table class="narrow">
            <caption>{m.byK}</caption>
            <thead>
              <tr>
                <th scope="col" class="num">
                  k
                </th>
                <th scope="col" class="num">
                  {m.silhouette}
                </th>
              </tr>
            </thead>
            <tbody>
              {byK.map(([k, v]) => (
                <tr key={k} aria-current={Number(k) === q.k ? 'true' : undefined}>
                  <th scope="row" class="num">
                    {k}
                  </th>
                  <td class="num">{fmtNumber(v, 3)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
