// New segmentation: a purpose the roles may invoke, a method, the features the roles may use under
// that purpose, the method's parameters. The gateway decides: its 422 errors land on the fields
// they name, its 403 reads as a refusal.
import { useMemo, useRef, useState } from 'preact/hooks';
import { api, ApiError, type FieldIssue } from '../../api.ts';
import { describedBy, Field, NumberField } from '../../components/field.tsx';
import { Page } from '../../components/page.tsx';
import { ProblemMessage } from '../../components/problem-message.tsx';
import { defineMessages } from '../../i18n.ts';
import { navigate } from '../../router.ts';
import { useSession } from '../../session.ts';
import { useWords } from './marketing-words.ts';
import { RulesBuilder } from './rules-builder.tsx';
import type { Method } from './run-types.ts';
import { buildRequest, fieldOfPath, initialForm, type ClientError, type ConditionDraft, type FormState } from './segmentation-form.ts';

const useM = defineMessages({
  en: {
    title: 'New segmentation',
    purpose: 'Purpose',
    purposeHint: 'What the segments are for. Only the purposes your roles may invoke are offered; the consent checked depends on it.',
    method: 'Method',
    kmeansHint: 'Groups people with similar values of the chosen features (standardized); you give the number of clusters or a range to choose from.',
    rulesHint: 'Segments you define: each rule names a segment and says who belongs to it.',
    treeHint: 'Splits people on the chosen features to separate high and low values of a target feature.',
    rfmShort: 'The classic recency, frequency and monetary value segments: see below.',
    rfmHint:
      'Scores each person from 1 to 5 on recency, frequency and monetary value of their purchases and places them in the classic segments (champions, loyal customers, at risk…). It reads those three features itself: nothing else to set. Features ticked below only add columns to the profiles.',
    features: 'Features',
    featuresHint: (p: { purpose: string }) => `The features your roles may use under ${p.purpose}, with their data category.`,
    featuresExtra: 'For this method, the features ticked here only describe the segments (profile columns).',
    noFeature: 'Your roles may use no feature under this purpose.',
    category: 'category',
    clusters: 'Number of clusters',
    fixedK: 'A fixed number',
    rangeK: 'The best number in a range (by silhouette)',
    k: 'k (number of clusters)',
    kMin: 'Smallest k',
    kMax: 'Largest k',
    seed: 'Random seed (optional)',
    seedHint: 'The same seed gives the same result on the same data.',
    target: 'Target feature',
    targetHint: 'A numeric feature the tree separates.',
    chooseTarget: 'Choose a feature',
    maxDepth: 'Maximum depth (1 to 8)',
    rules: 'Rules',
    submit: 'Start the segmentation',
    sending: 'Starting…',
    refused: 'The gateway refused the request. Correct the fields marked below.',
    otherErrors: 'Also:',
    clientInvalid: 'Some fields need correcting before the request can be sent.',
    feature_required: 'Choose a feature.',
    number_required: 'Enter a number.',
    value_required: 'Enter a value.',
    repeated: 'This feature already has this operator in the same group of conditions.',
  },
  fr: {
    title: 'Nouvelle segmentation',
    purpose: 'Finalité',
    purposeHint: 'À quoi servent les segments. Seules les finalités que vos rôles peuvent invoquer sont proposées ; le consentement vérifié en dépend.',
    method: 'Méthode',
    kmeansHint:
      'Regroupe les personnes aux valeurs proches sur les variables choisies (standardisées) ; vous donnez le nombre de groupes ou un intervalle où le choisir.',
    rulesHint: 'Des segments que vous définissez : chaque règle nomme un segment et dit qui en fait partie.',
    treeHint: "Découpe la population selon les variables choisies pour séparer les valeurs hautes et basses d'une variable cible.",
    rfmShort: 'Les segments classiques de récence, fréquence et montant : voir ci-dessous.',
    rfmHint:
      "Note chaque personne de 1 à 5 sur la récence, la fréquence et le montant de ses achats et la place dans les segments classiques (champions, clients fidèles, à risque…). Elle lit elle-même ces trois variables : rien d'autre à régler. Les variables cochées ci-dessous ajoutent seulement des colonnes aux profils.",
    features: 'Variables',
    featuresHint: (p: { purpose: string }) => `Les variables que vos rôles peuvent utiliser pour ${p.purpose}, avec leur catégorie de données.`,
    featuresExtra: 'Pour cette méthode, les variables cochées ici décrivent seulement les segments (colonnes des profils).',
    noFeature: 'Vos rôles ne peuvent utiliser aucune variable pour cette finalité.',
    category: 'catégorie',
    clusters: 'Nombre de groupes',
    fixedK: 'Un nombre fixe',
    rangeK: 'Le meilleur nombre dans un intervalle (par silhouette)',
    k: 'k (nombre de groupes)',
    kMin: 'k minimal',
    kMax: 'k maximal',
    seed: 'Graine aléatoire (facultative)',
    seedHint: 'La même graine donne le même résultat sur les mêmes données.',
    target: 'Variable cible',
    targetHint: "Une variable numérique que l'arbre sépare.",
    chooseTarget: 'Choisissez une variable',
    maxDepth: 'Profondeur maximale (1 à 8)',
    rules: 'Règles',
    submit: 'Lancer la segmentation',
    sending: 'Lancement…',
    refused: 'La passerelle a refusé la requête. Corrigez les champs signalés ci-dessous.',
    otherErrors: 'Également :',
    clientInvalid: "Certains champs doivent être corrigés avant l'envoi de la requête.",
    feature_required: 'Choisissez une variable.',
    number_required: 'Saisissez un nombre.',
    value_required: 'Saisissez une valeur.',
    repeated: 'Cette variable a déjà cet opérateur dans le même groupe de conditions.',
  },
});

const METHODS: Method[] = ['kmeans', 'rules', 'tree', 'rfm'];

export default function NewSegmentation() {
  const m = useM();
  const w = useWords();
  const { me } = useSession();
  const purposes = me?.purposes ?? [];
  // the analytics purpose when the roles have it: it rests on legitimate interest, not on a marketing consent
  const [form, setForm] = useState<FormState>(() => initialForm((purposes.find((p) => p.id === 'segmentation_analytics') ?? purposes[0])?.id ?? ''));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [unmapped, setUnmapped] = useState<FieldIssue[]>([]);
  const [problem, setProblem] = useState<unknown>();
  const [clientInvalid, setClientInvalid] = useState(false);
  const [busy, setBusy] = useState(false);
  const summary = useRef<HTMLDivElement>(null);

  // only what the roles may use under the chosen purpose
  const features = useMemo(() => (me?.features ?? []).filter((f) => f.purposes.includes(form.purpose)), [me, form.purpose]);
  const allowed = (name: string) => features.some((f) => f.name === name);
  const kinds = (name: string) => me?.features.find((f) => f.name === name)?.kind;
  const set = (patch: Partial<FormState>) => setForm((f) => ({ ...f, ...patch }));

  // what the new purpose does not allow is taken off the form, not left to be refused
  const changePurpose = (purpose: string) => {
    const usable = new Set((me?.features ?? []).filter((f) => f.purposes.includes(purpose)).map((f) => f.name));
    const keep = (cs: ConditionDraft[]) => cs.map((c) => (usable.has(c.feature) ? c : { ...c, feature: '' }));
    setForm((f) => ({
      ...f,
      purpose,
      features: f.features.filter((x) => usable.has(x)),
      target: usable.has(f.target) ? f.target : '',
      rules: f.rules.map((r) => ({ ...r, where: keep(r.where), any: r.any.map((g) => ({ ...g, conditions: keep(g.conditions) })) })),
    }));
  };

  const showSummary = () => requestAnimationFrame(() => summary.current?.focus());

  const submit = async (e: Event) => {
    e.preventDefault();
    const built = buildRequest(form, kinds, allowed);
    setProblem(undefined);
    setUnmapped([]);
    const client = Object.entries(built.clientErrors);
    if (client.length > 0) {
      setErrors(Object.fromEntries(client.map(([k, code]) => [k, m[code as ClientError]])));
      setClientInvalid(true);
      showSummary();
      return;
    }
    setClientInvalid(false);
    setErrors({});
    setBusy(true);
    try {
      const run = await api<{ id: string }>('POST', '/v1/segmentations', built.body);
      navigate(`/runs/${encodeURIComponent(run.id)}`);
    } catch (err) {
      setProblem(err);
      if (err instanceof ApiError && err.status === 422) {
        const onFields: Record<string, string> = {};
        const rest: FieldIssue[] = [];
        for (const issue of err.problem.errors ?? []) {
          const key = fieldOfPath(built.fields, issue.path);
          if (key) onFields[key] ??= issue.message;
          else rest.push(issue);
        }
        setErrors(onFields);
        setUnmapped(rest);
      }
      showSummary();
    } finally {
      setBusy(false);
    }
  };

  const methodHint = { kmeans: m.kmeansHint, rules: m.rulesHint, tree: m.treeHint, rfm: m.rfmShort }[form.method];
  const describesOnly = form.method === 'rules' || form.method === 'rfm';
  const numericFeatures = features.filter((f) => f.kind === 'numeric');
  // k-means and the tree both take a seed
  const seedField = (
    <NumberField id="seg-seed" label={m.seed} hint={m.seedHint} error={errors['seed']} size={10} value={form.seed} onInput={(seed) => set({ seed })} />
  );

  return (
    <Page title={m.title}>
      <div ref={summary} tabIndex={-1} class="form-summary">
        {clientInvalid && (
          <div class="problem" role="alert">
            {m.clientInvalid}
          </div>
        )}
        <ProblemMessage error={problem} />
        {problem instanceof ApiError && problem.status === 422 && Object.keys(errors).length > 0 && <p class="field-error">{m.refused}</p>}
        {unmapped.length > 0 && (
          <div class="problem" role="alert">
            <p>{m.otherErrors}</p>
            <ul>
              {unmapped.map((u, i) => (
                <li key={i}>
                  <code>{u.path.replace(/^json\./, '')}</code>: {u.message}
                </li>
              ))}
            </ul>
          </div>
        )}
      </div>
      <form class="panel segmentation-form" onSubmit={submit} noValidate>
        <Field id="seg-purpose" label={m.purpose} hint={m.purposeHint} error={errors['purpose']}>
          <select
            id="seg-purpose"
            value={form.purpose}
            onChange={(e) => changePurpose(e.currentTarget.value)}
            {...describedBy('seg-purpose', errors['purpose'], m.purposeHint)}
          >
            {purposes.map((p) => (
              <option key={p.id} value={p.id}>
                {p.id} — {p.description}
              </option>
            ))}
          </select>
        </Field>
        <Field id="seg-method" label={m.method} hint={methodHint} error={errors['method']}>
          <select
            id="seg-method"
            value={form.method}
            onChange={(e) => set({ method: e.currentTarget.value as Method })}
            {...describedBy('seg-method', errors['method'], methodHint)}
          >
            {METHODS.map((x) => (
              <option key={x} value={x}>
                {w[x]}
              </option>
            ))}
          </select>
        </Field>

        <fieldset
          class={'features' + (errors['features'] ? ' has-error' : '')}
          aria-describedby={'seg-features-hint' + (errors['features'] ? ' seg-features-error' : '')}
        >
          <legend>{m.features}</legend>
          <p class="hint" id="seg-features-hint">
            {m.featuresHint({ purpose: form.purpose })} {describesOnly && m.featuresExtra}
          </p>
          {errors['features'] && (
            <p class="field-error" id="seg-features-error" role="alert">
              {errors['features']}
            </p>
          )}
          {features.length === 0 ? (
            <p>{m.noFeature}</p>
          ) : (
            <ul class="feature-list">
              {features.map((f) => (
                <li key={f.name}>
                  <input
                    type="checkbox"
                    id={`feat-${f.name}`}
                    checked={form.features.includes(f.name)}
                    aria-describedby={`feat-${f.name}-cat`}
                    onChange={(e) => {
                      const on = e.currentTarget.checked;
                      setForm((s) => ({ ...s, features: on ? [...s.features, f.name] : s.features.filter((x) => x !== f.name) }));
                    }}
                  />{' '}
                  <label for={`feat-${f.name}`}>{f.name}</label>{' '}
                  <span class="muted small" id={`feat-${f.name}-cat`}>
                    ({m.category} {f.category})
                  </span>
                </li>
              ))}
            </ul>
          )}
        </fieldset>

        {form.method === 'kmeans' && (
          <fieldset>
            <legend>{m.clusters}</legend>
            <div class="radio-row">
              <label>
                <input type="radio" name="k-mode" checked={form.kMode === 'k'} onChange={() => set({ kMode: 'k' })} /> {m.fixedK}
              </label>
              <label>
                <input type="radio" name="k-mode" checked={form.kMode === 'range'} onChange={() => set({ kMode: 'range' })} /> {m.rangeK}
              </label>
            </div>
            {form.kMode === 'k' ? (
              <NumberField id="seg-k" label={m.k} error={errors['k']} size={6} value={form.k} onInput={(k) => set({ k })} />
            ) : (
              <div class="inline-fields">
                <NumberField id="seg-kmin" label={m.kMin} error={errors['kMin']} size={6} value={form.kMin} onInput={(kMin) => set({ kMin })} />
                <NumberField id="seg-kmax" label={m.kMax} error={errors['kMax']} size={6} value={form.kMax} onInput={(kMax) => set({ kMax })} />
              </div>
            )}
            {seedField}
          </fieldset>
        )}

        {form.method === 'tree' && (
          <fieldset>
            <legend>{w.tree}</legend>
            <Field id="seg-target" label={m.target} hint={m.targetHint} error={errors['target']}>
              <select
                id="seg-target"
                value={form.target}
                onChange={(e) => set({ target: e.currentTarget.value })}
                {...describedBy('seg-target', errors['target'], m.targetHint)}
              >
                <option value="">{m.chooseTarget}</option>
                {numericFeatures.map((f) => (
                  <option key={f.name} value={f.name}>
                    {f.name}
                  </option>
                ))}
              </select>
            </Field>
            <NumberField
              id="seg-depth"
              label={m.maxDepth}
              error={errors['max_depth']}
              size={4}
              value={form.maxDepth}
              onInput={(maxDepth) => set({ maxDepth })}
            />
            {seedField}
          </fieldset>
        )}

        {form.method === 'rules' && (
          <fieldset class={errors['rules'] ? 'has-error' : undefined} aria-describedby={errors['rules'] ? 'seg-rules-error' : undefined}>
            <legend>{m.rules}</legend>
            {errors['rules'] && (
              <p class="field-error" id="seg-rules-error" role="alert">
                {errors['rules']}
              </p>
            )}
            <RulesBuilder rules={form.rules} features={features} errors={errors} onChange={(rules) => set({ rules })} />
          </fieldset>
        )}

        {form.method === 'rfm' && <p class="notice">{m.rfmHint}</p>}

        <button type="submit" disabled={busy}>
          {busy ? m.sending : m.submit}
        </button>
      </form>
    </Page>
  );
}
