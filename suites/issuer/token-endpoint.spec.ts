/**
 * The issuer's token endpoint, called as D1 calls it: HTTP Basic client credentials and a form-encoded
 * client_credentials grant. Only issuers that enabled OAuth for D1's calls host it.
 */
import { holds, notServed, responseConformsToContract, statusIs, valueIs, valueIsOneOf } from '../../lib/checks/index.js';
import { basicAuthorization, type HttpResponse } from '../../lib/http/client.js';
import { test, rule, type IssuerParty } from '../../fixtures/index.js';
import { withoutSecrets } from './issuer-requests.js';

const OP = 'issuerGetToken';

type TokenAnswer = { access_token?: unknown; token_type?: unknown; expires_in?: unknown; error?: unknown } | undefined;
const answerOf = (json: unknown): TokenAnswer => json as TokenAnswer;

test.describe('issuer token endpoint', () => {
  // ISSUER-TOKEN-OPTIONAL: the endpoint exists only when OAuth is enabled for D1's calls to this issuer.
  test.skip(
    ({ issuer }) => !issuer.usesOAuth,
    'the issuer does not use OAuth (no ISSUER_AUTH_URL): D1 calls it without tokens, so it hosts no token endpoint',
  );

  test(
    'valid Basic client credentials get a Bearer access token',
    rule('ISSUER-TOKEN-BASIC-AUTH', 'ISSUER-TOKEN-ACCESSTOKEN-REQUIRED', 'ISSUER-TOKEN-TOKENTYPE-REQUIRED', 'ISSUER-TOKEN-SCOPE'),
    async ({ issuer }) => {
      // A request without scope is what D1 sends when the issuer defined none (ISSUER-TOKEN-SCOPE).
      const response = await issuer.requestToken();
      statusIs('ISSUER-TOKEN-BASIC-AUTH', withoutSecrets(response), 200);
      responseConformsToContract(OP, response);
      const token = answerOf(response.json)?.access_token;
      holds(
        'ISSUER-TOKEN-ACCESSTOKEN-REQUIRED',
        typeof token === 'string' && token !== '',
        '/access_token',
        'a non-empty string',
        typeof token,
      );
    },
  );

  test(
    'the token answer names its type exactly Bearer',
    rule('ISSUER-TOKEN-TOKENTYPE-ENUM', 'ISSUER-TOKEN-TOKENTYPE-REQUIRED'),
    async ({ issuer }) => {
      const response = await issuer.requestToken();
      statusIs('ISSUER-TOKEN-BASIC-AUTH', withoutSecrets(response), 200);
      valueIs('ISSUER-TOKEN-TOKENTYPE-ENUM', '/token_type', answerOf(response.json)?.token_type, 'Bearer');
      responseConformsToContract(OP, response);
    },
  );

  // The documents ask for a string where RFC 6749 and mainstream servers give a number: the catalogue marks the rule
  // a documentation quirk, so a number is a warning.
  test('expires_in, when stated, is a JSON string of whole seconds', rule('ISSUER-TOKEN-EXPIRESIN-TYPE'), async ({ issuer }) => {
    const response = await issuer.requestToken();
    statusIs('ISSUER-TOKEN-BASIC-AUTH', withoutSecrets(response), 200);
    const expiresIn = answerOf(response.json)?.expires_in;
    test.info().annotations.push({
      type: 'expires_in',
      description: expiresIn === undefined ? 'not stated' : `${typeof expiresIn} ${JSON.stringify(expiresIn)}`,
    });
    if (expiresIn !== undefined) {
      holds(
        'ISSUER-TOKEN-EXPIRESIN-TYPE',
        typeof expiresIn === 'string',
        '/expires_in',
        'a JSON string, such as "900"',
        `a ${typeof expiresIn}`,
      );
      const seconds = typeof expiresIn === 'string' ? expiresIn : JSON.stringify(expiresIn);
      holds('ISSUER-TOKEN-EXPIRESIN-TYPE', /^[1-9][0-9]*$/.test(seconds), '/expires_in', 'a positive whole number of seconds', seconds);
    }
    responseConformsToContract(OP, response);
  });

  // Credentials that prove nothing: a token for them is a security finding. How the refusal reads is RFC 6749's
  // business (section 5.2), judged apart so that one deviation fails one rule: 401 invalid_client when Basic
  // credentials were sent and failed; 400 or 401 when no client authentication came at all.
  interface BadCredentials {
    readonly credentials: string;
    readonly send: (issuer: IssuerParty, secret: string) => Promise<HttpResponse>;
    readonly statuses: readonly number[];
    readonly errors: readonly string[];
  }
  const badCredentials: readonly BadCredentials[] = [
    // The right secret with one more character: wrong, and never written anywhere.
    {
      credentials: 'a wrong client secret',
      send: (issuer, secret) => issuer.requestToken({ secret: `${secret}x` }),
      statuses: [401],
      errors: ['invalid_client'],
    },
    {
      credentials: 'an unknown client id',
      send: (issuer) => issuer.requestToken({ authorization: basicAuthorization(`unknown-client-${Date.now()}`, 'not-the-secret') }),
      statuses: [401],
      errors: ['invalid_client'],
    },
    {
      credentials: 'a token request without an Authorization header',
      send: (issuer) => issuer.requestToken({ authorization: null }),
      statuses: [400, 401],
      errors: ['invalid_client', 'invalid_request'],
    },
  ];
  for (const { credentials, send, statuses, errors } of badCredentials) {
    test(`${credentials} gets no token`, rule('ISSUER-TOKEN-WRONG-SECRET', 'ISSUER-TOKEN-BASIC-AUTH'), async ({ issuer, targets }) => {
      notServed('ISSUER-TOKEN-WRONG-SECRET', withoutSecrets(await send(issuer, targets.issuer.clientSecret ?? '')), 'a token');
    });

    test(
      `${credentials} is refused with ${statuses.join(' or ')} ${errors.join(' or ')}`,
      rule('ISSUER-TOKEN-WRONG-SECRET-ANSWER', 'ISSUER-TOKEN-401-ERROR-REQUIRED', 'ISSUER-TOKEN-401-ERROR-ENUM'),
      async ({ issuer, targets }) => {
        const response = await send(issuer, targets.issuer.clientSecret ?? '');
        test.skip(response.status < 300, 'a token was issued: ISSUER-TOKEN-WRONG-SECRET judges it');
        statusIs('ISSUER-TOKEN-WRONG-SECRET-ANSWER', withoutSecrets(response), statuses);
        valueIsOneOf('ISSUER-TOKEN-WRONG-SECRET-ANSWER', '/error', answerOf(response.json)?.error, errors);
        responseConformsToContract(OP, response);
      },
    );
  }

  test(
    'a grant other than client_credentials gets 400 unsupported_grant_type',
    rule(
      'ISSUER-TOKEN-UNSUPPORTED-GRANT',
      'ISSUER-TOKEN-GRANTTYPE-ENUM',
      'ISSUER-TOKEN-ERROR-BAD-REQUEST',
      'ISSUER-TOKEN-400-ERROR-REQUIRED',
      'ISSUER-TOKEN-400-ERROR-ENUM',
    ),
    async ({ issuer }) => {
      // A real OAuth grant that D1 never uses, so only the grant type is wrong.
      const response = await issuer.requestToken({ fields: { grant_type: 'authorization_code' } });
      statusIs('ISSUER-TOKEN-UNSUPPORTED-GRANT', withoutSecrets(response), 400);
      // RFC 6749 section 5.2: a server that knows the grant but not for this client says unauthorized_client.
      valueIsOneOf('ISSUER-TOKEN-UNSUPPORTED-GRANT', '/error', answerOf(response.json)?.error, [
        'unsupported_grant_type',
        'unauthorized_client',
      ]);
      responseConformsToContract(OP, response);
    },
  );

  test(
    'a token request without grant_type gets 400 invalid_request',
    rule(
      'ISSUER-TOKEN-MISSING-GRANT',
      'ISSUER-TOKEN-GRANTTYPE-REQUIRED',
      'ISSUER-TOKEN-ERROR-BAD-REQUEST',
      'ISSUER-TOKEN-400-ERROR-REQUIRED',
      'ISSUER-TOKEN-400-ERROR-ENUM',
    ),
    async ({ issuer }) => {
      const response = await issuer.requestToken({ fields: {} });
      statusIs('ISSUER-TOKEN-MISSING-GRANT', withoutSecrets(response), 400);
      valueIs('ISSUER-TOKEN-MISSING-GRANT', '/error', answerOf(response.json)?.error, 'invalid_request');
      responseConformsToContract(OP, response);
    },
  );

  test(
    'a token request sent as JSON instead of a form gets 400 invalid_request',
    rule(
      'ISSUER-TOKEN-MISSING-GRANT',
      'ISSUER-TOKEN-CONTENT-TYPE',
      'ISSUER-TOKEN-ERROR-BAD-REQUEST',
      'ISSUER-TOKEN-400-ERROR-REQUIRED',
      'ISSUER-TOKEN-400-ERROR-ENUM',
    ),
    async ({ issuer }) => {
      // The right fields in the wrong encoding: D1 only ever sends a form, so a JSON body is not a token request.
      const response = await issuer.requestToken({ json: true });
      statusIs('ISSUER-TOKEN-MISSING-GRANT', withoutSecrets(response), 400);
      valueIs('ISSUER-TOKEN-MISSING-GRANT', '/error', answerOf(response.json)?.error, 'invalid_request');
      responseConformsToContract(OP, response);
    },
  );
});
