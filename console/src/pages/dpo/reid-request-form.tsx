// Asking for a re-identification: pseudonyms (never identifiers), a purpose the roles may
// re-identify under, a justification of the policy's minimum length, and the vault fields the
// purpose allows. Fields that need a second DPO make the request wait in the queue.
import { useState } from 'preact/hooks';
import { api, fieldErrors } from '../../api.ts';
import { describedBy, Field } from '../../components/field.tsx';
import { ProblemMessage } from '../../components/problem-message.tsx';
import { defineMessages } from '../../i18n.ts';
import { useSession } from '../../session.ts';
import { PSEUDONYM } from './audit-filters.ts';
import type { MeWithFields, Submitted } from './reid-types.ts';
import { useReidWords, word } from './reid-words.ts';

const useM = defineMessages({
  en: {
    title: 'Request a re-identification',
    pseudonyms: 'Pseudonyms',
    pseudonymsHint: 'One per line (at most 100). Pseudonyms only: an identifier typed here is refused before it is sent.',
    notPseudonym: (p: { line: number }) => `Line ${p.line} is not a pseudonym.`,
    noPseudonym: 'Enter at least one pseudonym.',
    tooMany: 'At most 100 pseudonyms per request.',
    purpose: 'Purpose',
    choose: 'Choose a purpose',
    noPurpose: 'Your roles may not re-identify under any purpose.',
    noPurposeChosen: 'Choose a purpose.',
    justification: 'Justification',
    justificationHint: (p: { min: number; n: number }) => `At least ${p.min} characters (${p.n} so far). It is kept in the audit log.`,
    tooShort: (p: { min: number }) => `At least ${p.min} characters are required.`,
    fields: 'Fields to reveal',
    fieldsHint: 'Fields marked "second DPO" need another DPO\'s approval: the request then waits in the queue.',
    fourEyes: 'second DPO',
    noField: 'Choose at least one field.',
    noFieldForPurpose: 'No field may be revealed under this purpose.',
    submit: 'Request re-identification',
    sending: 'Sending…',
    pending: (p: { id: string }) => `Request ${p.id} waits for a second DPO's approval.`,
  },
  fr: {
    title: 'Demander une réidentification',
    pseudonyms: 'Pseudonymes',
    pseudonymsHint: 'Un par ligne (100 au plus). Des pseudonymes seulement : un identifiant saisi ici est refusé avant tout envoi.',
    notPseudonym: (p: { line: number }) => `La ligne ${p.line} n'est pas un pseudonyme.`,
    noPseudonym: 'Saisissez au moins un pseudonyme.',
    tooMany: 'Au plus 100 pseudonymes par demande.',
    purpose: 'Finalité',
    choose: 'Choisissez une finalité',
    noPurpose: 'Vos rôles ne permettent de réidentifier sous aucune finalité.',
    noPurposeChosen: 'Choisissez une finalité.',
    justification: 'Justification',
    justificationHint: (p: { min: number; n: number }) => `Au moins ${p.min} caractères (${p.n} pour l'instant). Elle est conservée dans le journal d'audit.`,
    tooShort: (p: { min: number }) => `Au moins ${p.min} caractères sont requis.`,
    fields: 'Champs à révéler',
    fieldsHint: "Les champs marqués « second DPO » demandent l'approbation d'un autre DPO : la demande attend alors dans la file.",
    fourEyes: 'second DPO',
    noField: 'Choisissez au moins un champ.',
    noFieldForPurpose: 'Aucun champ ne peut être révélé sous cette finalité.',
    submit: 'Demander la réidentification',
    sending: 'Envoi…',
    pending: (p: { id: string }) => `La demande ${p.id} attend l'approbation d'un second DPO.`,
  },
});

const MAX_PSEUDONYMS = 100;

export function ReidRequestForm(props: { onSubmitted: (s: Submitted, fields: string[]) => void }) {
  const m = useM();
  const w = useReidWords();
  const me = useSession().me as MeWithFields | undefined;
  const privilege = me?.privilege;
  const purposes = privilege?.reidentify_purposes ?? [];
  const min = privilege?.min_justification ?? 0;
  const fourEyes = new Set(privilege?.four_eyes_fields ?? []);
  const [pseudonyms, setPseudonyms] = useState('');
  const [purpose, setPurpose] = useState(purposes.length === 1 ? purposes[0]! : '');
  const [justification, setJustification] = useState('');
  const [fields, setFields] = useState<string[]>([]);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [pendingId, setPendingId] = useState<string>();
  const offered = (me?.reidentify_fields ?? []).filter((f) => !purpose || f.purposes.includes(purpose));
  const describe = (id: string) => me?.purposes.find((p) => p.id === id)?.description;

  const submit = async (e: Event) => {
    e.preventDefault();
    const list = pseudonyms
      .split(/[\s,;]+/)
      .map((s) => s.trim())
      .filter(Boolean);
    const problems: Record<string, string> = {};
    const lines = pseudonyms.split('\n');
    const bad = lines.findIndex((l) => l.split(/[\s,;]+/).some((s) => s.trim() && !PSEUDONYM.test(s.trim())));
    if (bad >= 0) problems['pseudonyms'] = m.notPseudonym({ line: bad + 1 });
    else if (list.length === 0) problems['pseudonyms'] = m.noPseudonym;
    else if (list.length > MAX_PSEUDONYMS) problems['pseudonyms'] = m.tooMany;
    if (!purpose) problems['purpose'] = purposes.length === 0 ? m.noPurpose : m.noPurposeChosen;
    if (justification.trim().length < min) problems['justification'] = m.tooShort({ min });
    const chosen = fields.filter((f) => offered.some((o) => o.name === f));
    if (chosen.length === 0) problems['fields'] = m.noField;
    setErrors(problems);
    setError(undefined);
    setPendingId(undefined);
    if (Object.keys(problems).length > 0) return;
    setBusy(true);
    try {
      const out = await api<Submitted>('POST', '/v1/reidentifications', { pseudonyms: list, purpose, justification: justification.trim(), fields: chosen });
      if (out.status === 'pending_approval') setPendingId(out.id);
      props.onSubmitted(out, chosen);
      setPseudonyms('');
      setJustification('');
    } catch (err) {
      setError(err);
      const byField = fieldErrors(err);
      setErrors(Object.fromEntries(Object.entries(byField).map(([k, v]) => [k.split('.')[0]!, v])));
    } finally {
      setBusy(false);
    }
  };

  const err = (k: string) => errors[k];
  const jHint = m.justificationHint({ min, n: justification.trim().length });
  return (
    <form class="panel" onSubmit={(e) => void submit(e)} noValidate aria-labelledby="reid-form-title">
      <h2 id="reid-form-title">{m.title}</h2>
      <Field id="reid-pseudonyms" label={m.pseudonyms} hint={m.pseudonymsHint} error={err('pseudonyms')}>
        <textarea
          id="reid-pseudonyms"
          rows={3}
          value={pseudonyms}
          spellcheck={false}
          autocomplete="off"
          onInput={(e) => setPseudonyms(e.currentTarget.value)}
          {...describedBy('reid-pseudonyms', err('pseudonyms'), m.pseudonymsHint)}
        />
      </Field>
      <Field id="reid-purpose" label={m.purpose} error={err('purpose')}>
        <select
          id="reid-purpose"
          value={purpose}
          onChange={(e) => {
            setPurpose(e.currentTarget.value);
            setFields([]);
          }}
          {...describedBy('reid-purpose', err('purpose'))}
        >
          <option value="">{m.choose}</option>
          {purposes.map((p) => (
            <option key={p} value={p}>
              {describe(p) ? `${p} — ${describe(p)}` : p}
            </option>
          ))}
        </select>
      </Field>
      <Field id="reid-justification" label={m.justification} hint={jHint} error={err('justification')}>
        <textarea
          id="reid-justification"
          rows={3}
          minLength={min}
          value={justification}
          onInput={(e) => setJustification(e.currentTarget.value)}
          {...describedBy('reid-justification', err('justification'), jHint)}
        />
      </Field>
      <fieldset aria-describedby={`reid-fields-hint${err('fields') ? ' reid-fields-error' : ''}`}>
        <legend>{m.fields}</legend>
        <p class="hint" id="reid-fields-hint">
          {m.fieldsHint}
        </p>
        {purpose && offered.length === 0 && <p class="muted">{m.noFieldForPurpose}</p>}
        <ul class="checks">
          {offered.map((f) => (
            <li key={f.name}>
              <label>
                <input
                  type="checkbox"
                  name="fields"
                  value={f.name}
                  checked={fields.includes(f.name)}
                  onChange={(e) => {
                    const on = e.currentTarget.checked;
                    setFields((cur) => (on ? [...cur, f.name] : cur.filter((x) => x !== f.name)));
                  }}
                />{' '}
                {word(w, f.name)} <code class="small">{f.name}</code>
                {fourEyes.has(f.name) && <span class="badge neutral small">{m.fourEyes}</span>}
              </label>
            </li>
          ))}
        </ul>
        {err('fields') && (
          <p class="field-error" id="reid-fields-error" role="alert">
            {err('fields')}
          </p>
        )}
      </fieldset>
      <button type="submit" disabled={busy}>
        {busy ? m.sending : m.submit}
      </button>
      <div role="status" aria-live="polite">
        {pendingId && <p class="success">{m.pending({ id: pendingId })}</p>}
      </div>
      <ProblemMessage error={error} />
    </form>
  );
}
