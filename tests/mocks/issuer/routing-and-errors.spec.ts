/**
 * What the reference issuer answers outside its happy paths: unknown paths, wrong methods, oversized and garbled
 * bodies. Whatever comes in, the answer is a 4xx with a JSON body, never a 5xx.
 */
import { ONE_MIB } from '../../../mocks/http/server.js';
import { send, type HttpRequest } from '../../../lib/http/client.js';
import { DEFAULT_CONSUMER_ID } from '../../../mocks/issuer/index.js';
import { accessToken, bearer, consumerInfoUrl, expectJsonError, notificationUrl, tokenUrl } from './issuer-calls.js';
import { expect, test } from './issuer-fixtures.js';

test('an unknown path is answered 404 with a JSON body', async ({ issuer }) => {
  for (const path of [
    '/',
    '/notifications/d1/v2/issuers/TESTBANK01/accounts',
    '/authz/d1/v1/oauth2/token/',
    '/banking/d1/v1/issuers/TESTBANK01/consumers',
  ]) {
    expectJsonError(await send({ method: 'GET', url: `${issuer.url}${path}` }), 404, 'not_found');
  }
});

test('a known path called with the wrong method is answered 405 with an Allow header', async ({ issuer }) => {
  const cases = [
    { method: 'GET', url: tokenUrl(issuer), allow: 'POST' },
    { method: 'PUT', url: notificationUrl(issuer, 'card'), allow: 'POST' },
    { method: 'DELETE', url: notificationUrl(issuer, 'consumer'), allow: 'POST' },
    { method: 'POST', url: consumerInfoUrl(issuer, DEFAULT_CONSUMER_ID), allow: 'GET' },
  ];
  for (const { method, url, allow } of cases) {
    const response = await send({ method, url });
    expectJsonError(response, 405, 'method_not_allowed');
    expect(response.headers.allow).toBe(allow);
  }
});

test('a body over 1 MiB is answered 413 with a JSON body, on every endpoint', async ({ issuer }) => {
  const token = await accessToken(issuer);
  const oversized = `{"operations":[],"padding":"${'x'.repeat(ONE_MIB)}"}`;
  for (const url of [tokenUrl(issuer), notificationUrl(issuer, 'card'), notificationUrl(issuer, 'consumer')]) {
    const response = await send({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json', ...bearer(token) },
      body: oversized,
    });
    expectJsonError(response, 413);
  }
  expect(issuer.deliveries()).toEqual([]);
});

test('a body of exactly 1 MiB is still read', async ({ issuer }) => {
  const token = await accessToken(issuer);
  const envelope = '{"operations":[],"padding":""}';
  const body = `{"operations":[],"padding":"${'x'.repeat(ONE_MIB - envelope.length)}"}`;
  expect(Buffer.byteLength(body)).toBe(ONE_MIB);
  const response = await send({
    method: 'POST',
    url: notificationUrl(issuer, 'card'),
    headers: { 'content-type': 'application/json', ...bearer(token) },
    body,
  });
  expect(response.status).toBe(204);
});

test('garbled input never gets a 5xx: every answer is a 4xx with a JSON body, or an acceptance', async ({ issuer }) => {
  const token = await accessToken(issuer);
  const bodies = [
    'null',
    '[]',
    '42',
    '"text"',
    '{"operations":null}',
    '{"operations":[null, 1, "x", []]}',
    '{"operations":[{}]}',
    '\u0000\u00ff',
    '{'.repeat(5000),
    '{"__proto__":{"polluted":true},"operations":[]}',
  ];
  const contentTypes = [
    'application/json',
    'application/problem+json',
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
  ];
  const requests: HttpRequest[] = [];
  for (const body of bodies) {
    for (const contentType of contentTypes) {
      for (const url of [tokenUrl(issuer), notificationUrl(issuer, 'card'), notificationUrl(issuer, 'consumer')]) {
        requests.push({ method: 'POST', url, headers: { 'content-type': contentType, ...bearer(token) }, body });
      }
    }
  }
  for (const path of ['%E0%A4%A', '..%2F..%2Fetc', '%00', 'x'.repeat(5000)]) {
    requests.push({
      method: 'GET',
      url: `${consumerInfoUrl(issuer, DEFAULT_CONSUMER_ID).replace(DEFAULT_CONSUMER_ID, path)}`,
      headers: bearer(token),
    });
  }
  for (const request of requests) {
    const response = await send(request);
    expect(response.status, `${request.method} ${request.url} ${request.headers?.['content-type'] ?? ''}`).toBeLessThan(500);
    if (response.status >= 400) expectJsonError(response, response.status);
  }
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
});
