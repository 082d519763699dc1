// How a refusal of the API reads: a plain sentence for the status, the gateway's own detail,
// and the request id to quote to an operator. A 403 says it is the policy, not a fault.
import { ApiError } from '../api.ts';
import { defineMessages } from '../i18n.ts';

const useM = defineMessages({
  en: {
    forbidden: 'You are not allowed to do this: the gateway refused it for your roles (403).',
    notFound: 'Not found (404): it does not exist, or it is not yours to see.',
    invalid: 'The gateway refused the request as invalid (422).',
    conflict: 'Conflict (409): the state changed meanwhile.',
    limited: 'Too many requests (429): try again later.',
    unavailable: 'The gateway is unavailable (503): try again later.',
    other: (p: { status: number }) => `The request failed (${p.status}).`,
    network: 'The gateway could not be reached.',
    request: 'Request id',
  },
  fr: {
    forbidden: "Vous n'êtes pas autorisé à faire cela : la passerelle l'a refusé pour vos rôles (403).",
    notFound: "Introuvable (404) : cela n'existe pas, ou ne vous est pas accessible.",
    invalid: 'La passerelle a refusé la requête comme invalide (422).',
    conflict: "Conflit (409) : l'état a changé entre-temps.",
    limited: 'Trop de requêtes (429) : réessayez plus tard.',
    unavailable: 'La passerelle est indisponible (503) : réessayez plus tard.',
    other: (p: { status: number }) => `La requête a échoué (${p.status}).`,
    network: "La passerelle n'a pas pu être jointe.",
    request: 'Identifiant de requête',
  },
});

export function ProblemMessage(props: { error: unknown }) {
  const m = useM();
  const e = props.error;
  if (!e) return null;
  if (!(e instanceof ApiError)) {
    return (
      <div class="problem" role="alert">
        {m.network}
      </div>
    );
  }
  const s = e.status;
  const headline =
    s === 403
      ? m.forbidden
      : s === 404
        ? m.notFound
        : s === 422
          ? m.invalid
          : s === 409
            ? m.conflict
            : s === 429
              ? m.limited
              : s === 503
                ? m.unavailable
                : m.other({ status: s });
  const rid = (e.problem as { request_id?: string }).request_id;
  return (
    <div class="problem" role="alert" data-status={s}>
      <p>
        <strong>{headline}</strong>
      </p>
      {e.problem.detail && <p>{e.problem.detail}</p>}
      {rid && (
        <p class="muted small">
          {m.request}: <code>{rid}</code>
        </p>
      )}
    </div>
  );
}
