/**
 * The documented Click to Pay journeys, end to end against D1: enrolment, its asynchronous result, the profiles, and
 * the opt-outs with their cascades.
 */
import { holds, valueIs, valueIsOneOf } from '../../lib/checks/index.js';
import { test, expect, rule } from '../../fixtures/index.js';

const FINAL = ['SUCCESSFUL', 'FAILED'] as const;

test(
  'the documented journey: enrol, PENDING, final result, one final notification, profile, opt-outs, empty profiles',
  rule(
    'CTP-ENROL-ASYNC',
    'CTP-ENROL-FINAL-STATE',
    'CTP-ENROL-NOTIFY-CARD',
    'CTP-OPTOUT-CARD-REMOVES-CARD',
    'CTP-OPTOUT-CONSUMER-REPEAT',
    'CTP-PROFILES-EMPTY-LIST',
  ),
  async ({ d1 }) => {
    const consumerId = await d1.registerConsumer();
    const kept = await d1.createCard(consumerId);
    const optedOut = await d1.createCard(consumerId);

    await test.step('enrol answers an operationId and PENDING', async () => {
      const accepted = await d1.startCardWrite('clickToPayEnrol', kept, { name: 'Ana Lima' });
      valueIsOneOf('CTP-ENROL-ASYNC', '/status', accepted.status, ['PENDING', 'SUCCESSFUL']);
      holds(
        'CTP-ENROL-ASYNC',
        typeof accepted.operationId === 'string',
        '/operationId',
        'an operationId',
        JSON.stringify(accepted.operationId) ?? 'absent',
      );
      const final = await d1.finalCardOperation(kept, String(accepted.operationId));
      valueIs('CTP-ENROL-FINAL-STATE', '/status', final.status, 'SUCCESSFUL');
      if (d1.notificationsObservable) {
        const items = await d1.awaitFinalNotification(String(accepted.operationId));
        const finals = items.filter((i) => FINAL.includes(i.status as (typeof FINAL)[number]));
        holds(
          'CTP-ENROL-NOTIFY-CARD',
          finals.length > 0 && finals.every((i) => i.kind === 'card' && i.operation === 'CLICK_TO_PAY_ENROLMENT'),
          'notification',
          'a Notify Card Operations item CLICK_TO_PAY_ENROLMENT with the same operationId',
          JSON.stringify(items),
        );
        holds(
          'NOTIFY-CARD-ONE-TERMINAL',
          new Set(finals.map((i) => i.status)).size === 1,
          'notification',
          'one final status',
          JSON.stringify(finals.map((i) => i.status)),
        );
        valueIs('CTP-ENROL-NOTIFY-CARD', '/status', finals[0]?.status, final.status);
      }
    });

    await test.step('the profile shows the card', async () => {
      await d1.enrol(optedOut);
      expect(await d1.profiles(consumerId)).toEqual([{ scheme: 'VISA', cards: [kept, optedOut].sort() }]);
    });

    await test.step('card opt-out, then the profile without it', async () => {
      const { final } = await d1.cardWrite('clickToPayOptoutCard', optedOut);
      valueIs('CTP-OPTOUT-CARD-ASYNC', '/status', final.status, 'SUCCESSFUL');
      const profiles = await d1.profiles(consumerId);
      holds(
        'CTP-OPTOUT-CARD-REMOVES-CARD',
        !profiles.some((p) => p.cards.includes(optedOut)),
        'profiles',
        `no profile lists ${optedOut}`,
        JSON.stringify(profiles),
      );
    });

    await test.step('consumer opt-out twice, both SUCCESSFUL, then empty profiles', async () => {
      for (const attempt of ['first', 'repeated']) {
        const { accepted, final } = await d1.consumerWrite('clickToPayOptoutConsumer', consumerId);
        valueIsOneOf('CTP-OPTOUT-CONSUMER-IMMEDIATE-STATUS', '/status', accepted.status, ['PENDING', 'SUCCESSFUL']);
        valueIs(attempt === 'first' ? 'CTP-OPTOUT-CONSUMER-CASCADE' : 'CTP-OPTOUT-CONSUMER-REPEAT', '/status', final.status, 'SUCCESSFUL');
      }
      valueIs('CTP-PROFILES-EMPTY-LIST', '/clickToPayProfiles', await d1.profiles(consumerId), []);
    });
  },
);

test('a consumer never enrolled has an empty profile list', rule('CTP-PROFILES-EMPTY-LIST'), async ({ d1 }) => {
  const consumerId = await d1.registerConsumer();
  valueIs('CTP-PROFILES-EMPTY-LIST', '/clickToPayProfiles', await d1.profiles(consumerId), []);
});

test(
  'opting out a consumer never enrolled is SUCCESSFUL',
  rule('CTP-OPTOUT-CONSUMER-NEVER-ENROLLED', 'CTP-OPTOUT-CONSUMER-IMMEDIATE-STATUS'),
  async ({ d1 }) => {
    const consumerId = await d1.registerConsumer();
    const { accepted, final } = await d1.consumerWrite('clickToPayOptoutConsumer', consumerId);
    valueIsOneOf('CTP-OPTOUT-CONSUMER-IMMEDIATE-STATUS', '/status', accepted.status, ['PENDING', 'SUCCESSFUL']);
    valueIs('CTP-OPTOUT-CONSUMER-NEVER-ENROLLED', '/status', final.status, 'SUCCESSFUL');
  },
);

test('a repeated consumer opt-out is SUCCESSFUL', rule('CTP-OPTOUT-CONSUMER-REPEAT'), async ({ d1 }) => {
  const consumerId = await d1.registerConsumer();
  await d1.enrol(await d1.createCard(consumerId));
  await d1.consumerWrite('clickToPayOptoutConsumer', consumerId);
  const response = await d1.call('clickToPayOptoutConsumer', { path: { consumerId }, body: {} });
  valueIs('CTP-OPTOUT-CONSUMER-REPEAT', 'status', response.status, 200);
  const accepted = (response.json ?? {}) as Record<string, unknown>;
  const final = await d1.finalConsumerOperation(consumerId, String(accepted.operationId));
  valueIs('CTP-OPTOUT-CONSUMER-REPEAT', '/status', final.status, 'SUCCESSFUL');
});

test('one consumer opt-out removes every card of the consumer', rule('CTP-OPTOUT-CONSUMER-CASCADE'), async ({ d1, targets }) => {
  const consumerId = await d1.registerConsumer();
  const cards = [await d1.createCard(consumerId), await d1.createCard(consumerId)];
  if (targets.d1.secondCardProductId) cards.push(await d1.createCard(consumerId, targets.d1.secondCardProductId));
  for (const cardId of cards) await d1.enrol(cardId);
  const { final } = await d1.consumerWrite('clickToPayOptoutConsumer', consumerId);
  valueIs('CTP-OPTOUT-CONSUMER-CASCADE', '/status', final.status, 'SUCCESSFUL');
  valueIs('CTP-OPTOUT-CONSUMER-CASCADE', '/clickToPayProfiles', await d1.profiles(consumerId), []);
});

test('opting out the last card removes the consumer profile of that scheme', rule('CTP-OPTOUT-CARD-LAST-CARD'), async ({ d1 }) => {
  const consumerId = await d1.registerConsumer();
  const cardId = await d1.createCard(consumerId);
  await d1.enrol(cardId);
  await d1.cardWrite('clickToPayOptoutCard', cardId);
  valueIs('CTP-OPTOUT-CARD-LAST-CARD', '/clickToPayProfiles', await d1.profiles(consumerId), []);
});

test('opting out one of several cards keeps the consumer and the other cards', rule('CTP-OPTOUT-CARD-KEEPS-OTHERS'), async ({ d1 }) => {
  const consumerId = await d1.registerConsumer();
  const [first, second] = [await d1.createCard(consumerId), await d1.createCard(consumerId)];
  await d1.enrol(first);
  await d1.enrol(second);
  await d1.cardWrite('clickToPayOptoutCard', first);
  valueIs('CTP-OPTOUT-CARD-KEEPS-OTHERS', '/clickToPayProfiles', await d1.profiles(consumerId), [{ scheme: 'VISA', cards: [second] }]);
});

test('deleting a card opts it out of Click to Pay', rule('CARD-DELETE-OPTS-OUT'), async ({ d1 }) => {
  const consumerId = await d1.registerConsumer();
  const [kept, deleted] = [await d1.createCard(consumerId), await d1.createCard(consumerId)];
  await d1.enrol(kept);
  await d1.enrol(deleted);
  const { final } = await d1.cardWrite('deleteCard', deleted, { reasonCode: 'CLOSED_CARD' });
  valueIs('CARD-DELETE-OPTS-OUT', '/status', final.status, 'SUCCESSFUL');
  const profiles = await d1.profiles(consumerId);
  holds(
    'CARD-DELETE-OPTS-OUT',
    !profiles.some((p) => p.cards.includes(deleted)),
    'profiles',
    `no profile lists the deleted card`,
    JSON.stringify(profiles),
  );
});

test('deleting the last enrolled card removes the profile', rule('CARD-DELETE-LAST-CARD'), async ({ d1 }) => {
  const consumerId = await d1.registerConsumer();
  const cardId = await d1.createCard(consumerId);
  await d1.enrol(cardId);
  await d1.cardWrite('deleteCard', cardId, { reasonCode: 'CLOSED_CARD' });
  valueIs('CARD-DELETE-LAST-CARD', '/clickToPayProfiles', await d1.profiles(consumerId), []);
});

test('a card opted out can be enrolled again', rule('CTP-ENROL-AFTER-OPTOUT', 'CTP-OPTOUT-CARD-FINAL'), async ({ d1 }) => {
  const consumerId = await d1.registerConsumer();
  const cardId = await d1.createCard(consumerId);
  await d1.enrol(cardId);
  await d1.cardWrite('clickToPayOptoutCard', cardId);
  valueIs('CTP-OPTOUT-CARD-FINAL', '/clickToPayProfiles', await d1.profiles(consumerId), []);
  const { final } = await d1.enrol(cardId);
  valueIs('CTP-ENROL-AFTER-OPTOUT', '/status', final.status, 'SUCCESSFUL');
  valueIs('CTP-ENROL-AFTER-OPTOUT', '/clickToPayProfiles', await d1.profiles(consumerId), [{ scheme: 'VISA', cards: [cardId] }]);
});

test(
  'the first enrol creates the profile, later enrols add their card to it',
  rule('CTP-ENROL-CREATES-PROFILE', 'CTP-PROFILES-SHOWS-CARD'),
  async ({ d1 }) => {
    const consumerId = await d1.registerConsumer();
    const [first, second] = [await d1.createCard(consumerId), await d1.createCard(consumerId)];
    await d1.enrol(first);
    valueIs('CTP-ENROL-CREATES-PROFILE', '/clickToPayProfiles', await d1.profiles(consumerId), [{ scheme: 'VISA', cards: [first] }]);
    await d1.enrol(second);
    valueIs('CTP-ENROL-CREATES-PROFILE', '/clickToPayProfiles', await d1.profiles(consumerId), [
      { scheme: 'VISA', cards: [first, second].sort() },
    ]);
  },
);

test('no scheme appears twice in the profile list', rule('CTP-PROFILES-ONE-PER-SCHEME'), async ({ d1, targets }) => {
  const consumerId = await d1.registerConsumer();
  const cards = [await d1.createCard(consumerId), await d1.createCard(consumerId)];
  if (targets.d1.secondCardProductId) cards.push(await d1.createCard(consumerId, targets.d1.secondCardProductId));
  for (const cardId of cards) await d1.enrol(cardId);
  const schemes = (await d1.profiles(consumerId)).map((p) => p.scheme);
  holds(
    'CTP-PROFILES-ONE-PER-SCHEME',
    new Set(schemes).size === schemes.length,
    '/clickToPayProfiles/*/scheme',
    'each scheme at most once',
    JSON.stringify(schemes),
  );
});

test('the scheme comes from the card, not from the request', rule('CTP-ENROL-SCHEME-FROM-CARD'), async ({ d1, targets }) => {
  test.skip(!targets.d1.secondCardProductId, 'needs card products of both schemes (D1_CARD_PRODUCT_ID_OTHER_SCHEME)');
  const consumerId = await d1.registerConsumer();
  await d1.enrol(await d1.createCard(consumerId));
  await d1.enrol(await d1.createCard(consumerId, targets.d1.secondCardProductId));
  const schemes = (await d1.profiles(consumerId)).map((p) => p.scheme).sort();
  valueIs('CTP-ENROL-SCHEME-FROM-CARD', '/clickToPayProfiles/*/scheme', schemes, ['MASTERCARD', 'VISA']);
});

test(
  'a card the scheme refuses ends FAILED and may leave the consumer enrolled with no card',
  rule('CTP-ENROL-FAILED-KEEPS-CONSUMER'),
  async ({ d1, targets }) => {
    const refused = targets.d1.refusedCardProductId;
    test.skip(!refused, 'needs a card product whose cards the scheme refuses (D1_REFUSED_CARD_PRODUCT_ID)');
    const consumerId = await d1.registerConsumer();
    const { final } = await d1.enrol(await d1.createCard(consumerId, refused));
    valueIs('CTP-ENROL-FINAL-STATE', '/status', final.status, 'FAILED');
    const profiles = await d1.profiles(consumerId);
    holds(
      'CTP-ENROL-FAILED-KEEPS-CONSUMER',
      profiles.every((p) => p.cards.length === 0),
      '/clickToPayProfiles',
      'the consumer, with no card',
      JSON.stringify(profiles),
    );
  },
);

test('an enrol of a card already enrolled ends SUCCESSFUL and changes nothing', rule('CTP-ENROL-REPEAT'), async ({ d1 }) => {
  const consumerId = await d1.registerConsumer();
  const cardId = await d1.createCard(consumerId);
  await d1.enrol(cardId);
  const { final } = await d1.enrol(cardId);
  valueIs('CTP-ENROL-REPEAT', '/status', final.status, 'SUCCESSFUL');
  valueIs('CTP-ENROL-REPEAT', '/clickToPayProfiles', await d1.profiles(consumerId), [{ scheme: 'VISA', cards: [cardId] }]);
});

test('a repeated card opt-out ends SUCCESSFUL', rule('CTP-OPTOUT-CARD-REPEAT'), async ({ d1 }) => {
  const consumerId = await d1.registerConsumer();
  const cardId = await d1.createCard(consumerId);
  await d1.enrol(cardId);
  await d1.cardWrite('clickToPayOptoutCard', cardId);
  const { final } = await d1.cardWrite('clickToPayOptoutCard', cardId);
  valueIs('CTP-OPTOUT-CARD-REPEAT', '/status', final.status, 'SUCCESSFUL');
});

test('an enrol of a card D1 does not hold ends FAILED', rule('CTP-ENROL-UNKNOWN-CARD'), async ({ d1 }) => {
  const { testObjectId } = await import('../../fixtures/d1.js');
  const cardId = testObjectId('crd');
  const { final } = await d1.enrol(cardId);
  valueIs('CTP-ENROL-UNKNOWN-CARD', '/status', final.status, 'FAILED');
});

test('the profiles of a consumerId D1 does not know are an empty list', rule('CTP-PROFILES-UNKNOWN-CONSUMER'), async ({ d1 }) => {
  const { testObjectId } = await import('../../fixtures/d1.js');
  valueIs('CTP-PROFILES-UNKNOWN-CONSUMER', '/clickToPayProfiles', await d1.profiles(testObjectId('cns')), []);
});

test('updates succeed for an enrolled card and consumer', rule('CTP-UPDATE-CARD-ASYNC', 'CTP-UPDATE-CONSUMER-ASYNC'), async ({ d1 }) => {
  const consumerId = await d1.registerConsumer();
  const cardId = await d1.createCard(consumerId);
  await d1.enrol(cardId);
  const card = await d1.cardWrite('clickToPayUpdateCard', cardId, { name: 'Ana M Lima', reason: 'name corrected' });
  valueIs('CTP-UPDATE-CARD-ASYNC', '/status', card.final.status, 'SUCCESSFUL');
  const consumer = await d1.consumerWrite('clickToPayUpdateConsumer', consumerId, { reason: 'new phone number' });
  valueIs('CTP-UPDATE-CONSUMER-ASYNC', '/status', consumer.final.status, 'SUCCESSFUL');
});

test('a card update for a card not enrolled ends FAILED', rule('CTP-UPDATE-CARD-NOT-ENROLLED'), async ({ d1 }) => {
  const consumerId = await d1.registerConsumer();
  const { final } = await d1.cardWrite('clickToPayUpdateCard', await d1.createCard(consumerId), { name: 'Ana Lima' });
  valueIs('CTP-UPDATE-CARD-NOT-ENROLLED', '/status', final.status, 'FAILED');
});

test('a consumer update for a consumer not enrolled ends FAILED', rule('CTP-UPDATE-CONSUMER-NOT-ENROLLED'), async ({ d1 }) => {
  const consumerId = await d1.registerConsumer();
  const { final } = await d1.consumerWrite('clickToPayUpdateConsumer', consumerId, {});
  valueIs('CTP-UPDATE-CONSUMER-NOT-ENROLLED', '/status', final.status, 'FAILED');
});

test('the Click to Pay results are in the card operation getter under their names', rule('CARD-OPERATION-CTP-RESULT'), async ({ d1 }) => {
  const consumerId = await d1.registerConsumer();
  const cardId = await d1.createCard(consumerId);
  const enrolled = await d1.enrol(cardId);
  valueIs('CARD-OPERATION-CTP-RESULT', '/operation', enrolled.final.operation, 'CLICK_TO_PAY_ENROLMENT');
  const updated = await d1.cardWrite('clickToPayUpdateCard', cardId, {});
  valueIs('CARD-OPERATION-CTP-RESULT', '/operation', updated.final.operation, 'CLICK_TO_PAY_UPDATE');
  const optedOut = await d1.cardWrite('clickToPayOptoutCard', cardId, {});
  valueIs('CARD-OPERATION-CTP-RESULT', '/operation', optedOut.final.operation, 'CLICK_TO_PAY_OPTOUT');
});

test('the Click to Pay consumer results are in the consumer operation getter', rule('CONSUMER-OPERATION-CTP-RESULT'), async ({ d1 }) => {
  const consumerId = await d1.registerConsumer();
  await d1.enrol(await d1.createCard(consumerId));
  const { final } = await d1.consumerWrite('clickToPayOptoutConsumer', consumerId);
  valueIs('CONSUMER-OPERATION-CTP-RESULT', '/operation', final.operation, 'CLICK_TO_PAY_OPTOUT');
});

test('deleting a consumer takes it and its cards out of Click to Pay', rule('CONSUMER-DELETE-CTP-OPTOUT'), async ({ d1 }) => {
  const consumerId = await d1.registerConsumer();
  await d1.enrol(await d1.createCard(consumerId));
  await d1.consumerWrite('deleteConsumer', consumerId, { reasonCode: 'USER_DECISION' });
  valueIs('CONSUMER-DELETE-CTP-OPTOUT', '/clickToPayProfiles', await d1.profiles(consumerId), []);
});
