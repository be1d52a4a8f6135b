/**
 * Each bad issuer behaviour is a planted bug for one check of the observer: the observation must fail that rule (a
 * warning when the rule is inferred), as the compliance summary reads it. The well-behaved issuer passes each of
 * these rules (well-behaved-issuer.spec.ts).
 */
import { generateKeyPairSync } from 'node:crypto';
import { startReferenceIssuer } from '../../mocks/issuer/index.js';
import { startObserver } from '../../observer/index.js';
import { CARDHOLDER_NAME, PAN, PERSON, ReferenceClient, uniqueId } from '../../mocks/issuer/reference-client.js';
import { ISSUER_ID, KEY_ID, clientFor, expect, failureLines, ruleOutcome, test } from './observer-fixtures.js';

test('a token fetched for every call breaks D1-TOKEN-REUSE', async ({ observer, client, issuer }) => {
  const consumerId = await issuer.registerConsumer();
  for (let i = 0; i < 3; i += 1) {
    client.forgetToken();
    await issuer.call('clickToPayGetConsumerProfiles', { path: { consumerId } });
  }
  const evidence = await observer.stop();
  expect(ruleOutcome(evidence, 'D1-TOKEN-REUSE'), failureLines(evidence)).toBe('failed');
  expect(failureLines(evidence)).toMatch(
    /D1-TOKEN-REUSE at sequence of token requests[\s\S]*3 of 4 token requests: call #\d+: a new token asked while the one granted at call #\d+ had \d+ s left/,
  );
});

test("an email in x-correlation-id breaks the correlation id's no-personal-data rule", async ({ observer, issuer }) => {
  await issuer.call('registerConsumer', {
    path: { consumerId: uniqueId('cns') },
    headers: { 'x-correlation-id': PERSON.email },
    body: { consumerInfo: PERSON },
  });
  const evidence = await observer.stop();
  expect(ruleOutcome(evidence, 'CONSUMER-REGISTER-CORRELATIONID-NO-PII'), failureLines(evidence)).toBe('failed');
  expect(failureLines(evidence)).toMatch(
    /CONSUMER-REGISTER-CORRELATIONID-NO-PII at header \/x-correlation-id .*it holds what looks like an email address/,
  );
  // An email also breaks the header's pattern, which the request check reports on its own.
  expect(ruleOutcome(evidence, 'CONSUMER-REGISTER-CORRELATIONID-PATTERN')).toBe('failed');
});

test("the consumer's name in x-correlation-id breaks the correlation id's no-personal-data rule", async ({ observer, issuer }) => {
  const consumerId = await issuer.registerConsumer();
  // Well formed for the pattern, so only the name gives it away.
  await issuer.call('createCard', {
    headers: { 'x-correlation-id': 'okafor-case-7d3f' },
    body: { consumerId, cardProductId: 'prd_debit_classic' },
  });
  const evidence = await observer.stop();
  expect(ruleOutcome(evidence, 'CARD-CREATE-REGISTER-CORRELATIONID-NO-PII'), failureLines(evidence)).toBe('failed');
  expect(failureLines(evidence)).toMatch(/it contains a name the issuer sent for one of its consumers/);
  expect(ruleOutcome(evidence, 'CARD-CREATE-REGISTER-CORRELATIONID-PATTERN')).toBe('passed');
});

test('a malformed cardId breaks CTP-ENROL-CARDID-PATTERN', async ({ observer, issuer }) => {
  await issuer.call('clickToPayEnrol', { path: { cardId: 'crd.1!' }, body: { name: CARDHOLDER_NAME } });
  const evidence = await observer.stop();
  expect(ruleOutcome(evidence, 'CTP-ENROL-CARDID-PATTERN'), failureLines(evidence)).toBe('failed');
  expect(failureLines(evidence)).toMatch(
    /CTP-ENROL-CARDID-PATTERN at path \/cardId documented: matches \^\[A-Za-z0-9_-\]\{1,48\}\$ received: "crd\.1!" \(the issuer's call #2\)/,
  );
});

test('a 27-character cardholder name breaks CTP-ENROL-NAME-LENGTH', async ({ observer, issuer }) => {
  const consumerId = await issuer.registerConsumer();
  const cardId = await issuer.createCard(consumerId);
  const name = 'Maximiliana Oyelaran-Brooks';
  expect([...name]).toHaveLength(27);
  await issuer.call('clickToPayEnrol', { path: { cardId }, body: { name } });
  const evidence = await observer.stop();
  expect(ruleOutcome(evidence, 'CTP-ENROL-NAME-LENGTH'), failureLines(evidence)).toBe('failed');
  // The name is personal data: the failure says where and what is documented, never the name itself.
  expect(failureLines(evidence)).toMatch(/CTP-ENROL-NAME-LENGTH at body \/name documented: 1 to 26 characters received: \[redacted\]/);
  expect(JSON.stringify(evidence)).not.toContain('Oyelaran');
});

test('a call without an Authorization header breaks D1-TOKEN-BEARER-ON-CALLS', async ({ observer, issuer }) => {
  await issuer.call('clickToPayGetConsumerProfiles', { path: { consumerId: uniqueId('cns') }, token: null });
  const evidence = await observer.stop();
  expect(ruleOutcome(evidence, 'D1-TOKEN-BEARER-ON-CALLS'), failureLines(evidence)).toBe('failed');
  expect(failureLines(evidence)).toMatch(/1 of 1 calls to D1 APIs: call #1: no Authorization header/);
});

test('an opt-out of a card never enrolled breaks CTP-OPTOUT-CARD-ENROLLED-ONLY (inferred: a warning)', async ({ observer, issuer }) => {
  await issuer.write('clickToPayOptoutCard', { cardId: uniqueId('crd') });
  const evidence = await observer.stop();
  expect(ruleOutcome(evidence, 'CTP-OPTOUT-CARD-ENROLLED-ONLY'), failureLines(evidence)).toBe('warning');
  expect(evidence.certification.documentedFailures).toBe(0);
});

test('50 enrolments within one second break CTP-ENROL-NO-BULK', async ({ observer, client, issuer }) => {
  await client.token();
  await Promise.all(Array.from({ length: 50 }, () => issuer.call('clickToPayEnrol', { path: { cardId: uniqueId('crd') }, body: {} })));
  const evidence = await observer.stop();
  expect(ruleOutcome(evidence, 'CTP-ENROL-NO-BULK'), failureLines(evidence)).toBe('failed');
  // Client, observer and mock share one busy process, so the burst may arrive spread a little: most of it still lands within one second.
  const busiest = Number(
    /CTP-ENROL-NO-BULK at sequence of enrol calls .* received: (\d+) enrol calls within one second/.exec(failureLines(evidence))?.[1],
  );
  expect(busiest).toBeGreaterThan(10);
  expect(busiest).toBeLessThanOrEqual(50);
});

test('an expired assertion breaks D1-TOKEN-JWT-NOT-EXPIRED (inferred: a warning)', async ({ observer, client }) => {
  const response = await client.requestToken(await client.assertion({ expiresIn: -120 }));
  expect(response.status).toBe(400);
  const evidence = await observer.stop();
  expect(ruleOutcome(evidence, 'D1-TOKEN-JWT-NOT-EXPIRED'), failureLines(evidence)).toBe('warning');
  expect(failureLines(evidence)).toMatch(
    /D1-TOKEN-JWT-NOT-EXPIRED \(inferred rule\) at assertion claims \/exp .*the assertion expired 12\d s before it was sent/,
  );
  expect(ruleOutcome(evidence, 'D1-TOKEN-JWT-EXP-MAX')).toBe('passed');
});

test('assertion claims and signature out of the rules are each named: sub, exp too far, a foreign key', async ({ observer, client }) => {
  await client.requestToken(await client.assertion({ claims: { sub: 'OTHERBANK1' } }));
  await client.requestToken(await client.assertion({ expiresIn: 3_600 }));
  await client.requestToken(await client.assertion({ key: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey }));
  const evidence = await observer.stop();
  expect({
    sub: ruleOutcome(evidence, 'D1-TOKEN-JWT-SUB'),
    expMax: ruleOutcome(evidence, 'D1-TOKEN-JWT-EXP-MAX'),
    signature: ruleOutcome(evidence, 'D1-TOKEN-ASSERTION-JWT'),
    iss: ruleOutcome(evidence, 'D1-TOKEN-JWT-ISS'),
  }).toEqual({ sub: 'failed', expMax: 'failed', signature: 'failed', iss: 'passed' });
});

test('an enrol never followed up breaks CTP-ENROL-FOLLOW-UP; an acknowledged notification counts as following it up', async ({
  observer,
  issuer,
  issuerKeys,
}) => {
  const consumerId = await issuer.registerConsumer();
  const cardId = await issuer.createCard(consumerId);
  await issuer.call('clickToPayEnrol', { path: { cardId }, body: {} });
  const unfollowed = await observer.stop();
  expect(ruleOutcome(unfollowed, 'CTP-ENROL-FOLLOW-UP'), failureLines(unfollowed)).toBe('warning');

  // The same journey by an issuer whose backend takes D1's notifications: the enrol's final notification is its follow-up.
  const backend = await startReferenceIssuer({ issuerId: ISSUER_ID, clientSecret: 'notification-secret-0001' });
  const notified = await startObserver({
    issuerId: ISSUER_ID,
    keys: [{ kid: KEY_ID, publicKey: issuerKeys.publicKey }],
    limits: { followUpGraceSeconds: 0 },
    mock: {
      operationDelayMs: 10,
      backend: { baseUrl: backend.url, authUrl: backend.authUrl, clientId: backend.clientId, clientSecret: backend.clientSecret },
    },
  });
  try {
    const second = new ReferenceClient(clientFor(notified, issuerKeys.privateKey));
    const secondCard = await second.createCard(await second.registerConsumer());
    await second.call('clickToPayEnrol', { path: { cardId: secondCard }, body: {} });
    await expect
      .poll(() =>
        backend
          .operationStates()
          .some((o) => o.subjectId === secondCard && o.operation === 'CLICK_TO_PAY_ENROLMENT' && o.status !== 'PENDING'),
      )
      .toBe(true);
    const evidence = await notified.stop();
    expect(ruleOutcome(evidence, 'CTP-ENROL-FOLLOW-UP'), failureLines(evidence)).toBe('passed');
    expect(JSON.stringify(evidence)).not.toContain('notification-secret-0001');
  } finally {
    await notified.stop();
    await backend.stop();
  }
});

test('a card number as the cardId of a registration breaks CARD-REGISTER-CARDID-NOT-PAN', async ({ observer, issuer }) => {
  const consumerId = await issuer.registerConsumer();
  await issuer.call('registerCard', { path: { cardId: PAN }, body: { consumerId, encryptedData: 'not-a-jwe' } });
  const evidence = await observer.stop();
  expect(ruleOutcome(evidence, 'CARD-REGISTER-CARDID-NOT-PAN'), failureLines(evidence)).toBe('failed');
  expect(JSON.stringify(evidence)).not.toContain(PAN);
});

test('a Click to Pay update of a consumer never enrolled breaks CTP-UPDATE-CONSUMER-ENROLLED-ONLY (inferred: a warning)', async ({
  observer,
  issuer,
}) => {
  const consumerId = await issuer.registerConsumer();
  await issuer.write('clickToPayUpdateConsumer', { consumerId }, { reason: 'new email address' });
  const evidence = await observer.stop();
  expect(ruleOutcome(evidence, 'CTP-UPDATE-CONSUMER-ENROLLED-ONLY'), failureLines(evidence)).toBe('warning');
});
