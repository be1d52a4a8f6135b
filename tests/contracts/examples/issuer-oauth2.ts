import type { FieldExampleSet } from './field-example-set.js';

/** The token-endpoint error codes of RFC 6749 section 5.2. */
const rfc6749Errors = [
  'invalid_request',
  'invalid_client',
  'invalid_grant',
  'unauthorized_client',
  'unsupported_grant_type',
  'invalid_scope',
] as const;

export const issuerOAuth2Examples: readonly FieldExampleSet[] = [
  {
    title: 'grant_type is client_credentials (inferred value)',
    rules: ['ISSUER-TOKEN-GRANTTYPE-ENUM'],
    accept: ['client_credentials'],
    reject: ['password', 'authorization_code', 'urn:ietf:params:oauth:grant-type:jwt-bearer', 'CLIENT_CREDENTIALS', ''],
  },
  {
    title: 'token_type is exactly Bearer (the enum is case-sensitive)',
    rules: ['ISSUER-TOKEN-TOKENTYPE-ENUM'],
    accept: ['Bearer'],
    reject: ['bearer', 'BEARER', 'Basic', 'MAC', ''],
  },
  {
    title: 'expires_in of the issuer token is a JSON string ("900"), not a number',
    rules: ['ISSUER-TOKEN-EXPIRESIN-TYPE'],
    accept: ['900', '3600'],
    reject: [900, null, true],
  },
  {
    title: 'the error of a 400 or 401 answer is one of the RFC 6749 section 5.2 codes',
    rules: ['ISSUER-TOKEN-400-ERROR-ENUM', 'ISSUER-TOKEN-401-ERROR-ENUM'],
    accept: [...rfc6749Errors],
    reject: ['invalid_token', 'access_denied', 'server_error', 'INVALID_CLIENT', 'AUTHORIZER_UNAUTHORIZED', ''],
  },
];
