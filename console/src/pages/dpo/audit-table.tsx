// One page of audit entries. The log holds pseudonyms, never identities; a detail is shown as a
// short line, the whole entry on demand.
import { Link } from '../../components/link.tsx';
import { defineMessages, fmtDateTime } from '../../i18n.ts';
import { outcomeBadge, type AuditEntry } from './audit-types.ts';

const useM = defineMessages({
  en: {
    caption: 'Audit entries',
    seq: 'Seq',
    at: 'Time',
    actor: 'Actor',
    action: 'Action',
    outcome: 'Outcome',
    purpose: 'Purpose',
    subjects: 'Subjects',
    detail: 'Detail',
    more: (p: { n: number }) => `+${p.n} more`,
    whole: 'Whole entry',
    filterSubject: 'Entries about',
    none: 'No entry matches these filters.',
  },
  fr: {
    caption: "Entrées d'audit",
    seq: 'Séq.',
    at: 'Date',
    actor: 'Acteur',
    action: 'Action',
    outcome: 'Résultat',
    purpose: 'Finalité',
    subjects: 'Personnes',
    detail: 'Détail',
    more: (p: { n: number }) => `+${p.n} de plus`,
    whole: 'Entrée complète',
    filterSubject: 'Entrées concernant',
    none: 'Aucune entrée ne correspond à ces filtres.',
  },
});

const MAX_DETAIL = 140;

/** `key=value` pairs of a detail object on one line, cut at MAX_DETAIL characters. */
export function compactDetail(detail: unknown): string {
  if (detail === null || detail === undefined) return '';
  const value = (v: unknown): string =>
    v === null ? '∅' : typeof v === 'object' ? (Array.isArray(v) && v.every((x) => typeof x !== 'object') ? v.join(',') : JSON.stringify(v)) : String(v);
  const text =
    typeof detail === 'object' && !Array.isArray(detail)
      ? Object.entries(detail as Record<string, unknown>)
          .filter(([, v]) => v !== undefined)
          .map(([k, v]) => `${k}=${value(v)}`)
          .join(' · ')
      : value(detail);
  return text.length > MAX_DETAIL ? `${text.slice(0, MAX_DETAIL - 1)}…` : text;
}

const SHOWN_SUBJECTS = 2;

export function AuditTable(props: { entries: AuditEntry[]; subjectLink: (pseudonym: string) => string }) {
  const m = useM();
  if (props.entries.length === 0) return <p class="notice">{m.none}</p>;
  return (
    <div class="table-wrap">
      <table class="audit-table">
        <caption class="visually-hidden">{m.caption}</caption>
        <thead>
          <tr>
            <th scope="col" class="num">
              {m.seq}
            </th>
            <th scope="col">{m.at}</th>
            <th scope="col">{m.actor}</th>
            <th scope="col">{m.action}</th>
            <th scope="col">{m.outcome}</th>
            <th scope="col">{m.purpose}</th>
            <th scope="col">{m.subjects}</th>
            <th scope="col">{m.detail}</th>
          </tr>
        </thead>
        <tbody>
          {props.entries.map((e) => (
            <tr key={e.seq} data-seq={e.seq} data-action={e.action}>
              <th scope="row" class="num">
                {e.seq}
              </th>
              <td class="nowrap">{fmtDateTime(e.at)}</td>
              <td>
                {e.actor.subject} <span class="muted small">({e.actor.issuer})</span>
                {e.roles.length > 0 && <div class="muted small">{e.roles.join(', ')}</div>}
              </td>
              <td>
                <code>{e.action}</code>
              </td>
              <td>
                <span class={`badge ${outcomeBadge(e.outcome)}`}>{e.outcome}</span>
              </td>
              <td>{e.purpose ?? ''}</td>
              <td>
                <ul class="plain">
                  {e.subjects.slice(0, SHOWN_SUBJECTS).map((p) => (
                    <li key={p}>
                      <Link to={props.subjectLink(p)}>
                        <span class="visually-hidden">{m.filterSubject} </span>
                        <code>{p}</code>
                      </Link>
                    </li>
                  ))}
                  {e.subjects.length > SHOWN_SUBJECTS && <li class="muted small">{m.more({ n: e.subjects.length - SHOWN_SUBJECTS })}</li>}
                </ul>
              </td>
              <td class="detail">
                <span class="detail-line">{compactDetail(e.detail)}</span>
                <details>
                  <summary>{m.whole}</summary>
                  <pre>{JSON.stringify(e, null, 2)}</pre>
                </details>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
