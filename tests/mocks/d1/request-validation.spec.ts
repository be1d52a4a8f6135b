/**
 * The mock D1 validates every request with the generated validators and answers as D1 documents, and no input makes
 * it answer a 5xx.
 */
import { randomBytes } from 'node:crypto';
import { send } from '../../../lib/http/client.js';
import { contractValid, expect, test } from './mock-d1-fixtures.js';

test('a path parameter outside its pattern gets 400 FIELD_INVALID_FORMAT naming the field', async ({ client }) => {
  const response = await client.call('clickToPayEnrol', { path: { cardId: 'crd.1' } });
  expect(response.status).toBe(400);
  expect(contractValid('clickToPayEnrol', response)).toEqual({ errorCode: 'FIELD_INVALID_FORMAT', error: 'cardId' });
});

test('a 9-character issuerId gets 400 FIELD_INVALID_FORMAT, not a lookup', async ({ client }) => {
  const response = await client.call('clickToPayEnrol', { path: { issuerId: 'TESTBANK0', cardId: 'c1' } });
  expect(response.status).toBe(400);
  expect(response.json).toEqual({ errorCode: 'FIELD_INVALID_FORMAT', error: 'issuerId' });
});

test('a 27-character cardholder name gets 400 naming name', async ({ client }) => {
  const response = await client.call('clickToPayEnrol', { path: { cardId: 'c1' }, body: { name: 'N'.repeat(27) } });
  expect(response.json).toEqual({ errorCode: 'FIELD_INVALID_FORMAT', error: 'name' });
});

test('a value outside an enum gets 400 FIELD_INVALID_VALUE', async ({ client }) => {
  const response = await client.call('clickToPayOptoutCard', { path: { cardId: 'c1' }, body: { reasonCode: 'FRAUD' } });
  expect(response.status).toBe(400);
  expect(response.json).toEqual({ errorCode: 'FIELD_INVALID_VALUE', error: 'reasonCode' });
});

test('a header outside its pattern gets 400 naming the header', async ({ client }) => {
  const response = await client.call('clickToPayGetConsumerProfiles', {
    path: { consumerId: 'c1' },
    headers: { 'x-correlation-id': 'has spaces' },
  });
  expect(response.json).toEqual({ errorCode: 'FIELD_INVALID_FORMAT', error: 'x-correlation-id' });
});

test('a missing required body field gets 400 naming it', async ({ client }) => {
  const response = await client.call('createCard', { body: { consumerId: 'c1' } });
  expect(response.json).toEqual({ errorCode: 'FIELD_INVALID_FORMAT', error: 'cardProductId' });
});

test('malformed JSON gets 400 with a body', async ({ client }) => {
  const response = await send({
    method: 'POST',
    url: client.urlOf('clickToPayEnrol', { cardId: 'c1' }),
    headers: { authorization: `Bearer ${await client.token()}`, 'content-type': 'application/json' },
    body: '{"name": "John',
  });
  expect(response.status).toBe(400);
  expect(response.json).toEqual({ errorCode: 'FIELD_INVALID_FORMAT', error: 'body' });
});

test('a body in another media type gets 400 with a body', async ({ client }) => {
  const response = await send({
    method: 'POST',
    url: client.urlOf('clickToPayEnrol', { cardId: 'c1' }),
    headers: { authorization: `Bearer ${await client.token()}`, 'content-type': 'text/plain' },
    body: 'name=John',
  });
  expect(response.status).toBe(400);
  expect(response.json).toMatchObject({ errorCode: 'FIELD_INVALID_FORMAT' });
});

test('a body over 1 MiB gets 413 with a body', async ({ client }) => {
  const response = await send({
    method: 'POST',
    url: client.urlOf('clickToPayEnrol', { cardId: 'c1' }),
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: randomBytes(700 * 1024).toString('hex') }),
  });
  expect(response.status).toBe(413);
  expect(response.json).toMatchObject({ errorCode: 'BODY_TOO_LARGE' });
});

test('an unknown path gets 404 and a wrong method 405 with Allow, both with a body', async ({ d1, client }) => {
  const unknown = await send({ method: 'GET', url: `${d1.bankingUrl}/v9/nothing` });
  expect(unknown.status).toBe(404);
  expect(unknown.json).toMatchObject({ errorCode: 'NOT_FOUND' });
  const wrongMethod = await send({ method: 'DELETE', url: client.urlOf('clickToPayEnrol', { cardId: 'c1' }) });
  expect(wrongMethod.status).toBe(405);
  expect(wrongMethod.headers.allow).toBe('POST');
  expect(wrongMethod.json).toMatchObject({ errorCode: 'METHOD_NOT_ALLOWED' });
});

test('every request gets an id, echoed in x-request-id, and a log line without secrets', async ({ issuerKeys }) => {
  const { startMockD1 } = await import('../../../mocks/d1/index.js');
  const { D1Client } = await import('../../../lib/d1-client.js');
  const lines: string[] = [];
  const d1 = await startMockD1({
    issuers: [{ issuerId: 'TESTBANK01', keys: [{ kid: 'k', publicKey: issuerKeys.publicKey }] }],
    log: (l) => lines.push(l),
  });
  try {
    const client = new D1Client({
      bankingUrl: d1.bankingUrl,
      authUrl: d1.authUrl,
      issuerId: 'TESTBANK01',
      keyId: 'k',
      privateKey: issuerKeys.privateKey,
    });
    const token = await client.token();
    const response = await client.call('clickToPayGetConsumerProfiles', { path: { consumerId: '4111111111111111' }, token });
    expect(response.headers['x-request-id']).toMatch(/^req-\d{6}$/);
    expect(lines.some((l) => l.includes(response.headers['x-request-id'] ?? '?'))).toBe(true);
    const everything = lines.join('\n');
    expect(everything).not.toContain(token);
    expect(everything).not.toContain('4111111111111111');
  } finally {
    await d1.stop();
  }
});
