/**
 * What D1 sends to the issuer's backend during the journeys, as the suite's receiver sees it: notifications (their
 * endpoint, payload, token and delivery) and requests for consumer information. Needs the receiver: always there
 * with the embedded mock D1, and with an external D1 when NOTIFY_SINK_PORT is set.
 */
import { operations } from '../../gen/operations.js';
import type { RuleId } from '../../gen/catalogue.js';
import { holds, valueIs } from '../../lib/checks/index.js';
import { formatViolations, validateRequest } from '../../lib/validation/index.js';
import { test, rule, type D1Party } from '../../fixtures/index.js';

type Item = Record<string, unknown>;
const isFinal = (item: Item): boolean => item.status === 'SUCCESSFUL' || item.status === 'FAILED';
const FINAL_STATUSES = ['SUCCESSFUL', 'FAILED'];

/** The deliveries of an operation's final status, with what the receiver answered each. */
const finalDeliveries = (d1: D1Party, operationId: string) => async (): Promise<{ answered: number | 'stalled' }[]> =>
  ((await d1.receiver?.calls({ operationIds: [operationId] })) ?? []).filter((c) =>
    c.operations.some((i) => i.operationId === operationId && isFinal(i)),
  );

test.beforeEach(({ d1 }) => {
  test.skip(!d1.notificationsObservable, 'D1 is external and NOTIFY_SINK_PORT is not set: its notifications cannot be observed');
});

test(
  'the final result of an enrol is notified once, to Notify Card Operations, under the same operationId',
  rule('NOTIFY-CARD-SAME-OPERATIONID', 'CTP-ENROL-NOTIFY-CARD', 'NOTIFY-CARD-ONE-TERMINAL'),
  async ({ d1 }) => {
    const consumerId = await d1.registerConsumer();
    const cardId = await d1.createCard(consumerId);
    const { accepted, final } = await d1.enrol(cardId);
    const items = await d1.awaitFinalNotification(String(accepted.operationId));
    const finals = items.filter(isFinal);
    holds(
      'NOTIFY-CARD-SAME-OPERATIONID',
      finals.length > 0,
      '/operations/*/operationId',
      `a final item for ${String(accepted.operationId)}`,
      `items: ${JSON.stringify(items)}`,
    );
    holds(
      'CTP-ENROL-NOTIFY-CARD',
      finals.every((i) => i.kind === 'card' && i.operation === 'CLICK_TO_PAY_ENROLMENT' && i.cardId === cardId),
      '/operations/*',
      'Notify Card Operations, CLICK_TO_PAY_ENROLMENT, the enrolled cardId',
      JSON.stringify(finals),
    );
    holds(
      'NOTIFY-CARD-ONE-TERMINAL',
      new Set(finals.map((i) => i.status)).size === 1,
      '/operations/*/status',
      'a single final status',
      JSON.stringify(finals.map((i) => i.status)),
    );
    valueIs('NOTIFY-CARD-ONE-TERMINAL', '/operations/*/status', finals[0]?.status, final.status);
  },
);

test(
  'a card opt-out ends with Notify Card Operations and a consumer opt-out with Notify Consumer Operations',
  rule('CTP-OPTOUT-CONSUMER-NOTIFY-CONSUMER', 'CTP-OPTOUT-CARD-NOTIFY-CARD', 'NOTIFY-CARD-OPTOUT', 'NOTIFY-CONSUMER-OPTOUT'),
  async ({ d1 }) => {
    const consumerId = await d1.registerConsumer();
    const cardId = await d1.createCard(consumerId);
    await d1.enrol(cardId);
    await d1.enrol(await d1.createCard(consumerId));
    const cardOptout = await d1.cardWrite('clickToPayOptoutCard', cardId);
    const cardItems = (await d1.awaitFinalNotification(String(cardOptout.accepted.operationId))).filter(isFinal);
    holds(
      'CTP-OPTOUT-CARD-NOTIFY-CARD',
      cardItems.length > 0 && cardItems.every((i) => i.kind === 'card'),
      'notification',
      'Notify Card Operations',
      JSON.stringify(cardItems),
    );
    const consumerOptout = await d1.consumerWrite('clickToPayOptoutConsumer', consumerId);
    const consumerItems = (await d1.awaitFinalNotification(String(consumerOptout.accepted.operationId))).filter(isFinal);
    holds(
      'CTP-OPTOUT-CONSUMER-NOTIFY-CONSUMER',
      consumerItems.length > 0 && consumerItems.every((i) => i.kind === 'consumer' && i.consumerId === consumerId),
      'notification',
      'Notify Consumer Operations for the consumer',
      JSON.stringify(consumerItems),
    );
  },
);

test(
  'the consumer opt-out notification names CLICK_TO_PAY_OPTOUT and the same operationId',
  rule('NOTIFY-CONSUMER-OPTOUT-OPERATION', 'NOTIFY-CONSUMER-SAME-OPERATIONID', 'NOTIFY-CONSUMER-ONE-TERMINAL'),
  async ({ d1 }) => {
    const consumerId = await d1.registerConsumer();
    await d1.enrol(await d1.createCard(consumerId));
    const { accepted } = await d1.consumerWrite('clickToPayOptoutConsumer', consumerId);
    const finals = (await d1.awaitFinalNotification(String(accepted.operationId))).filter(isFinal);
    holds(
      'NOTIFY-CONSUMER-SAME-OPERATIONID',
      finals.length > 0,
      '/operations/*/operationId',
      `a final item for ${String(accepted.operationId)}`,
      JSON.stringify(finals),
    );
    valueIs('NOTIFY-CONSUMER-OPTOUT-OPERATION', '/operations/*/operation', finals[0]?.operation, 'CLICK_TO_PAY_OPTOUT');
    holds(
      'NOTIFY-CONSUMER-ONE-TERMINAL',
      new Set(finals.map((i) => i.status)).size === 1,
      '/operations/*/status',
      'a single final status',
      JSON.stringify(finals.map((i) => i.status)),
    );
  },
);

test('a card update is notified as CLICK_TO_PAY_UPDATE', rule('CTP-UPDATE-CARD-NOTIFY-CARD'), async ({ d1 }) => {
  const consumerId = await d1.registerConsumer();
  const cardId = await d1.createCard(consumerId);
  await d1.enrol(cardId);
  const { accepted } = await d1.cardWrite('clickToPayUpdateCard', cardId, { name: 'Ana M Lima' });
  const finals = (await d1.awaitFinalNotification(String(accepted.operationId))).filter(isFinal);
  holds(
    'CTP-UPDATE-CARD-NOTIFY-CARD',
    finals.some((i) => i.kind === 'card' && i.operation === 'CLICK_TO_PAY_UPDATE'),
    'notification',
    'a card item CLICK_TO_PAY_UPDATE',
    JSON.stringify(finals),
  );
});

test('a completed operation is notified with its endTime', rule('NOTIFY-CARD-ENDTIME-WHEN-DONE'), async ({ d1 }) => {
  const consumerId = await d1.registerConsumer();
  const { accepted } = await d1.enrol(await d1.createCard(consumerId));
  const finals = (await d1.awaitFinalNotification(String(accepted.operationId))).filter(isFinal);
  holds(
    'NOTIFY-CARD-ENDTIME-WHEN-DONE',
    finals.length > 0 && finals.every((i) => typeof i.endTime === 'string'),
    '/operations/*/endTime',
    'an endTime on every final item',
    JSON.stringify(finals),
  );
});

test('a failed operation is notified with errorCode and error', rule('NOTIFY-CARD-ERROR-WHEN-FAILED'), async ({ d1, targets }) => {
  const refused = targets.d1.refusedCardProductId;
  test.skip(!refused, 'needs a card product whose cards the scheme refuses (D1_REFUSED_CARD_PRODUCT_ID)');
  const consumerId = await d1.registerConsumer();
  const { accepted, final } = await d1.enrol(await d1.createCard(consumerId, refused));
  valueIs('CTP-ENROL-FINAL-STATE', '/status', final.status, 'FAILED');
  const finals = (await d1.awaitFinalNotification(String(accepted.operationId))).filter(isFinal);
  holds(
    'NOTIFY-CARD-ERROR-WHEN-FAILED',
    finals.length > 0 && finals.every((i) => typeof i.errorCode === 'string' && typeof i.error === 'string'),
    '/operations/*/errorCode',
    'errorCode and error on the FAILED item',
    JSON.stringify(finals),
  );
});

// Every field rule of the two notification bodies: what D1 sends must keep each of them.
const notificationFieldRules = (['notifyCardOperations', 'notifyConsumerOperations'] as const).flatMap((id) =>
  Object.entries(operations[id].fields)
    .filter(([, f]) => f.in === 'body')
    .map(([ruleId]) => ruleId as RuleId),
);
const [firstNotificationRule = 'NOTIFY-CARD-OPERATIONS-REQUIRED', ...otherNotificationRules] = notificationFieldRules;

test(
  'every notification D1 sends follows the notification contracts',
  rule(firstNotificationRule, ...otherNotificationRules),
  async ({ d1 }) => {
    const consumerId = await d1.registerConsumer();
    const cardId = await d1.createCard(consumerId);
    const enrolled = await d1.enrol(cardId);
    await d1.cardWrite('clickToPayOptoutCard', cardId);
    const optedOut = await d1.consumerWrite('clickToPayOptoutConsumer', consumerId);
    await d1.awaitFinalNotification(String(enrolled.accepted.operationId));
    await d1.awaitFinalNotification(String(optedOut.accepted.operationId));
    const calls = (await d1.receiver?.calls()) ?? [];
    holds('NOTIFY-CARD-OPERATIONS-REQUIRED', calls.length > 0, '/operations', 'notifications received', 'none');
    for (const call of calls) {
      const operationId = call.kind === 'card' ? 'notifyCardOperations' : 'notifyConsumerOperations';
      const violations = validateRequest(operationId, {
        path: { issuerId: d1.issuerId },
        headers: { 'content-type': 'application/json' },
        body: { operations: call.operations },
      });
      // A documented violation speaks first, so that an inferred one alone only warns.
      const first = violations.find((v) => v.provenance === 'documented') ?? violations[0];
      holds(
        first?.ruleId ?? 'NOTIFY-CARD-OPERATIONS-TYPE',
        first === undefined,
        first?.pointer ?? '/',
        'a payload the contract accepts',
        formatViolations(violations),
      );
    }
  },
);

test(
  'D1 gets its token from the issuer with Basic client credentials, form-encoded, and reuses it',
  rule('ISSUER-TOKEN-BASIC-AUTH', 'ISSUER-TOKEN-BEARER-USE', 'NOTIFY-CARD-AUTH-BEARER', 'NOTIFY-CONSUMER-AUTH-BEARER'),
  async ({ d1 }) => {
    const consumerId = await d1.registerConsumer();
    const first = await d1.enrol(await d1.createCard(consumerId));
    const second = await d1.consumerWrite('clickToPayOptoutConsumer', consumerId);
    await d1.awaitFinalNotification(String(first.accepted.operationId));
    await d1.awaitFinalNotification(String(second.accepted.operationId));
    const receiver = d1.receiver;
    if (!receiver) return;
    // A D1 that runs for long keeps the token it got earlier, from this receiver's credentials, as it should: then
    // the bearer tokens it sends are the proof that it asked; the request's form is checked whenever one is seen.
    const calls = await receiver.calls();
    const issued = await Promise.all(
      calls.map((call) => {
        const token = /^Bearer (.+)$/.exec(call.authorization ?? '')?.[1];
        return token === undefined ? Promise.resolve(false) : receiver.isIssuedToken(token);
      }),
    );
    const tokenRequests = await receiver.tokenRequests();
    holds(
      'ISSUER-TOKEN-BASIC-AUTH',
      tokenRequests.length > 0 || (calls.length > 0 && issued.every(Boolean)),
      'token request',
      'D1 asks the issuer for a token',
      'no token request, and no token the issuer granted',
    );
    for (const request of tokenRequests) {
      holds(
        'ISSUER-TOKEN-BASIC-AUTH',
        /^Basic [A-Za-z0-9+/=]+$/.test(request.authorization ?? ''),
        'authorization',
        'Basic client credentials',
        request.authorization ? 'another scheme' : 'absent',
      );
      holds(
        'ISSUER-TOKEN-BASIC-AUTH',
        (request.contentType ?? '').startsWith('application/x-www-form-urlencoded'),
        'content-type',
        'application/x-www-form-urlencoded',
        request.contentType ?? 'absent',
      );
      holds(
        'ISSUER-TOKEN-BASIC-AUTH',
        new URLSearchParams(request.body).get('grant_type') === 'client_credentials',
        '/grant_type',
        'client_credentials',
        new URLSearchParams(request.body).get('grant_type') ?? 'absent',
      );
    }
    for (const [index, call] of calls.entries()) {
      holds(
        call.kind === 'card' ? 'NOTIFY-CARD-AUTH-BEARER' : 'NOTIFY-CONSUMER-AUTH-BEARER',
        issued[index] === true,
        'authorization',
        'Bearer and a token the issuer granted',
        call.authorization ? 'another value' : 'absent',
      );
    }
  },
);

test('a notification the issuer answers with an error is sent again until acknowledged', rule('NOTIFY-CARD-RETRY'), async ({ d1 }) => {
  const consumerId = await d1.registerConsumer();
  const cardId = await d1.createCard(consumerId);
  // The issuer fails the first delivery of this card's final enrol result.
  await d1.receiver?.replyTo({ cardId, operation: 'CLICK_TO_PAY_ENROLMENT', status: FINAL_STATUSES }, { status: 503 });
  const { accepted } = await d1.enrol(cardId);
  const items = await d1.awaitFinalNotification(String(accepted.operationId), 15_000);
  const deliveriesOf = finalDeliveries(d1, String(accepted.operationId));
  // The refused delivery already holds the final item; the retry comes after D1's back-off.
  await d1.receiver?.waitFor(async () => (await deliveriesOf()).some((c) => c.answered === 204), 15_000);
  const deliveries = await deliveriesOf();
  holds(
    'NOTIFY-CARD-RETRY',
    deliveries.some((c) => c.answered === 503) && deliveries.some((c) => c.answered === 204),
    'delivery',
    'a refused delivery followed by an acknowledged one',
    JSON.stringify(deliveries.map((c) => c.answered)),
  );
  holds('NOTIFY-CARD-RETRY', items.some(isFinal), '/operations/*/status', 'the final status delivered', JSON.stringify(items));
});

test('a consumer notification the issuer answers with an error is sent again', rule('NOTIFY-CONSUMER-RETRY'), async ({ d1 }) => {
  const consumerId = await d1.registerConsumer();
  await d1.enrol(await d1.createCard(consumerId));
  await d1.receiver?.replyTo({ consumerId, operation: 'CLICK_TO_PAY_OPTOUT', status: FINAL_STATUSES }, { status: 500 });
  const { accepted } = await d1.consumerWrite('clickToPayOptoutConsumer', consumerId);
  const deliveriesOf = finalDeliveries(d1, String(accepted.operationId));
  await d1.receiver?.waitFor(async () => (await deliveriesOf()).some((c) => c.answered === 204), 15_000);
  const deliveries = await deliveriesOf();
  holds(
    'NOTIFY-CONSUMER-RETRY',
    deliveries.some((c) => c.answered === 500) && deliveries.some((c) => c.answered === 204),
    'delivery',
    'a refused delivery followed by an acknowledged one',
    JSON.stringify(deliveries.map((c) => c.answered)),
  );
});

test(
  'D1 asks the issuer for the details of a consumer it holds none for, with its token',
  rule('CONSUMER-REGISTER-WITHOUT-DATA', 'CONSUMER-INFO-AUTH-BEARER'),
  async ({ d1 }) => {
    const receiver = d1.receiver;
    if (!receiver) return;
    const consumerId = await d1.registerConsumer({ withDetails: false });
    await receiver.setConsumer(consumerId, { language: 'en-US', firstName: 'Ana', lastName: 'Lima' });
    const { final } = await d1.enrol(await d1.createCard(consumerId));
    valueIs('CONSUMER-REGISTER-WITHOUT-DATA', '/status', final.status, 'SUCCESSFUL');
    const calls = (await receiver.consumerInfoCalls()).filter((c) => c.consumerId === consumerId);
    holds(
      'CONSUMER-REGISTER-WITHOUT-DATA',
      calls.length > 0,
      'consumer information',
      'a Get Consumer Information call for the consumer',
      'none',
    );
    const token = /^Bearer (.+)$/.exec(calls[0]?.authorization ?? '')?.[1];
    holds(
      'CONSUMER-INFO-AUTH-BEARER',
      token !== undefined && (await receiver.isIssuedToken(token)),
      'authorization',
      'Bearer and a token the issuer granted',
      calls[0]?.authorization ? 'another value' : 'absent',
    );
  },
);

test('when the issuer cannot give the consumer data, the enrolment ends FAILED', rule('CONSUMER-INFO-CTP-MANDATORY'), async ({ d1 }) => {
  const consumerId = await d1.registerConsumer({ withDetails: false });
  const { final } = await d1.enrol(await d1.createCard(consumerId));
  valueIs('CONSUMER-INFO-CTP-MANDATORY', '/status', final.status, 'FAILED');
});

test(
  'registering a card for an unknown consumer registers it, and D1 asks the issuer for its details',
  rule('CARD-REGISTER-UNKNOWN-CONSUMER'),
  async ({ d1, targets }) => {
    test.skip(!targets.d1.cardDataJwk, 'registering a card needs the card-data key (D1_CARD_DATA_KEY)');
    const receiver = d1.receiver;
    if (!receiver) return;
    const { testObjectId } = await import('../../fixtures/d1.js');
    const consumerId = testObjectId('cns');
    await receiver.setConsumer(consumerId, { language: 'en-US', firstName: 'Ana', lastName: 'Lima' });
    const cardId = await d1.registerCard(consumerId, { pan: '4111111111111111', expiry: '1230' });
    const { final } = await d1.enrol(cardId);
    valueIs('CARD-REGISTER-UNKNOWN-CONSUMER', '/status', final.status, 'SUCCESSFUL');
    holds(
      'CARD-REGISTER-UNKNOWN-CONSUMER',
      (await receiver.consumerInfoCalls()).some((c) => c.consumerId === consumerId),
      'consumer information',
      'a Get Consumer Information call for the new consumer',
      'none',
    );
  },
);
