import type { IncomingHttpHeaders } from 'node:http';
import type { Answer } from '../http/server.js';
import { errorAnswer } from './answers.js';
import type { IssuerContext } from './issuer-context.js';

// RFC 6750 section 2.1: the scheme is case-insensitive, the token is b64token.
const BEARER = /^Bearer +([A-Za-z0-9._~+/-]+=*) *$/i;

export function bearerTokenOf(headers: IncomingHttpHeaders): string | undefined {
  return BEARER.exec(headers.authorization ?? '')?.[1];
}

/** Whether the request carries a token this issuer granted and that has not expired. */
export const hasValidBearer = (context: IssuerContext, headers: IncomingHttpHeaders): boolean =>
  context.tokens.isValid(bearerTokenOf(headers));

/**
 * 401 with the challenge of RFC 6750 section 3: no error code when no credentials came at all. `as403` is a planted
 * bug: the request is still refused, with the wrong status.
 */
export function bearerRefusal(headers: IncomingHttpHeaders, as403 = false): Answer {
  if (as403) return errorAnswer(403, 'forbidden', 'a valid bearer token is required');
  const sentCredentials = headers.authorization !== undefined;
  return errorAnswer(
    401,
    sentCredentials ? 'invalid_token' : 'missing_token',
    sentCredentials
      ? 'the bearer token is not one this issuer granted, or it has expired'
      : 'a bearer token from the token endpoint is required',
    { headers: { 'www-authenticate': sentCredentials ? 'Bearer realm="issuer", error="invalid_token"' : 'Bearer realm="issuer"' } },
  );
}
