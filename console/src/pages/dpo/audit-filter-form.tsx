// The audit filters: a time range, action, outcome, subject pseudonym, actor, page size.
import { useState } from 'preact/hooks';
import { describedBy, Field } from '../../components/field.tsx';
import { defineMessages } from '../../i18n.ts';
import { isoToLocalInput, localInputToIso, PAGE_SIZES, PSEUDONYM, type AuditFilters, type AuditView } from './audit-filters.ts';
import { KNOWN_ACTIONS, OUTCOMES } from './audit-types.ts';

const useM = defineMessages({
  en: {
    legend: 'Filters',
    from: 'From',
    to: 'Until (not included)',
    action: 'Action',
    actionHint: 'e.g. reidentification.request',
    outcome: 'Outcome',
    any: 'Any',
    subject: 'Subject pseudonym',
    subjectHint: 'A pseudonym (p1_…), never an identifier.',
    notPseudonym: 'This is not a pseudonym: identifiers are not searched here.',
    actor: 'Actor',
    actorHint: 'Issuer and subject, e.g. dev:dpo-anna (not kept in the address).',
    size: 'Entries per page',
    apply: 'Apply filters',
    clear: 'Clear filters',
    order: 'The end of the range must come after its start.',
  },
  fr: {
    legend: 'Filtres',
    from: 'Depuis',
    to: "Jusqu'à (exclu)",
    action: 'Action',
    actionHint: 'par exemple reidentification.request',
    outcome: 'Résultat',
    any: 'Tous',
    subject: 'Pseudonyme de la personne',
    subjectHint: 'Un pseudonyme (p1_…), jamais un identifiant.',
    notPseudonym: "Ce n'est pas un pseudonyme : les identifiants ne sont pas recherchés ici.",
    actor: 'Acteur',
    actorHint: "Émetteur et sujet, par exemple dev:dpo-anna (non conservé dans l'adresse).",
    size: 'Entrées par page',
    apply: 'Appliquer les filtres',
    clear: 'Effacer les filtres',
    order: 'La fin de la période doit suivre son début.',
  },
});

export function AuditFilterForm(props: { view: AuditView; onApply: (filters: AuditFilters, limit: number) => void; apiErrors: Record<string, string> }) {
  const m = useM();
  const f = props.view.filters;
  const [from, setFrom] = useState(isoToLocalInput(f.from));
  const [to, setTo] = useState(isoToLocalInput(f.to));
  const [action, setAction] = useState(f.action ?? '');
  const [outcome, setOutcome] = useState(f.outcome ?? '');
  const [subject, setSubject] = useState(f.subject ?? '');
  const [actor, setActor] = useState(f.actor ?? '');
  const [limit, setLimit] = useState(props.view.limit);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const err = (k: string) => errors[k] ?? props.apiErrors[k];

  const submit = (e: Event) => {
    e.preventDefault();
    const next: AuditFilters = {
      from: localInputToIso(from),
      to: localInputToIso(to),
      action: action.trim() || undefined,
      outcome: outcome || undefined,
      subject: subject.trim() || undefined,
      actor: actor.trim() || undefined,
    };
    const problems: Record<string, string> = {};
    if (next.subject && !PSEUDONYM.test(next.subject)) problems['subject'] = m.notPseudonym;
    if (next.from && next.to && next.from >= next.to) problems['to'] = m.order;
    setErrors(problems);
    if (Object.keys(problems).length === 0) props.onApply(next, limit);
  };
  const clear = () => {
    setFrom('');
    setTo('');
    setAction('');
    setOutcome('');
    setSubject('');
    setActor('');
    setErrors({});
    props.onApply({}, limit);
  };

  return (
    <form class="panel audit-filters" onSubmit={submit} noValidate>
      <fieldset>
        <legend>{m.legend}</legend>
        <div class="filter-grid">
          <Field id="audit-from" label={m.from} error={err('from')}>
            <input
              id="audit-from"
              type="datetime-local"
              value={from}
              onInput={(e) => setFrom(e.currentTarget.value)}
              {...describedBy('audit-from', err('from'))}
            />
          </Field>
          <Field id="audit-to" label={m.to} error={err('to')}>
            <input id="audit-to" type="datetime-local" value={to} onInput={(e) => setTo(e.currentTarget.value)} {...describedBy('audit-to', err('to'))} />
          </Field>
          <Field id="audit-action" label={m.action} hint={m.actionHint} error={err('action')}>
            <input
              id="audit-action"
              list="audit-actions"
              value={action}
              autocomplete="off"
              onInput={(e) => setAction(e.currentTarget.value)}
              {...describedBy('audit-action', err('action'), m.actionHint)}
            />
          </Field>
          <datalist id="audit-actions">
            {KNOWN_ACTIONS.map((a) => (
              <option key={a} value={a} />
            ))}
          </datalist>
          <Field id="audit-outcome" label={m.outcome} error={err('outcome')}>
            <select id="audit-outcome" value={outcome} onChange={(e) => setOutcome(e.currentTarget.value)} {...describedBy('audit-outcome', err('outcome'))}>
              <option value="">{m.any}</option>
              {OUTCOMES.map((o) => (
                <option key={o} value={o}>
                  {o}
                </option>
              ))}
            </select>
          </Field>
          <Field id="audit-subject" label={m.subject} hint={m.subjectHint} error={err('subject')}>
            <input
              id="audit-subject"
              value={subject}
              autocomplete="off"
              spellcheck={false}
              onInput={(e) => setSubject(e.currentTarget.value)}
              {...describedBy('audit-subject', err('subject'), m.subjectHint)}
            />
          </Field>
          <Field id="audit-actor" label={m.actor} hint={m.actorHint} error={err('actor')}>
            <input
              id="audit-actor"
              value={actor}
              autocomplete="off"
              onInput={(e) => setActor(e.currentTarget.value)}
              {...describedBy('audit-actor', err('actor'), m.actorHint)}
            />
          </Field>
          <Field id="audit-size" label={m.size}>
            <select id="audit-size" value={String(limit)} onChange={(e) => setLimit(Number(e.currentTarget.value))}>
              {PAGE_SIZES.map((n) => (
                <option key={n} value={String(n)}>
                  {n}
                </option>
              ))}
            </select>
          </Field>
        </div>
        <div class="button-row">
          <button type="submit">{m.apply}</button>
          <button type="button" class="secondary" onClick={clear}>
            {m.clear}
          </button>
        </div>
      </fieldset>
    </form>
  );
}
