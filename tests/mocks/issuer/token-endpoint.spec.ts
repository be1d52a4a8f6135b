/**
 * The reference issuer's token endpoint (issuerGetToken): Basic client credentials, a form-encoded
 * client_credentials grant, RFC 6749 errors. Rules: ISSUER-TOKEN-*.
 */
import { basicAuthorization, jsonRequest, send } from '../../../lib/http/client.js';
import { expectContractValid, expectJsonError, requestToken, tokenUrl } from './issuer-calls.js';
import { expect, test } from './issuer-fixtures.js';

interface TokenAnswer {
  readonly access_token: string;
  readonly token_type: string;
  readonly expires_in: unknown;
  readonly expires_at: string;
  readonly scope?: string;
}

test(
  'valid Basic credentials and a client_credentials grant get a Bearer token ' + '(ISSUER-TOKEN-BASIC-AUTH, ISSUER-TOKEN-TOKENTYPE-ENUM)',
  async ({ issuer }) => {
    const before = Date.now();
    const response = await requestToken(issuer);
    expect(response.status).toBe(200);
    expectContractValid('issuerGetToken', response);
    const answer = response.json as TokenAnswer;
    // 32 random bytes in base64url are 43 characters.
    expect(answer.access_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(answer.token_type).toBe('Bearer');
    expect(answer.expires_in).toBe('900');
    expect(Date.parse(answer.expires_at) - before).toBeGreaterThanOrEqual(900_000 - 1_000);
    expect(answer).not.toHaveProperty('scope');
    expect(response.headers['cache-control']).toBe('no-store');
    expect(issuer.issuedTokenCount()).toBe(1);
  },
);

test('expires_in is the configured lifetime as a JSON string (ISSUER-TOKEN-EXPIRESIN-TYPE)', async ({ startIssuer }) => {
  const issuer = await startIssuer({ tokenLifetimeSeconds: 60 });
  const response = await requestToken(issuer);
  expectContractValid('issuerGetToken', response);
  expect((response.json as TokenAnswer).expires_in).toBe('60');
});

test('a requested scope is granted and named in the answer (ISSUER-TOKEN-SCOPE)', async ({ issuer }) => {
  const response = await requestToken(issuer, { grant_type: 'client_credentials', scope: 'd1-notifications' });
  expectContractValid('issuerGetToken', response);
  expect((response.json as TokenAnswer).scope).toBe('d1-notifications');
});

test('every token request gets a new token, and each is counted', async ({ issuer }) => {
  const first = await requestToken(issuer);
  const second = await requestToken(issuer);
  expect((first.json as TokenAnswer).access_token).not.toBe((second.json as TokenAnswer).access_token);
  expect(issuer.issuedTokenCount()).toBe(2);
});

test('a token request without credentials is refused 401 invalid_client with a Basic challenge (ISSUER-TOKEN-WRONG-SECRET)', async ({
  issuer,
}) => {
  const response = await send({
    method: 'POST',
    url: tokenUrl(issuer),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials',
  });
  expectJsonError(response, 401, 'invalid_client');
  expect(response.headers['www-authenticate']).toBe('Basic realm="issuer"');
  expectContractValid('issuerGetToken', response);
  expect(issuer.issuedTokenCount()).toBe(0);
});

test('a token request with the wrong client secret is refused 401 invalid_client (ISSUER-TOKEN-WRONG-SECRET)', async ({ issuer }) => {
  const response = await requestToken(issuer, { grant_type: 'client_credentials' }, `${issuer.clientSecret}x`);
  expectJsonError(response, 401, 'invalid_client');
  expect(response.headers['www-authenticate']).toBe('Basic realm="issuer"');
  expectContractValid('issuerGetToken', response);
  expect(issuer.issuedTokenCount()).toBe(0);
});

test('a token request from an unknown client id is refused 401 invalid_client (ISSUER-TOKEN-WRONG-SECRET)', async ({ issuer }) => {
  const response = await send({
    method: 'POST',
    url: tokenUrl(issuer),
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: basicAuthorization('someone-else', issuer.clientSecret),
    },
    body: 'grant_type=client_credentials',
  });
  expectJsonError(response, 401, 'invalid_client');
  expectContractValid('issuerGetToken', response);
});

test('credentials in a header that is not valid Basic are refused 401 invalid_client', async ({ issuer }) => {
  for (const authorization of ['Basic', 'Basic bm8tY29sb24=', `Bearer ${issuer.clientSecret}`, 'Basic ***']) {
    const response = await send({
      method: 'POST',
      url: tokenUrl(issuer),
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization },
      body: 'grant_type=client_credentials',
    });
    expectJsonError(response, 401, 'invalid_client');
    expectContractValid('issuerGetToken', response);
  }
});

test('a token request with a JSON body is refused 400 invalid_request (ISSUER-TOKEN-MISSING-GRANT)', async ({ issuer }) => {
  const response = await send(
    jsonRequest(
      'POST',
      tokenUrl(issuer),
      { grant_type: 'client_credentials' },
      { authorization: basicAuthorization(issuer.clientId, issuer.clientSecret) },
    ),
  );
  expectJsonError(response, 400, 'invalid_request');
  expect((response.json as { error_description: string }).error_description).toContain('application/x-www-form-urlencoded');
  expectContractValid('issuerGetToken', response);
  expect(issuer.issuedTokenCount()).toBe(0);
});

test('a token request without grant_type is refused 400 invalid_request (ISSUER-TOKEN-MISSING-GRANT)', async ({ issuer }) => {
  const response = await requestToken(issuer, { scope: 'd1-notifications' });
  expectJsonError(response, 400, 'invalid_request');
  expect((response.json as { violations: { rule: string }[] }).violations.map((violation) => violation.rule)).toEqual([
    'ISSUER-TOKEN-GRANTTYPE-REQUIRED',
  ]);
  expectContractValid('issuerGetToken', response);
});

test('a token request with an empty body is refused 400 invalid_request (ISSUER-TOKEN-MISSING-GRANT)', async ({ issuer }) => {
  const response = await send({
    method: 'POST',
    url: tokenUrl(issuer),
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: basicAuthorization(issuer.clientId, issuer.clientSecret),
    },
  });
  expectJsonError(response, 400, 'invalid_request');
  expectContractValid('issuerGetToken', response);
});

test('a token request with another grant_type is refused 400 unsupported_grant_type (ISSUER-TOKEN-UNSUPPORTED-GRANT)', async ({
  issuer,
}) => {
  for (const grantType of ['password', 'authorization_code', 'urn:ietf:params:oauth:grant-type:jwt-bearer']) {
    const response = await requestToken(issuer, { grant_type: grantType });
    expectJsonError(response, 400, 'unsupported_grant_type');
    expectContractValid('issuerGetToken', response);
  }
  expect(issuer.issuedTokenCount()).toBe(0);
});

test('wrong credentials are answered 401 before the body is looked at', async ({ issuer }) => {
  const response = await requestToken(issuer, { grant_type: 'password' }, 'wrong');
  expectJsonError(response, 401, 'invalid_client');
});

test('the token and the client secret never reach the log', async ({ issuer, issuerLog }) => {
  const response = await requestToken(issuer);
  const token = (response.json as TokenAnswer).access_token;
  await requestToken(issuer, { grant_type: 'client_credentials' }, 'wrong-secret-value');
  expect(issuerLog).toHaveLength(2);
  expect(issuerLog[0]).toMatch(/^\[reference-issuer req-\d+\] POST \/authz\/d1\/v1\/oauth2\/token -> 200 \(\d+\.\d ms\)$/);
  for (const line of issuerLog) {
    expect(line).not.toContain(token);
    expect(line).not.toContain(issuer.clientSecret);
    expect(line).not.toContain('wrong-secret-value');
  }
});
