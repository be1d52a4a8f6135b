/**
 * Proxy mode: the observer in front of a D1 (here a mock D1 or an echo server on 127.0.0.1, never the internet)
 * forwards each call unchanged, relays each answer as it came, and checks both directions.
 */
import { generateKeyPairSync } from 'node:crypto';
import { test, expect } from '@playwright/test';
import { D1Client } from '../../lib/d1-client.js';
import { send } from '../../lib/http/client.js';
import { startMockD1, type RunningMockD1 } from '../../mocks/d1/index.js';
import { startServer, type Answer } from '../../mocks/http/server.js';
import { startObserver } from '../../observer/index.js';
import { ISSUER_ID, KEY_ID, clientFor, failureLines, ruleOutcome } from './observer-fixtures.js';
import { ReferenceClient, uniqueId } from '../../mocks/issuer/reference-client.js';
import { haveOpenssl, makeTlsMaterial, startTlsFront } from './tls-front.js';

const keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const issuerKeys = [{ kid: KEY_ID, publicKey: keys.publicKey }];
const upstreamMock = (faults: string[] = []): Promise<RunningMockD1> =>
  startMockD1({ issuers: [{ issuerId: ISSUER_ID, keys: issuerKeys }], operationDelayMs: 10, faults });

test('every call is forwarded byte for byte, and every answer relayed as it came, a 5xx included', async () => {
  const seen: { method: string; target: string; headers: Record<string, unknown>; body: string }[] = [];
  const echo = await startServer(
    (incoming): Answer => {
      seen.push({ method: incoming.method, target: incoming.target, headers: incoming.headers, body: incoming.rawBody.toString('base64') });
      if (incoming.path.endsWith('/fail')) return { status: 503, headers: { 'retry-after': '7' }, body: 'upstream is down' };
      return { status: 201, headers: { 'x-echo': 'yes', 'content-type': 'application/problem+json' }, body: '{"kept" :  "as sent"}' };
    },
    { name: 'echo', errorBody: () => ({}) },
  );
  const observer = await startObserver({ issuerId: ISSUER_ID, upstream: { bankingUrl: `${echo.url}/bank`, authUrl: `${echo.url}/auth` } });
  try {
    const body = '{"name" :  "kept",\n "spacing": true}';
    const headers = {
      'content-type': 'application/json; charset=utf-8',
      'x-correlation-id': 'c0rr-1d',
      'x-custom': 'value, with comma',
      authorization: 'Bearer abc.def',
    };
    const answer = await send({ method: 'POST', url: `${observer.url}/banking/v1/things?b=2&a=%20x+y&a=3`, headers, body });
    expect(seen[0]).toMatchObject({
      method: 'POST',
      target: '/bank/v1/things?b=2&a=%20x+y&a=3',
      body: Buffer.from(body).toString('base64'),
    });
    expect(seen[0]?.headers).toMatchObject(headers);
    expect(answer.status).toBe(201);
    expect(answer.headers).toMatchObject({ 'x-echo': 'yes', 'content-type': 'application/problem+json' });
    expect(answer.text).toBe('{"kept" :  "as sent"}');

    const token = await send({
      method: 'POST',
      url: `${observer.url}/authz/v1/oauth2/token`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=x',
    });
    expect(seen[1]).toMatchObject({ method: 'POST', target: '/auth/oauth2/token' });
    expect(token.status).toBe(201);

    const failed = await send({ method: 'GET', url: `${observer.url}/banking/fail` });
    expect(failed.status).toBe(503);
    expect(failed.headers['retry-after']).toBe('7');
    expect(failed.text).toBe('upstream is down');
  } finally {
    const evidence = await observer.stop();
    await echo.stop();
    expect(evidence.mode).toBe('proxy');
    expect(evidence.results.find((r) => r.kind === 'outside')?.title).toBe('observed calls outside the contracts: 2');
  }
});

test('through the proxy a mock D1 answers exactly as it does directly, and the calls are checked both ways', async () => {
  const d1 = await upstreamMock();
  const observer = await startObserver({
    issuerId: ISSUER_ID,
    keys: issuerKeys,
    upstream: { bankingUrl: d1.bankingUrl },
    limits: { followUpGraceSeconds: 0 },
  });
  try {
    expect(observer.authUrl).toBe(`${observer.url}/authz/v1`);
    const proxied = new ReferenceClient(clientFor(observer, keys.privateKey));
    const direct = new D1Client({
      bankingUrl: d1.bankingUrl,
      authUrl: d1.authUrl,
      issuerId: ISSUER_ID,
      keyId: KEY_ID,
      privateKey: keys.privateKey,
    });
    const { consumerId } = await proxied.journey(d1.cardDataJwk);
    const [viaProxy, viaDirect] = [
      await proxied.call('clickToPayGetConsumerProfiles', { path: { consumerId } }),
      await direct.call('clickToPayGetConsumerProfiles', { path: { consumerId } }),
    ];
    expect([viaProxy.status, viaProxy.text]).toEqual([viaDirect.status, viaDirect.text]);
    const malformed = { path: { cardId: 'crd.1!' }, body: { name: 'Ana' } };
    const [badViaProxy, badDirect] = [await proxied.call('clickToPayEnrol', malformed), await direct.call('clickToPayEnrol', malformed)];
    expect([badViaProxy.status, badViaProxy.text]).toEqual([badDirect.status, badDirect.text]);
    // An enrol read back neither way: the proxy cannot see D1's notifications, so the follow-up is left unjudged.
    await proxied.call('clickToPayEnrol', { path: { cardId: uniqueId('crd') }, body: {} });

    const evidence = await observer.stop();
    expect(evidence.mode).toBe('proxy');
    expect(ruleOutcome(evidence, 'CTP-ENROL-CARDID-PATTERN'), failureLines(evidence)).toBe('failed');
    expect(ruleOutcome(evidence, 'D1-TOKEN-ASSERTION-JWT')).toBe('passed');
    expect(ruleOutcome(evidence, 'CTP-ENROL-FOLLOW-UP')).toBe('skipped');
    expect(evidence.results.find((r) => r.subject === 'CTP-ENROL-FOLLOW-UP')?.note).toMatch(
      /1 of \d+ pending writes not read back through the getter; D1's notifications go straight to the issuer/,
    );
  } finally {
    await observer.stop();
    await d1.stop();
  }
});

test(
  "an answer of D1's that breaks the contract is reported against the answer's rule " + '(planted: enrol-operation-id-bad-pattern)',
  async () => {
    const d1 = await upstreamMock(['enrol-operation-id-bad-pattern']);
    const observer = await startObserver({
      issuerId: ISSUER_ID,
      keys: issuerKeys,
      upstream: { bankingUrl: d1.bankingUrl, authUrl: d1.authUrl },
    });
    try {
      const issuer = new ReferenceClient(clientFor(observer, keys.privateKey));
      const cardId = await issuer.createCard(await issuer.registerConsumer());
      await issuer.call('clickToPayEnrol', { path: { cardId }, body: {} });
      const evidence = await observer.stop();
      expect(ruleOutcome(evidence, 'CTP-ENROL-RESULT-OPERATIONID-PATTERN'), failureLines(evidence)).toBe('failed');
      expect(failureLines(evidence)).toMatch(/CTP-ENROL-RESULT-OPERATIONID-PATTERN at response 200 \/operationId .* \(D1's answer #\d+\)/);
    } finally {
      await observer.stop();
      await d1.stop();
    }
  },
);

test('an unreachable upstream is a 502 with a body, and a path outside D1 a 404 with a body', async () => {
  const observer = await startObserver({ issuerId: ISSUER_ID, upstream: { bankingUrl: 'http://127.0.0.1:9/banking' } });
  try {
    const unreachable = await send({
      method: 'GET',
      url: `${observer.url}/banking/v1/issuers/${ISSUER_ID}/consumers/c1/clickToPayProfiles`,
    });
    expect(unreachable.status).toBe(502);
    expect(unreachable.json).toMatchObject({ errorCode: 'UPSTREAM_UNREACHABLE' });
    const elsewhere = await send({ method: 'GET', url: `${observer.url}/somewhere/else` });
    expect(elsewhere.status).toBe(404);
    expect(elsewhere.json).toMatchObject({ errorCode: 'NOT_FOUND' });
  } finally {
    await observer.stop();
  }
});

test('mutual TLS towards the upstream: the client certificate is presented, and without it D1 cannot be reached', async () => {
  test.skip(!haveOpenssl, 'openssl is not installed: no certificate can be made for the mutual-TLS upstream');
  const material = makeTlsMaterial();
  const d1 = await upstreamMock();
  const front = await startTlsFront(material, d1.port);
  const withCertificate = await startObserver({
    issuerId: ISSUER_ID,
    keys: issuerKeys,
    upstream: { bankingUrl: `${front.origin}/banking`, tls: { cert: material.clientCert, key: material.clientKey, ca: material.ca } },
  });
  const withoutCertificate = await startObserver({
    issuerId: ISSUER_ID,
    upstream: { bankingUrl: `${front.origin}/banking`, tls: { ca: material.ca } },
  });
  try {
    const client = clientFor(withCertificate, keys.privateKey);
    const profiles = await client.call('clickToPayGetConsumerProfiles', { path: { consumerId: uniqueId('cns') } });
    expect(profiles.status).toBe(200);
    expect(profiles.json).toEqual({ clickToPayProfiles: [] });
    expect(front.clients).toContain('issuer-client');

    const refused = await clientFor(withoutCertificate, keys.privateKey).requestToken();
    expect(refused.status).toBe(502);
    const evidence = await withCertificate.stop();
    expect(evidence.certification.documentedFailures, failureLines(evidence)).toBe(0);
    expect(evidence.d1).toBe(`${front.origin}/banking`);
  } finally {
    await withCertificate.stop();
    await withoutCertificate.stop();
    await front.stop();
    await d1.stop();
  }
});
