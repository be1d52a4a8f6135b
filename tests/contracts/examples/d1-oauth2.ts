import type { FieldExampleSet } from './field-example-set.js';

/** Grant type of the JWT bearer grant (RFC 7523), the only one D1's token endpoint takes. */
const jwtBearer = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

export const d1OAuth2Examples: readonly FieldExampleSet[] = [
  {
    title: 'x-correlation-id is 1 to 64 ASCII letters, digits, underscore, hyphen',
    rules: ['D1-TOKEN-CORRELATIONID-PATTERN'],
    accept: ['3f9c1e0a-77b2-4d1e-9a10-5c2d8e4b6f01', 'x', 'A'.repeat(64)],
    reject: ['A'.repeat(65), 'corr.id', 'corr id', ''],
  },
  {
    title: 'grant_type is the JWT bearer grant and nothing else',
    rules: ['D1-TOKEN-GRANTTYPE-ENUM'],
    accept: [jwtBearer],
    reject: [
      'client_credentials',
      'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      'jwt-bearer',
      jwtBearer.toUpperCase(),
      `${jwtBearer} `,
      '',
    ],
  },
  {
    title: 'expires_in of a granted token is a JSON number (900), not a string',
    rules: ['D1-TOKEN-EXPIRESIN-TYPE'],
    accept: [900, 899],
    reject: ['900', null, true],
  },
];
