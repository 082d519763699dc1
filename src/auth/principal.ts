// Who is calling: the verified identity a token carries, and nothing of the token itself.
export interface Principal {
  /** Policy id of the issuer that signed the token (keys partner-scoped pseudonyms). */
  issuerId: string;
  issuer: string;
  subject: string;
  roles: readonly string[];
  /** Token expiry, epoch seconds. */
  exp: number;
}
