// The rules of an a priori segmentation: each rule a name, conditions that must all hold, and
// optionally OR alternatives (each its own ANDed conditions). The first matching rule wins.
import type { Me } from '../../session.ts';
import { defineMessages } from '../../i18n.ts';
import { useWords } from './marketing-words.ts';
import {
  CATEGORICAL_OPERATORS,
  fieldKey,
  newCondition,
  newGroup,
  newRule,
  NUMERIC_OPERATORS,
  type ConditionDraft,
  type GroupDraft,
  type Operator,
  type RuleDraft,
} from './segmentation-form.ts';

const useM = defineMessages({
  en: {
    rule: (p: { n: number }) => `Rule ${p.n}`,
    name: 'Segment name',
    allOf: 'All of these conditions',
    anyOf: 'And at least one of these alternatives',
    alternative: (p: { n: number }) => `Alternative ${p.n}`,
    feature: 'Feature',
    chooseFeature: 'Choose a feature',
    operator: 'Operator',
    value: 'Value',
    values: 'Values, separated by commas',
    from: 'From',
    to: 'To',
    addCondition: 'Add a condition',
    removeCondition: 'Remove this condition',
    addAlternative: 'Add an alternative (OR)',
    removeAlternative: 'Remove this alternative',
    addRule: 'Add a rule',
    removeRule: 'Remove this rule',
    noCondition: 'No condition: add one here or an alternative below.',
    order: 'The rules are tried in order: a person goes to the first rule they match, everyone else to "everyone else".',
  },
  fr: {
    rule: (p: { n: number }) => `Règle ${p.n}`,
    name: 'Nom du segment',
    allOf: 'Toutes ces conditions',
    anyOf: "Et au moins l'une de ces alternatives",
    alternative: (p: { n: number }) => `Alternative ${p.n}`,
    feature: 'Variable',
    chooseFeature: 'Choisissez une variable',
    operator: 'Opérateur',
    value: 'Valeur',
    values: 'Valeurs, séparées par des virgules',
    from: 'De',
    to: 'À',
    addCondition: 'Ajouter une condition',
    removeCondition: 'Retirer cette condition',
    addAlternative: 'Ajouter une alternative (OU)',
    removeAlternative: 'Retirer cette alternative',
    addRule: 'Ajouter une règle',
    removeRule: 'Retirer cette règle',
    noCondition: 'Aucune condition : ajoutez-en une ici ou une alternative ci-dessous.',
    order: "Les règles sont essayées dans l'ordre : une personne rejoint la première règle qui lui correspond, les autres « everyone else ».",
  },
});

type Features = Me['features'];

interface Props {
  rules: RuleDraft[];
  features: Features;
  errors: Record<string, string>;
  onChange: (rules: RuleDraft[]) => void;
}

function ErrorText(props: { id: string; text: string | undefined }) {
  if (!props.text) return null;
  return (
    <p class="field-error" id={props.id} role="alert">
      {props.text}
    </p>
  );
}

function ConditionRow(props: {
  c: ConditionDraft;
  features: Features;
  error: string | undefined;
  onChange: (c: ConditionDraft) => void;
  onRemove: () => void;
}) {
  const m = useM();
  const w = useWords();
  const { c } = props;
  const kind = props.features.find((f) => f.name === c.feature)?.kind;
  const ops: Operator[] = kind === 'categorical' ? CATEGORICAL_OPERATORS : NUMERIC_OPERATORS;
  const errId = `${c.id}-error`;
  const invalid = props.error ? { 'aria-invalid': 'true' as const, 'aria-describedby': errId } : {};
  const set = (patch: Partial<ConditionDraft>) => props.onChange({ ...c, ...patch });
  return (
    <li class={'condition' + (props.error ? ' has-error' : '')} data-condition={c.id}>
      <div class="condition-controls">
        <label>
          <span>{m.feature}</span>
          <select
            value={c.feature}
            {...invalid}
            onChange={(e) => {
              const feature = e.currentTarget.value;
              const k = props.features.find((f) => f.name === feature)?.kind;
              set({ feature, op: k === 'categorical' && !CATEGORICAL_OPERATORS.includes(c.op) ? 'eq' : c.op });
            }}
          >
            <option value="">{m.chooseFeature}</option>
            {props.features.map((f) => (
              <option key={f.name} value={f.name}>
                {f.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          <span>{m.operator}</span>
          <select value={c.op} onChange={(e) => set({ op: e.currentTarget.value as Operator })}>
            {ops.map((o) => (
              <option key={o} value={o}>
                {w[o]}
              </option>
            ))}
          </select>
        </label>
        {c.op === 'between' ? (
          <>
            <label>
              <span>{m.from}</span>
              <input value={c.value} inputMode="decimal" size={8} {...invalid} onInput={(e) => set({ value: e.currentTarget.value })} />
            </label>
            <label>
              <span>{m.to}</span>
              <input value={c.value2} inputMode="decimal" size={8} {...invalid} onInput={(e) => set({ value2: e.currentTarget.value })} />
            </label>
          </>
        ) : (
          <label>
            <span>{c.op === 'in' ? m.values : m.value}</span>
            <input
              value={c.value}
              inputMode={kind === 'numeric' && c.op !== 'in' ? 'decimal' : undefined}
              size={c.op === 'in' ? 24 : 12}
              {...invalid}
              onInput={(e) => set({ value: e.currentTarget.value })}
            />
          </label>
        )}
        <button type="button" class="secondary" onClick={props.onRemove}>
          {m.removeCondition}
        </button>
      </div>
      <ErrorText id={errId} text={props.error} />
    </li>
  );
}

function Conditions(props: { conditions: ConditionDraft[]; features: Features; errors: Record<string, string>; onChange: (cs: ConditionDraft[]) => void }) {
  const m = useM();
  const cs = props.conditions;
  return (
    <>
      <ul class="conditions">
        {cs.map((c, i) => (
          <ConditionRow
            key={c.id}
            c={c}
            features={props.features}
            error={props.errors[fieldKey.condition(c)]}
            onChange={(next) => props.onChange(cs.map((x, j) => (j === i ? next : x)))}
            onRemove={() => props.onChange(cs.filter((_, j) => j !== i))}
          />
        ))}
      </ul>
      <button type="button" class="secondary" onClick={() => props.onChange([...cs, newCondition()])}>
        {m.addCondition}
      </button>
    </>
  );
}

function RuleEditor(props: {
  rule: RuleDraft;
  n: number;
  features: Features;
  errors: Record<string, string>;
  onChange: (r: RuleDraft) => void;
  onRemove?: () => void;
}) {
  const m = useM();
  const r = props.rule;
  const nameId = `${r.id}-name`;
  const nameError = props.errors[fieldKey.ruleName(r)];
  const ruleError = props.errors[fieldKey.rule(r)];
  const set = (patch: Partial<RuleDraft>) => props.onChange({ ...r, ...patch });
  const setGroup = (i: number, g: GroupDraft) => set({ any: r.any.map((x, j) => (j === i ? g : x)) });
  return (
    <fieldset class="rule" data-rule={props.n} aria-describedby={ruleError ? `${r.id}-error` : undefined}>
      <legend>{m.rule({ n: props.n })}</legend>
      <ErrorText id={`${r.id}-error`} text={ruleError} />
      <div class={'field' + (nameError ? ' has-error' : '')}>
        <label for={nameId}>{m.name}</label>
        <input
          id={nameId}
          value={r.name}
          maxLength={100}
          aria-invalid={nameError ? 'true' : undefined}
          aria-describedby={nameError ? `${nameId}-error` : undefined}
          onInput={(e) => set({ name: e.currentTarget.value })}
        />
        <ErrorText id={`${nameId}-error`} text={nameError} />
      </div>
      <fieldset class="where">
        <legend>{m.allOf}</legend>
        {r.where.length === 0 && <p class="hint">{m.noCondition}</p>}
        <Conditions conditions={r.where} features={props.features} errors={props.errors} onChange={(where) => set({ where })} />
      </fieldset>
      {r.any.length > 0 && (
        <fieldset class="any">
          <legend>{m.anyOf}</legend>
          {r.any.map((g, i) => {
            const gError = props.errors[fieldKey.group(g)];
            return (
              <fieldset key={g.id} class="alternative" aria-describedby={gError ? `${g.id}-error` : undefined}>
                <legend>{m.alternative({ n: i + 1 })}</legend>
                <ErrorText id={`${g.id}-error`} text={gError} />
                <Conditions
                  conditions={g.conditions}
                  features={props.features}
                  errors={props.errors}
                  onChange={(conditions) => setGroup(i, { ...g, conditions })}
                />
                <button type="button" class="secondary" onClick={() => set({ any: r.any.filter((_, j) => j !== i) })}>
                  {m.removeAlternative}
                </button>
              </fieldset>
            );
          })}
        </fieldset>
      )}
      <div class="rule-actions">
        <button type="button" class="secondary" onClick={() => set({ any: [...r.any, newGroup()] })}>
          {m.addAlternative}
        </button>
        {props.onRemove && (
          <button type="button" class="secondary" onClick={props.onRemove}>
            {m.removeRule}
          </button>
        )}
      </div>
    </fieldset>
  );
}

export function RulesBuilder(props: Props) {
  const m = useM();
  const rules = props.rules;
  return (
    <div class="rules-builder">
      <p class="hint">{m.order}</p>
      {rules.map((r, i) => (
        <RuleEditor
          key={r.id}
          rule={r}
          n={i + 1}
          features={props.features}
          errors={props.errors}
          onChange={(next) => props.onChange(rules.map((x, j) => (j === i ? next : x)))}
          {...(rules.length > 1 && { onRemove: () => props.onChange(rules.filter((_, j) => j !== i)) })}
        />
      ))}
      <button type="button" onClick={() => props.onChange([...rules, newRule()])}>
        {m.addRule}
      </button>
    </div>
  );
}
