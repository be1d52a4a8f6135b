/**
 * The reference issuer's consumer information endpoint (getConsumerInformation): bearer tokens, parameter checks,
 * known and unknown consumers. Rules: CONSUMER-INFO-*.
 */
import { DEFAULT_CONSUMERS, DEFAULT_CONSUMER_ID, type ConsumerInfo } from '../../../mocks/issuer/index.js';
import { ConfigurationError } from '../../../lib/config/errors.js';
import { send } from '../../../lib/http/client.js';
import { accessToken, consumerInfoUrl, expectContractValid, expectJsonError, getConsumerInfo, reportedRules } from './issuer-calls.js';
import { expect, test } from './issuer-fixtures.js';

const minimalConsumer: ConsumerInfo = { language: 'ar-AE', firstName: 'سارة', lastName: "O'Brien-Núñez" };

test('a known consumer is answered 200 with a contract-valid consumerInfo (CONSUMER-INFO-KNOWN-CONSUMER)', async ({ issuer }) => {
  const token = await accessToken(issuer);
  const response = await getConsumerInfo(issuer, DEFAULT_CONSUMER_ID, token);
  expect(response.status).toBe(200);
  expectContractValid('getConsumerInformation', response);
  expect(response.json).toEqual({ consumerInfo: DEFAULT_CONSUMERS[DEFAULT_CONSUMER_ID] });
  expect(response.headers['cache-control']).toBe('no-store');
});

test('the default consumer carries everything Click to Pay needs (CONSUMER-INFO-CTP-CONTACT)', async ({ issuer }) => {
  const token = await accessToken(issuer);
  const consumerInfo = ((await getConsumerInfo(issuer, DEFAULT_CONSUMER_ID, token)).json as { consumerInfo: ConsumerInfo }).consumerInfo;
  expect(Object.keys(consumerInfo).sort()).toEqual(
    ['dateOfBirth', 'email', 'firstName', 'language', 'lastName', 'middleName', 'mobilePhoneNumber', 'title'].sort(),
  );
});

test('a request with the optional cardId and x-correlation-id is served (CONSUMER-INFO-CARDID-ONBOARDING)', async ({ issuer }) => {
  const token = await accessToken(issuer);
  const response = await getConsumerInfo(issuer, DEFAULT_CONSUMER_ID, token, {
    query: 'cardId=crd_h2otddwm5uwujlye3qyxmjkpha',
    headers: { 'x-correlation-id': '3f9c1e0a-77b2-4d1e-9a10-5c2d8e4b6f01' },
  });
  expect(response.status).toBe(200);
  expectContractValid('getConsumerInformation', response);
});

test('an unknown consumer is answered 404 with a JSON body (CONSUMER-INFO-UNKNOWN-CONSUMER)', async ({ issuer }) => {
  const token = await accessToken(issuer);
  const response = await getConsumerInfo(issuer, 'cns_nobody_0001', token);
  expectJsonError(response, 404, 'unknown_consumer');
  expectContractValid('getConsumerInformation', response);
});

test('a consumer of another issuer is answered 404', async ({ issuer }) => {
  const token = await accessToken(issuer);
  const response = await send({
    method: 'GET',
    url: consumerInfoUrl(issuer, DEFAULT_CONSUMER_ID, 'OTHERBANK1'),
    headers: { authorization: `Bearer ${token}` },
  });
  expectJsonError(response, 404, 'unknown_issuer');
  expectContractValid('getConsumerInformation', response);
});

const badRequests = [
  { what: 'a consumerId with a dot', consumerId: 'a.b', rules: ['CONSUMER-INFO-CONSUMERID-PATTERN'] },
  // The published patterns carry the length bound too ({1,64}), so a value too long breaks both rules.
  {
    what: 'a consumerId of 65 characters',
    consumerId: 'c'.repeat(65),
    rules: ['CONSUMER-INFO-CONSUMERID-LENGTH', 'CONSUMER-INFO-CONSUMERID-PATTERN'],
  },
  { what: 'a cardId with a dot', consumerId: DEFAULT_CONSUMER_ID, query: 'cardId=crd.1', rules: ['CONSUMER-INFO-CARDID-PATTERN'] },
  {
    what: 'a cardId of 49 characters',
    consumerId: DEFAULT_CONSUMER_ID,
    query: `cardId=${'c'.repeat(49)}`,
    rules: ['CONSUMER-INFO-CARDID-LENGTH', 'CONSUMER-INFO-CARDID-PATTERN'],
  },
  {
    what: 'an x-correlation-id with a space',
    consumerId: DEFAULT_CONSUMER_ID,
    headers: { 'x-correlation-id': 'has space' },
    rules: ['CONSUMER-INFO-CORRELATIONID-PATTERN'],
  },
] as const;

for (const request of badRequests) {
  test(`a request with ${request.what} is refused 400 naming ${request.rules.join(' and ')} (CONSUMER-INFO-BAD-REQUEST)`, async ({
    issuer,
  }) => {
    const token = await accessToken(issuer);
    const response = await getConsumerInfo(issuer, request.consumerId, token, {
      ...('query' in request ? { query: request.query } : {}),
      ...('headers' in request ? { headers: request.headers } : {}),
    });
    expectJsonError(response, 400, 'invalid_request');
    expect(reportedRules(response).sort()).toEqual([...request.rules]);
    expectContractValid('getConsumerInformation', response);
  });
}

test('an issuerId that is not 10 characters is refused 400 (CONSUMER-INFO-ISSUERID-LENGTH)', async ({ issuer }) => {
  const token = await accessToken(issuer);
  const response = await send({
    method: 'GET',
    url: consumerInfoUrl(issuer, DEFAULT_CONSUMER_ID, 'TESTBANK001'),
    headers: { authorization: `Bearer ${token}` },
  });
  expectJsonError(response, 400, 'invalid_request');
  expect(reportedRules(response)).toEqual(['CONSUMER-INFO-ISSUERID-LENGTH']);
});

test('consumer information without a token is refused 401 (CONSUMER-INFO-AUTH-BEARER)', async ({ issuer }) => {
  const response = await getConsumerInfo(issuer, DEFAULT_CONSUMER_ID);
  expectJsonError(response, 401, 'missing_token');
  expect(response.headers['www-authenticate']).toBe('Bearer realm="issuer"');
  expect(response.text).not.toContain(DEFAULT_CONSUMERS[DEFAULT_CONSUMER_ID]?.lastName ?? 'unreachable');
  expectContractValid('getConsumerInformation', response);
});

test('consumer information with a token the issuer never granted is refused 401 (CONSUMER-INFO-AUTH-BEARER)', async ({ issuer }) => {
  const response = await getConsumerInfo(issuer, DEFAULT_CONSUMER_ID, 'bm90LWdyYW50ZWQ');
  expectJsonError(response, 401, 'invalid_token');
  expectContractValid('getConsumerInformation', response);
});

test('the token is checked before the parameters, so a caller without one learns nothing', async ({ issuer }) => {
  expectJsonError(await getConsumerInfo(issuer, 'a.b'), 401);
  expectJsonError(await getConsumerInfo(issuer, 'cns_nobody_0001'), 401);
});

test('with OAuth disabled consumer information needs no token', async ({ startIssuer }) => {
  const issuer = await startIssuer({ requireBearer: false });
  const response = await getConsumerInfo(issuer, DEFAULT_CONSUMER_ID);
  expect(response.status).toBe(200);
  expectContractValid('getConsumerInformation', response);
});

test('the consumers option replaces the default consumer', async ({ startIssuer }) => {
  const issuer = await startIssuer({ consumers: { cns_minimal_01: minimalConsumer } });
  const token = await accessToken(issuer);
  const response = await getConsumerInfo(issuer, 'cns_minimal_01', token);
  expect(response.json).toEqual({ consumerInfo: minimalConsumer });
  expectContractValid('getConsumerInformation', response);
  expect((await getConsumerInfo(issuer, DEFAULT_CONSUMER_ID, token)).status).toBe(404);
});

test('setConsumer and removeConsumer change which consumers are known', async ({ issuer }) => {
  const token = await accessToken(issuer);
  issuer.setConsumer('cns_added_0001', minimalConsumer);
  const added = await getConsumerInfo(issuer, 'cns_added_0001', token);
  expect(added.json).toEqual({ consumerInfo: minimalConsumer });
  expectContractValid('getConsumerInformation', added);
  expect(issuer.removeConsumer('cns_added_0001')).toBe(true);
  expect(issuer.removeConsumer('cns_added_0001')).toBe(false);
  expect((await getConsumerInfo(issuer, 'cns_added_0001', token)).status).toBe(404);
});

test('a consumer the contract would refuse cannot be registered, and the refusal does not repeat its data', ({ issuer }) => {
  const invalid = { ...minimalConsumer, language: 'english', email: 'not-an-email-address' };
  let thrown: unknown;
  try {
    issuer.setConsumer('cns_bad_0001', invalid);
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(ConfigurationError);
  const message = (thrown as Error).message;
  expect(message).toContain('CONSUMER-INFO-LANGUAGE-PATTERN');
  expect(message).toContain('CONSUMER-INFO-EMAIL-FORMAT');
  expect(message).not.toContain('english');
  expect(message).not.toContain('not-an-email-address');
  expect(() => issuer.setConsumer('a.b', minimalConsumer)).toThrow(/CONSUMER-INFO-CONSUMERID-PATTERN/);
});

test('a consumer changed by the caller after registration is served as registered', async ({ issuer }) => {
  const token = await accessToken(issuer);
  const info: ConsumerInfo = { ...minimalConsumer };
  issuer.setConsumer('cns_copy_0001', info);
  info.language = 'xx';
  const response = await getConsumerInfo(issuer, 'cns_copy_0001', token);
  expect((response.json as { consumerInfo: ConsumerInfo }).consumerInfo.language).toBe('ar-AE');
});
