/** startReferenceIssuer: its defaults, what it refuses, and what it tells the test that embeds it. */
import { ConfigurationError } from '../../../lib/config/errors.js';
import { startReferenceIssuer, type ReferenceIssuerOptions } from '../../../mocks/issuer/index.js';
import { accessToken, cardItem, notify, requestToken } from './issuer-calls.js';
import { expect, test } from './issuer-fixtures.js';

test('defaults: issuer TESTBANK01, client d1-notifier, a random secret, 127.0.0.1 on an ephemeral port', async () => {
  const first = await startReferenceIssuer();
  try {
    const second = await startReferenceIssuer();
    try {
      expect(first.issuerId).toBe('TESTBANK01');
      expect(first.clientId).toBe('d1-notifier');
      expect(first.clientSecret.length).toBeGreaterThanOrEqual(32);
      expect(first.clientSecret).not.toBe(second.clientSecret);
      expect(first.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(first.url).not.toBe(second.url);
      expect(first.authUrl).toBe(`${first.url}/authz/d1/v1`);
      expect((await requestToken(first)).status).toBe(200);
    } finally {
      await second.stop();
    }
  } finally {
    await first.stop();
  }
});

test('the settings given are the settings used', async ({ startIssuer }) => {
  const issuer = await startIssuer({ issuerId: 'MYBANK0001', clientId: 'd1-caller', clientSecret: 'chosen-secret' });
  expect([issuer.issuerId, issuer.clientId, issuer.clientSecret]).toEqual(['MYBANK0001', 'd1-caller', 'chosen-secret']);
  const token = await accessToken(issuer);
  expect((await notify(issuer, 'card', { operations: [cardItem()] }, token)).status).toBe(204);
});

const refusedOptions: readonly { readonly what: string; readonly options: ReferenceIssuerOptions; readonly message: RegExp }[] = [
  {
    what: 'an unknown fault',
    options: { faults: ['no-such-fault'] },
    message: /unknown fault no-such-fault; known faults: token-wrong-secret-accepted/,
  },
  { what: 'an issuerId of 9 characters', options: { issuerId: 'TESTBANK0' }, message: /issuerId must be exactly 10 characters/ },
  { what: 'a client id with a colon', options: { clientId: 'a:b' }, message: /clientId/ },
  { what: 'an empty client secret', options: { clientSecret: '' }, message: /clientSecret/ },
  { what: 'a token lifetime of 0', options: { tokenLifetimeSeconds: 0 }, message: /tokenLifetimeSeconds/ },
  { what: 'a fractional token lifetime', options: { tokenLifetimeSeconds: 1.5 }, message: /tokenLifetimeSeconds/ },
  { what: 'a port out of range', options: { port: 70000 }, message: /port/ },
  {
    what: 'a consumer without lastName',
    options: { consumers: { cns_1: { language: 'en-GB', firstName: 'A' } as never } },
    message: /CONSUMER-INFO-LASTNAME-REQUIRED/,
  },
];

for (const { what, options, message } of refusedOptions) {
  test(`${what} is refused with a ConfigurationError before anything listens`, async () => {
    let thrown: unknown;
    try {
      const issuer = await startReferenceIssuer(options);
      // Reached only if the options were wrongly accepted; the server must not outlive the test.
      await issuer.stop();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigurationError);
    expect((thrown as Error).message).toMatch(message);
  });
}

test('deliveries() and operationStates() are snapshots the caller cannot use to change the issuer', async ({ issuer }) => {
  const token = await accessToken(issuer);
  await notify(issuer, 'card', { operations: [cardItem()] }, token);
  (issuer.deliveries() as unknown[]).length = 0;
  (issuer.operationStates() as unknown[]).length = 0;
  expect(issuer.deliveries()).toHaveLength(1);
  expect(issuer.operationStates()).toHaveLength(1);
});

test('the log gets one line per request with request id, method, path, status and duration', async ({ issuer, issuerLog }) => {
  const token = await accessToken(issuer);
  await notify(issuer, 'card', { operations: [cardItem()] }, token);
  expect(issuerLog).toEqual([
    expect.stringMatching(/^\[reference-issuer req-000001\] POST \/authz\/d1\/v1\/oauth2\/token -> 200 \(\d+\.\d ms\)$/),
    expect.stringMatching(
      /^\[reference-issuer req-000002\] POST \/notifications\/d1\/v2\/issuers\/TESTBANK01\/cards -> 204 \(\d+\.\d ms\)$/,
    ),
  ]);
});

test('stop() closes the port', async () => {
  const issuer = await startReferenceIssuer();
  await issuer.stop();
  await expect(requestToken(issuer)).rejects.toThrow();
});
