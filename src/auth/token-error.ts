// A refused token. The reason is a fixed code for logs and audit; jose's own message never leaves.
import { AppError } from '../errors/app-error.ts';

export type TokenRefusal =
  | 'missing'
  | 'malformed_header'
  | 'too_large'
  | 'malformed_token'
  | 'algorithm_not_allowed'
  | 'unknown_issuer'
  | 'unknown_key'
  | 'bad_signature'
  | 'expired'
  | 'not_yet_valid'
  | 'claim_invalid'
  | 'roles_invalid'
  | 'role_not_grantable'
  | 'keys_unavailable'
  | 'lifetime_too_long';

export class TokenError extends AppError {
  constructor(readonly reason: TokenRefusal) {
    super('auth.invalid_token', DETAILS[reason], {
      headers: { 'WWW-Authenticate': 'Bearer realm="veilgate", error="invalid_token"' },
    });
    this.name = 'TokenError';
  }
}

const DETAILS: Record<TokenRefusal, string> = {
  missing: 'An Authorization: Bearer token is required.',
  malformed_header: 'The Authorization header must be "Bearer <token>".',
  too_large: 'The token is larger than the gateway accepts.',
  malformed_token: 'The token is not a well-formed JWS compact JWT.',
  algorithm_not_allowed: 'The token algorithm is not accepted.',
  unknown_issuer: 'The token issuer is not trusted.',
  unknown_key: 'The token was signed with a key the issuer does not publish.',
  bad_signature: 'The token signature is invalid.',
  expired: 'The token has expired.',
  not_yet_valid: 'The token is not valid yet.',
  claim_invalid: 'A required claim (iss, aud, sub, exp) is missing or does not match.',
  roles_invalid: 'The roles claim must be a non-empty array of role names.',
  role_not_grantable: 'The token carries a role its issuer may not grant.',
  keys_unavailable: 'The issuer keys could not be retrieved.',
  lifetime_too_long: "The token lives longer (exp - iat) than its issuer's max_token_lifetime, or has no iat.",
};
