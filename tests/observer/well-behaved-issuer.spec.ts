/**
 * A well-behaved issuer backend, recorded against the embedded mock D1, gets a clean report: every operation it
 * called keeps its contract both ways and every usage rule its calls touch passes.
 */
import { clientFor, failureLines, expect, ruleOutcome, test } from './observer-fixtures.js';
import { ReferenceClient } from '../../mocks/issuer/reference-client.js';

test('the scripted well-behaved issuer gets a clean observation: no failure, no warning', async ({ observer, issuer }) => {
  expect(observer.mode).toBe('recording');
  await issuer.journey(observer.mockD1?.cardDataJwk ?? {});
  const evidence = await observer.stop();

  expect(failureLines(evidence)).toBe('');
  expect(evidence.certification.documentedFailures).toBe(0);
  expect(evidence.certification.inferredWarnings).toBe(0);
  expect(evidence.results.filter((r) => r.outcome === 'failed').map((r) => r.title)).toEqual([]);
  const observed = evidence.results.filter((r) => r.kind === 'operation').map((r) => r.subject);
  expect(observed).toEqual(
    expect.arrayContaining([
      'getToken',
      'registerConsumer',
      'createCard',
      'registerCard',
      'getCardOperation',
      'clickToPayEnrol',
      'clickToPayGetConsumerProfiles',
      'clickToPayUpdateCard',
      'clickToPayUpdateConsumer',
      'clickToPayOptoutCard',
      'clickToPayOptoutConsumer',
    ]),
  );
});

test('each rule the bad-client tests break passes for the well-behaved issuer', async ({ observer, issuer }) => {
  await issuer.journey(observer.mockD1?.cardDataJwk ?? {});
  const evidence = await observer.stop();
  const judged = [
    'D1-TOKEN-REUSE',
    'D1-TOKEN-ASSERTION-JWT',
    'D1-TOKEN-JWT-ES256',
    'D1-TOKEN-JWT-KID',
    'D1-TOKEN-JWT-ISS',
    'D1-TOKEN-JWT-SUB',
    'D1-TOKEN-JWT-EXP-INTEGER',
    'D1-TOKEN-JWT-EXP-MAX',
    'D1-TOKEN-JWT-NOT-EXPIRED',
    'D1-TOKEN-BEARER-ON-CALLS',
    'CARD-CREATE-REGISTER-CORRELATIONID-NO-PII',
    'CONSUMER-REGISTER-CORRELATIONID-NO-PII',
    'CONSUMER-REGISTER-CORRELATIONID-PATTERN',
    'CTP-ENROL-CARDID-PATTERN',
    'CTP-ENROL-NAME-LENGTH',
    'CTP-ENROL-NO-BULK',
    'CTP-OPTOUT-CARD-ENROLLED-ONLY',
    'CTP-UPDATE-CARD-ENROLLED-ONLY',
    'CTP-UPDATE-CONSUMER-ENROLLED-ONLY',
    'CARD-CREATE-REGISTER-FOLLOW-UP',
    'CTP-ENROL-FOLLOW-UP',
    'CTP-UPDATE-CARD-FOLLOW-UP',
    'CTP-OPTOUT-CARD-FOLLOW-UP',
    'CARD-REGISTER-CARDID-NOT-PAN',
  ];
  expect(Object.fromEntries(judged.map((id) => [id, ruleOutcome(evidence, id)]))).toEqual(
    Object.fromEntries(judged.map((id) => [id, 'passed'])),
  );
});

test('two instances of the backend, each reusing a token of its own, keep D1-TOKEN-REUSE', async ({ observer, issuer, issuerKeys }) => {
  const second = new ReferenceClient(clientFor(observer, issuerKeys.privateKey));
  const consumerId = await issuer.registerConsumer();
  for (let i = 0; i < 3; i += 1) {
    await issuer.call('clickToPayGetConsumerProfiles', { path: { consumerId } });
    await second.call('clickToPayGetConsumerProfiles', { path: { consumerId } });
  }
  const evidence = await observer.stop();
  expect(ruleOutcome(evidence, 'D1-TOKEN-REUSE'), failureLines(evidence)).toBe('passed');
});
