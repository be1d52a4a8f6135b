/**
 * Coverage of the catalogue by the observer, computed: every rule the catalogue says the observer judges is reported
 * by a registered usage check, and every such documented rule has a scripted bad client here whose observation
 * fails it. A rule marked `observable: { by: observer }` that no check can produce fails this file.
 */
import { randomBytes } from 'node:crypto';
import { rules, type RuleId } from '../../gen/catalogue.js';
import { encryptCardData } from '../../lib/card-data.js';
import { DEFAULT_LIMITS } from '../../observer/limits.js';
import { knownRule, ruleStanding } from '../../lib/checks/rule-failure.js';
import { failsGoLive } from '../../reporters/certification.js';
import { OBSERVER_RULES, USAGE_CHECKS, type RegisteredCheck } from '../../observer/usage-rules.js';
import { startObserver, type ObservationEvidence, type RunningObserver } from '../../observer/index.js';
import { DEFAULT_CONSUMER_ID, startReferenceIssuer } from '../../mocks/issuer/index.js';
import { startServer } from '../../mocks/http/server.js';
import { CARDHOLDER_NAME, PAN, PERSON, ReferenceClient, uniqueId } from '../../mocks/issuer/reference-client.js';
import { ISSUER_ID, KEY_ID, clientFor, expect, failureLines, ruleOutcome, test, type WatchedD1Client } from './observer-fixtures.js';

const observedByObserver = rules.filter((r) => r.observable?.by === 'observer');

test(
  'every rule the catalogue marks observable by the observer is produced by a registered check, ' +
    'and each rule a check judges is in the catalogue',
  () => {
    // Computed, not claimed: each check runs on an empty observation and must report each rule it registers.
    const setup = {
      notificationsVisible: true,
      issuerId: ISSUER_ID,
      issuerKids: [],
      autoEnrolment: false,
      cardProducts: undefined,
      consumerInformationVisible: true,
      limits: DEFAULT_LIMITS,
    };
    const produced = new Set<RuleId>();
    for (const [name, registered] of Object.entries(USAGE_CHECKS) as [string, RegisteredCheck][]) {
      const reported = registered
        .check(setup)
        .finish(Date.now())
        .map((f) => f.ruleId);
      expect([...reported].sort(), `${name} reports what it registers`).toEqual([...registered.rules].sort());
      for (const ruleId of reported) produced.add(ruleId);
    }
    expect(
      observedByObserver.map((r) => r.id).filter((id) => !produced.has(id)),
      'rules marked by: observer that no check produces',
    ).toEqual([]);
    // A check may also judge rules the suites check from outside (the assertion's claims); each must be a catalogue rule.
    const catalogued = new Set<string>(rules.map((r) => r.id));
    expect(
      [...OBSERVER_RULES].filter((id) => !catalogued.has(id)),
      'rules a check judges that the catalogue does not hold',
    ).toEqual([]);
  },
);

/** What a scripted bad client gets: the test's observer with a client and a well-behaved issuer on it. */
interface Kit {
  readonly observer: RunningObserver;
  readonly client: WatchedD1Client;
  readonly issuer: ReferenceClient;
  /** Records with another observer (one whose mock D1 talks to a backend), and returns its evidence. */
  readonly observeWithBackend: (
    backend: { baseUrl: string; authUrl?: string; clientId?: string; clientSecret?: string },
    journey: (issuer: ReferenceClient) => Promise<void>,
  ) => Promise<ObservationEvidence>;
}

const cardDataJwk = (observer: RunningObserver): Parameters<typeof encryptCardData>[0] => observer.mockD1?.cardDataJwk ?? {};
const correlated = (id: string): { headers: Record<string, string> } => ({ headers: { 'x-correlation-id': id } });

/** For each documented rule the observer judges: a bad client that breaks it, and nothing more if it can help it. */
const PLANTED: Readonly<Record<string, (kit: Kit) => Promise<ObservationEvidence | void>>> = {
  'D1-TOKEN-REUSE': async ({ client, issuer }) => {
    const consumerId = await issuer.registerConsumer();
    for (let i = 0; i < 3; i += 1) {
      client.forgetToken();
      await issuer.call('clickToPayGetConsumerProfiles', { path: { consumerId } });
    }
  },
  'D1-TOKEN-BEARER-ON-CALLS': async ({ issuer }) => {
    await issuer.call('clickToPayGetConsumerProfiles', { path: { consumerId: uniqueId('cns') }, token: null });
  },
  'CARD-CREATE-REGISTER-CORRELATIONID-NO-PII': async ({ issuer }) => {
    // The card number itself as the correlation id: digits only, so the header's pattern holds.
    const consumerId = await issuer.registerConsumer();
    await issuer.call('createCard', { ...correlated(PAN), body: { consumerId, cardProductId: 'prd_debit_classic' } });
  },
  'CONSUMER-REGISTER-CORRELATIONID-NO-PII': async ({ issuer }) => {
    await issuer.call('registerConsumer', {
      path: { consumerId: uniqueId('cns') },
      ...correlated('4111-1111-1111-1111'),
      body: { consumerInfo: PERSON },
    });
  },
  'CARD-REGISTER-CARDID-NOT-PAN': async ({ observer, issuer }) => {
    const consumerId = await issuer.registerConsumer();
    await issuer.call('registerCard', {
      path: { cardId: `card-${PAN}` },
      body: { consumerId, encryptedData: await encryptCardData(cardDataJwk(observer), { pan: PAN, expiry: '1230' }) },
    });
  },
  'CARD-REGISTER-CARDID-UNIQUE': async ({ observer, issuer }) => {
    const consumerId = await issuer.registerConsumer();
    const cardId = await issuer.registerCard(consumerId, cardDataJwk(observer));
    await issuer.call('registerCard', {
      path: { cardId },
      body: { consumerId, encryptedData: await encryptCardData(cardDataJwk(observer), { pan: '5555555555554444', expiry: '1230' }) },
    });
  },
  'CARD-REGISTER-CARDID-REUSE': async ({ observer, issuer }) => {
    const consumerId = await issuer.registerConsumer();
    const cardId = await issuer.createCard(consumerId);
    await issuer.write('deleteCard', { cardId }, { reasonCode: 'CLOSED_CARD' });
    await issuer.call('registerCard', {
      path: { cardId },
      body: { consumerId, encryptedData: await encryptCardData(cardDataJwk(observer), { pan: PAN, expiry: '1230' }) },
    });
  },
  'CARD-REGISTER-PAN-ENCRYPTED': async ({ issuer }) => {
    const consumerId = await issuer.registerConsumer();
    await issuer.call('registerCard', { path: { cardId: uniqueId('crd') }, body: { consumerId, pan: PAN, expiry: '1230' } });
  },
  'CARD-CREATE-PRODUCT-ONBOARDED': async ({ issuer }) => {
    const consumerId = await issuer.registerConsumer();
    await issuer.call('createCard', { body: { consumerId, cardProductId: 'prd_never_onboarded' } });
  },
  'CARD-RESUME-CONSUMER-STATE': async ({ issuer }) => {
    const consumerId = await issuer.registerConsumer();
    const cardId = await issuer.createCard(consumerId);
    await issuer.write('suspendCard', { cardId }, { reasonCode: 'CARD_LOST' });
    await issuer.write('deleteConsumer', { consumerId }, { reasonCode: 'USER_DECISION' });
    await issuer.call('resumeCard', { path: { cardId }, body: { reasonCode: 'CARD_FOUND' } });
  },
  'CTP-ENROL-NOT-AN-UPDATE': async ({ issuer }) => {
    const cardId = await issuer.createCard(await issuer.registerConsumer());
    await issuer.write('clickToPayEnrol', { cardId }, { name: CARDHOLDER_NAME });
    // The cardholder name changed: enrolling again to carry it is what update card is for.
    await issuer.write('clickToPayEnrol', { cardId }, { name: 'Marguerite Okafor-Ba' });
  },
  'CTP-ENROL-NO-BULK': async ({ client, issuer }) => {
    await client.token();
    await Promise.all(Array.from({ length: 50 }, () => issuer.call('clickToPayEnrol', { path: { cardId: uniqueId('crd') }, body: {} })));
  },
  'CTP-UPDATE-CONSUMER-ALL-FIELDS': async ({ issuer }) => {
    const consumerId = await issuer.registerConsumer();
    await issuer.write('clickToPayEnrol', { cardId: await issuer.createCard(consumerId) }, { name: CARDHOLDER_NAME });
    // Only the field that changed, and it changes nothing D1 stores: the consumer's email is the same.
    await issuer.call('clickToPayUpdateConsumer', { path: { consumerId }, body: { consumerInfo: { email: PERSON.email } } });
  },
  'CONSUMER-UPDATE-WHEN-STORED': async ({ issuer }) => {
    const consumerId = await issuer.registerConsumer();
    await issuer.write('clickToPayEnrol', { cardId: await issuer.createCard(consumerId) }, { name: CARDHOLDER_NAME });
    // Every field, a new email among them, straight to Click to Pay: D1's stored copy keeps the old one.
    await issuer.call('clickToPayUpdateConsumer', {
      path: { consumerId },
      body: { consumerInfo: { ...PERSON, email: 'm.okafor@example.com' } },
    });
  },
  'CONSUMER-REGISTER-CTP-FIELDS': async ({ issuer }) => {
    const { language: _language, ...withoutLanguage } = PERSON;
    await issuer.call('registerConsumer', { path: { consumerId: uniqueId('cns') }, body: { consumerInfo: withoutLanguage } });
  },
  'CONSUMER-REGISTER-RECOMMENDED-FIELDS': async ({ issuer }) => {
    const { email: _email, ...withoutEmail } = PERSON;
    await issuer.call('registerConsumer', { path: { consumerId: uniqueId('cns') }, body: { consumerInfo: withoutEmail } });
  },
  'CONSUMER-DELETE-NEW-ID': async ({ issuer }) => {
    const consumerId = await issuer.registerConsumer();
    await issuer.write('deleteConsumer', { consumerId }, { reasonCode: 'USER_DECISION' });
    await issuer.call('registerConsumer', { path: { consumerId }, body: { consumerInfo: PERSON } });
  },
  'CONSUMER-REGISTER-CTP-PROFILE-DATA': async ({ observeWithBackend }) => {
    // The consumer is registered without data; the bank's backend then answers D1 with only the required fields.
    const backend = await startReferenceIssuer({
      issuerId: ISSUER_ID,
      clientSecret: 'profile-data-secret-01',
      variants: ['optional-fields-absent'],
    });
    try {
      return await observeWithBackend(
        { baseUrl: backend.url, authUrl: backend.authUrl, clientId: backend.clientId, clientSecret: backend.clientSecret },
        async (issuer) => {
          await issuer.call('registerConsumer', { path: { consumerId: DEFAULT_CONSUMER_ID } });
          const cardId = await issuer.createCard(DEFAULT_CONSUMER_ID);
          await issuer.write('clickToPayEnrol', { cardId }, { name: CARDHOLDER_NAME });
        },
      );
    } finally {
      await backend.stop();
    }
  },
  'NOTIFY-CARD-RECONCILE': async ({ observeWithBackend }) => {
    // A backend that never acknowledges D1's notifications, and an issuer that never reads the results from D1.
    let refusedCardNotifications = 0;
    const backend = await startServer(
      (exchange) => {
        if (exchange.path.endsWith('/cards')) refusedCardNotifications += 1;
        return { status: 500, body: { error: 'down' } };
      },
      { name: 'down-backend', errorBody: () => ({}) },
    );
    try {
      return await observeWithBackend({ baseUrl: backend.url }, async (issuer) => {
        const consumerId = await issuer.registerConsumer();
        await issuer.call('createCard', { body: { consumerId, cardProductId: 'prd_debit_classic' } });
        // Missed before the observation ends, so that it is not too recent to judge.
        await expect.poll(() => refusedCardNotifications).toBeGreaterThan(1);
      });
    } finally {
      await backend.stop();
    }
  },
};

test('every documented rule the observer judges has a scripted bad client', () => {
  const documented = observedByObserver
    .filter((r) => r.provenance === 'documented')
    .map((r) => r.id)
    .sort();
  expect(Object.keys(PLANTED).sort()).toEqual(documented);
});

for (const [ruleId, badClient] of Object.entries(PLANTED)) {
  // A recommendation or a documentation quirk broken is a warning, here as in certify: the catalogue's standing decides.
  const expected = failsGoLive(ruleStanding(knownRule(ruleId))) ? 'failed' : 'warning';
  test(`a bad client ${expected === 'failed' ? 'fails' : 'is warned about'} ${ruleId} in the observation`, async ({
    observer,
    client,
    issuer,
    issuerKeys,
  }) => {
    const observeWithBackend: Kit['observeWithBackend'] = async (backend, journey) => {
      const own = await startObserver({
        issuerId: ISSUER_ID,
        keys: [{ kid: KEY_ID, publicKey: issuerKeys.publicKey }],
        limits: { followUpGraceSeconds: 0 },
        mock: { operationDelayMs: 10, retry: { firstDelayMs: 10, maxDelayMs: 50, attemptTimeoutMs: 500 }, backend },
      });
      try {
        await journey(new ReferenceClient(clientFor(own, issuerKeys.privateKey)));
        return await own.stop();
      } finally {
        await own.stop();
      }
    };
    const evidence = (await badClient({ observer, client, issuer, observeWithBackend })) ?? (await observer.stop());
    expect(ruleOutcome(evidence, ruleId), failureLines(evidence)).toBe(expected);
  });
}

test('card data in clear fail the security rule once: not also the inferred shape of the body', async ({ observer, issuer }) => {
  const consumerId = await issuer.registerConsumer();
  await issuer.call('registerCard', { path: { cardId: uniqueId('crd') }, body: { consumerId, encryptedData: PAN } });
  await issuer.call('registerCard', { path: { cardId: uniqueId('crd') }, body: { consumerId, pan: PAN, expiry: '1230' } });
  const evidence = await observer.stop();
  expect(failureLines(evidence)).toMatch(/CARD-REGISTER-PAN-ENCRYPTED \(security rule\) at body .*2 of 2 calls carrying card data/);
  expect(evidence.certification.tests.find((t) => t.failure?.ruleId === 'CARD-REGISTER-PAN-ENCRYPTED')?.failure?.security).toBe(true);
  expect({
    required: ruleOutcome(evidence, 'CARD-REGISTER-ENCRYPTEDDATA-REQUIRED'),
    pattern: ruleOutcome(evidence, 'CARD-REGISTER-ENCRYPTEDDATA-PATTERN'),
  }).toEqual({ required: undefined, pattern: undefined });
  expect(JSON.stringify(evidence)).not.toContain(PAN);
});

test('random ids once taken for card numbers pass: a UUID correlation id and a hex cardId', async ({ observer, issuer }) => {
  const consumerId = uniqueId('cns');
  await issuer.call('registerConsumer', {
    path: { consumerId },
    ...correlated('b97599f7-8733-4282-9440-c153ce2defd3'),
    body: { consumerInfo: PERSON },
  });
  const jwk = cardDataJwk(observer);
  await issuer.call('registerCard', {
    path: { cardId: 'crd_4b59a35397794127687b' },
    ...correlated(randomBytes(12).toString('base64url')),
    body: { consumerId, encryptedData: await encryptCardData(jwk, { pan: PAN, expiry: '1230' }) },
  });
  const evidence = await observer.stop();
  expect(
    {
      consumer: ruleOutcome(evidence, 'CONSUMER-REGISTER-CORRELATIONID-NO-PII'),
      card: ruleOutcome(evidence, 'CARD-CREATE-REGISTER-CORRELATIONID-NO-PII'),
      cardId: ruleOutcome(evidence, 'CARD-REGISTER-CARDID-NOT-PAN'),
    },
    failureLines(evidence),
  ).toEqual({ consumer: 'passed', card: 'passed', cardId: 'passed' });
});

test('consumer data sent as consumerInfo, the documented name, or as the personalInformation alias are read alike', async ({
  observer,
  issuer,
}) => {
  await issuer.call('registerConsumer', { path: { consumerId: uniqueId('cns') }, body: { consumerInfo: PERSON } });
  await issuer.call('registerConsumer', { path: { consumerId: uniqueId('cns') }, body: { personalInformation: PERSON } });
  const evidence = await observer.stop();
  expect(evidence.results.find((r) => r.subject === 'CONSUMER-REGISTER-CTP-FIELDS')?.note).toBe(
    '2 registrations carrying consumer data, none departing',
  );
  expect(ruleOutcome(evidence, 'CONSUMER-REGISTER-RECOMMENDED-FIELDS'), failureLines(evidence)).toBe('passed');
});
