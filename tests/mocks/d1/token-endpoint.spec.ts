/**
 * The mock D1's token endpoint and bearer checks behave as the D1 OAuth2 documents say.
 */
import { generateKeyPairSync } from 'node:crypto';
import { SignJWT } from 'jose';
import type { D1Client } from '../../../lib/d1-client.js';
import { jsonRequest, send } from '../../../lib/http/client.js';
import { contractValid, expect, ISSUER_ID, KEY_ID, test } from './mock-d1-fixtures.js';

test('a valid ES256 assertion gets a Bearer token valid for 900 seconds', async ({ client }) => {
  const response = await client.requestToken();
  expect(response.status).toBe(200);
  const body = contractValid('getToken', response);
  expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 900 });
  expect(typeof body.access_token).toBe('string');
  expect(response.headers['cache-control']).toBe('no-store');
});

test('the token request may also be sent as JSON', async ({ client }) => {
  const response = await client.requestToken(undefined, true);
  expect(response.status).toBe(200);
});

test.describe('an assertion breaking a JWT rule is refused with 400', () => {
  const otherKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const cases: Record<string, (c: D1Client) => Promise<string>> = {
    'signed by a key D1 does not hold': (c) => c.assertion({ key: otherKey }),
    'naming an unknown kid': (c) => c.assertion({ kid: 'no-such-key' }),
    'whose iss is another issuer': (c) => c.assertion({ claims: { iss: 'OTHERBANK1' } }),
    'whose sub is not the issuerId': (c) => c.assertion({ claims: { sub: 'someone' } }),
    'whose exp lies an hour ahead': (c) => c.assertion({ expiresIn: 3600 }),
    'that already expired': (c) => c.assertion({ expiresIn: -120 }),
    'with a fractional exp': (c) => c.assertion({ claims: { exp: Math.floor(Date.now() / 1000) + 60.5 } }),
    'signed with HS256': () =>
      new SignJWT({ iss: ISSUER_ID, sub: ISSUER_ID, exp: Math.floor(Date.now() / 1000) + 60 })
        .setProtectedHeader({ alg: 'HS256', kid: KEY_ID })
        .sign(new TextEncoder().encode('a-shared-secret-of-32-bytes-long!')),
    'that is not a JWT': () => Promise.resolve('not-a-jwt'),
  };
  for (const [label, build] of Object.entries(cases)) {
    test(label, async ({ client }) => {
      const response = await client.requestToken(await build(client));
      expect(response.status).toBe(400);
      expect(contractValid('getToken', response)).toMatchObject({ errorCode: 'FIELD_INVALID_VALUE', error: 'assertion' });
    });
  }
});

test('a token request with another grant_type or no assertion is refused with 400', async ({ d1 }) => {
  const url = `${d1.authUrl}/oauth2/token`;
  const wrongGrant = await send(jsonRequest('POST', url, { grant_type: 'client_credentials', assertion: 'x' }));
  expect(wrongGrant.status).toBe(400);
  expect(wrongGrant.json).toMatchObject({ errorCode: 'FIELD_INVALID_VALUE', error: 'grant_type' });
  const noAssertion = await send(jsonRequest('POST', url, { grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer' }));
  expect(noAssertion.status).toBe(400);
  expect(noAssertion.json).toMatchObject({ errorCode: 'FIELD_INVALID_FORMAT', error: 'assertion' });
});

test.describe('a call without a valid access token is refused with 401 AUTHORIZER_UNAUTHORIZED', () => {
  const path = { consumerId: 'cns_1' };
  test('no Authorization header', async ({ client }) => {
    const response = await client.call('clickToPayGetConsumerProfiles', { path, token: null });
    expect(response.status).toBe(401);
    expect(contractValid('clickToPayGetConsumerProfiles', response)).toEqual({
      errorCode: 'AUTHORIZER_UNAUTHORIZED',
      error: 'Unauthorized message',
    });
  });
  test('a malformed header', async ({ client }) => {
    const response = await client.call('clickToPayGetConsumerProfiles', { path, token: null, headers: { authorization: 'Token abc' } });
    expect(response.status).toBe(401);
  });
  test('a token D1 never issued', async ({ client }) => {
    const response = await client.call('clickToPayGetConsumerProfiles', { path, token: 'bm90LWEtdG9rZW4' });
    expect(response.status).toBe(401);
  });
  test('the assertion itself instead of a token', async ({ client }) => {
    const response = await client.call('clickToPayGetConsumerProfiles', { path, token: await client.assertion() });
    expect(response.status).toBe(401);
  });
  test('a token issued to another issuer', async ({ client }) => {
    const response = await client.call('clickToPayGetConsumerProfiles', { path: { ...path, issuerId: 'OTHERBANK1' } });
    expect(response.status).toBe(401);
  });
});

test.describe('token lifetime', () => {
  test.use({ mockOptions: { tokenLifetimeSeconds: 1 } });
  test('an expired token is refused', async ({ client }) => {
    const token = await client.token();
    expect((await client.call('clickToPayGetConsumerProfiles', { path: { consumerId: 'c1' }, token })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect((await client.call('clickToPayGetConsumerProfiles', { path: { consumerId: 'c1' }, token })).status).toBe(401);
  });
});

test('one token serves many calls until it expires', async ({ client }) => {
  const token = await client.token();
  for (let i = 0; i < 5; i += 1) {
    expect((await client.call('clickToPayGetConsumerProfiles', { path: { consumerId: `c${i}` }, token })).status).toBe(200);
  }
});
