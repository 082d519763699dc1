// Back from the OpenID provider: the answer leaves the address bar at once, the code is exchanged
// for a token, and the console carries on where the sign-in started; or it says why not.
import { useEffect, useState } from 'preact/hooks';
import { Link } from '../components/link.tsx';
import { Loading, Page } from '../components/page.tsx';
import { loadConfig } from '../config.ts';
import { defineMessages } from '../i18n.ts';
import { finishSignIn, OidcError, takeCallback, type OidcFailure } from '../oidc.ts';
import { navigate } from '../router.ts';

const useM = defineMessages({
  en: {
    signingIn: 'Signing in…',
    failed: 'Sign-in failed',
    back: 'Back to the sign-in page',
    said: 'Reason given',
    discovery: "The identity provider's configuration could not be read.",
    issuer_mismatch: 'The identity provider describes itself as another issuer than the one the gateway trusts.',
    token_endpoint_origin: "The identity provider's token endpoint is not on the origin of its discovery URL, which the console may reach.",
    no_s256: 'The identity provider does not support PKCE with S256.',
    no_pending: 'No sign-in was started in this tab, or it was already used. Start again from the sign-in page.',
    state_mismatch: 'This answer does not belong to the sign-in started in this tab (state mismatch): it was refused.',
    provider_error: 'The identity provider did not sign you in.',
    iss_mismatch: 'The answer comes from another identity provider than the one asked: it was refused.',
    no_code: 'The identity provider answered without an authorization code.',
    token_refused: 'The identity provider refused to issue a token.',
    bad_token_answer: 'The identity provider did not answer with a bearer access token.',
    id_token_mismatch: 'The ID token does not match this sign-in (issuer, client or nonce): it was refused.',
    gateway_refused: 'The gateway refused the token the identity provider issued.',
    unknown: 'Something went wrong while signing in.',
  },
  fr: {
    signingIn: 'Connexion en cours…',
    failed: 'La connexion a échoué',
    back: 'Retour à la page de connexion',
    said: 'Raison donnée',
    discovery: "La configuration du fournisseur d'identité n'a pas pu être lue.",
    issuer_mismatch: "Le fournisseur d'identité se présente comme un autre émetteur que celui auquel la passerelle fait confiance.",
    token_endpoint_origin:
      "Le point de jeton du fournisseur d'identité n'est pas sur l'origine de son URL de découverte, la seule que la console peut joindre.",
    no_s256: "Le fournisseur d'identité ne prend pas en charge PKCE avec S256.",
    no_pending: "Aucune connexion n'a été commencée dans cet onglet, ou elle a déjà servi. Recommencez depuis la page de connexion.",
    state_mismatch: "Cette réponse n'appartient pas à la connexion commencée dans cet onglet (state différent) : elle a été refusée.",
    provider_error: "Le fournisseur d'identité ne vous a pas connecté.",
    iss_mismatch: "La réponse vient d'un autre fournisseur d'identité que celui sollicité : elle a été refusée.",
    no_code: "Le fournisseur d'identité a répondu sans code d'autorisation.",
    token_refused: "Le fournisseur d'identité a refusé de délivrer un jeton.",
    bad_token_answer: "Le fournisseur d'identité n'a pas répondu par un jeton d'accès de type bearer.",
    id_token_mismatch: "Le jeton d'identité ne correspond pas à cette connexion (émetteur, client ou nonce) : il a été refusé.",
    gateway_refused: "La passerelle a refusé le jeton délivré par le fournisseur d'identité.",
    unknown: "Une erreur s'est produite pendant la connexion.",
  },
});

// One completion per page load, however often the page renders.
let outcome: Promise<string> | undefined;

export default function OidcCallback() {
  const m = useM();
  const [params] = useState(takeCallback);
  const [failure, setFailure] = useState<{ reason: OidcFailure | 'unknown'; detail?: string | undefined }>();
  useEffect(() => {
    outcome ??= loadConfig().then((config) => finishSignIn(params, config));
    let live = true;
    outcome.then(
      (to) => live && navigate(to, { replace: true }),
      (e: unknown) => live && setFailure(e instanceof OidcError ? { reason: e.reason, detail: e.detail } : { reason: 'unknown' }),
    );
    return () => {
      live = false;
    };
  }, [params]);
  if (!failure) {
    return (
      <Page title={m.signingIn}>
        <Loading label={m.signingIn} />
      </Page>
    );
  }
  return (
    <Page title={m.failed}>
      <div class="problem" role="alert" data-reason={failure.reason}>
        <p>
          <strong>{m[failure.reason]}</strong>
        </p>
        {failure.detail && (
          <p>
            {m.said}: {failure.detail}
          </p>
        )}
      </div>
      <p>
        <Link to="/sign-in">{m.back}</Link>
      </p>
    </Page>
  );
}
