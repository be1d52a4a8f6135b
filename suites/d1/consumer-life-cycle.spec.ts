/**
 * The consumer life cycle through D1's Consumer API, as the issuer drives it: register (with or without personal
 * data), update, list the consumer's cards, delete. The end state is read through the consumer operation getter, the
 * card list and the Click to Pay profiles.
 */
import type { OperationId } from '../../gen/operations.js';
import type { RuleId } from '../../gen/catalogue.js';
import { answersAnOperation, holds, valueIs, valueIsOneOf } from '../../lib/checks/index.js';
import { test, expect, rule, type D1Party, uniquePan } from '../../fixtures/index.js';
import { testObjectId } from '../../fixtures/d1.js';

type Json = Record<string, unknown>;

const FINAL = ['SUCCESSFUL', 'FAILED'] as const;

const PERSONAL_INFORMATION = {
  language: 'en-US',
  firstName: 'Ana',
  lastName: 'Lima',
  dateOfBirth: '1990-01-25',
  email: 'ana.lima@example.com',
  mobilePhoneNumber: '+6599998888',
};

async function cardsOf(d1: D1Party, consumerId: string): Promise<string[]> {
  const body = (await d1.ok('getCardList', { path: { consumerId } })) as { cards?: { cardId?: unknown }[] };
  return (body.cards ?? []).map((c) => String(c.cardId));
}

/** A consumer write's immediate answer and the getter's view of the operation it names. */
async function followWrite(
  d1: D1Party,
  ruleId: RuleId,
  operationId: OperationId,
  consumerId: string,
  body: Json,
): Promise<{ accepted: Json; got: Json }> {
  const accepted = await d1.ok(operationId, { path: { consumerId }, body });
  answersAnOperation(ruleId, accepted);
  const got = await d1.ok('getConsumerOperation', { path: { consumerId, operationId: String(accepted.operationId) } });
  valueIs(ruleId, '/operationId', got.operationId, accepted.operationId);
  return { accepted, got };
}

/** Registers the consumer and returns the end of the registration: its final status, or how D1 refused it at once. */
async function registerOutcome(d1: D1Party, consumerId: string, body: Json = { consumerInfo: PERSONAL_INFORMATION }): Promise<string> {
  const response = await d1.call('registerConsumer', { path: { consumerId }, body });
  if (response.status !== 200) return `refused with ${response.status}`;
  return String((await d1.finalConsumerOperation(consumerId, String((response.json as Json).operationId))).status);
}

async function deleted(d1: D1Party, consumerId: string): Promise<void> {
  const { final } = await d1.consumerWrite('deleteConsumer', consumerId, { reasonCode: 'ISSUER_DECISION' });
  expect(final.status, `precondition: the delete of ${consumerId} ends SUCCESSFUL`).toBe('SUCCESSFUL');
}

test.describe('register consumer', () => {
  test('register consumer answers an operation that the getter returns as REGISTER', rule('CONSUMER-REGISTER-RESULT'), async ({ d1 }) => {
    const { got } = await followWrite(d1, 'CONSUMER-REGISTER-RESULT', 'registerConsumer', testObjectId('cns'), {
      consumerInfo: PERSONAL_INFORMATION,
    });
    valueIs('CONSUMER-REGISTER-RESULT', '/operation', got.operation, 'REGISTER');
  });

  test('register consumer ends SUCCESSFUL or FAILED', rule('CONSUMER-REGISTER-FINAL-STATE'), async ({ d1 }) => {
    valueIsOneOf('CONSUMER-REGISTER-FINAL-STATE', '/status', await registerOutcome(d1, testObjectId('cns')), FINAL);
  });

  test('a consumer registered without consumerInfo is known to D1', rule('CONSUMER-REGISTER-WITHOUT-DATA'), async ({ d1 }) => {
    const consumerId = testObjectId('cns');
    valueIs('CONSUMER-REGISTER-WITHOUT-DATA', '/status', await registerOutcome(d1, consumerId, {}), 'SUCCESSFUL');
    const cardId = await d1.createCard(consumerId);
    const cards = await cardsOf(d1, consumerId);
    holds(
      'CONSUMER-REGISTER-WITHOUT-DATA',
      cards.includes(cardId),
      '/cards',
      `the consumer's card list with ${cardId}`,
      JSON.stringify(cards),
    );
  });

  test(
    'D1 asks the issuer for the data of a consumer registered without them when it needs them',
    rule('CONSUMER-REGISTER-WITHOUT-DATA'),
    async ({ d1 }) => {
      const receiver = d1.receiver;
      test.skip(!receiver, "D1's calls to the issuer cannot be observed in this run (NOTIFY_SINK_PORT is not set)");
      if (!receiver) return;
      const consumerId = testObjectId('cns');
      await receiver.setConsumer(consumerId, PERSONAL_INFORMATION);
      expect(await registerOutcome(d1, consumerId, {}), 'precondition: the registration').toBe('SUCCESSFUL');
      // A Click to Pay enrolment needs the consumer's details.
      await d1.enrol(await d1.createCard(consumerId));
      const asked = await receiver.waitFor(async () => (await receiver.consumerInfoCalls()).some((c) => c.consumerId === consumerId));
      holds('CONSUMER-REGISTER-WITHOUT-DATA', asked, 'Get Consumer Information', `a request for ${consumerId}`, 'none');
    },
  );

  test(
    'with auto-enrolment configured, a consumer whose data are missing fails to enrol',
    rule('CONSUMER-REGISTER-AUTO-ENROL'),
    async ({ d1 }) => {
      test.skip(!d1.autoEnrolment, 'auto-enrolment is not configured for this issuer (D1_AUTO_ENROLMENT)');
      const consumerId = testObjectId('cns');
      expect(await registerOutcome(d1, consumerId, {}), 'precondition: the registration').toBe('SUCCESSFUL');
      const enrolment = await d1.autoEnrolmentOf(await d1.createCard(consumerId));
      valueIs('CONSUMER-REGISTER-AUTO-ENROL', '/status', enrolment?.status, 'FAILED');
    },
  );
});

test.describe('update consumer', () => {
  test('update consumer answers an operation that the consumer operation getter returns', rule('CONSUMER-UPDATE-ASYNC'), async ({ d1 }) => {
    await followWrite(d1, 'CONSUMER-UPDATE-ASYNC', 'updateConsumer', await d1.registerConsumer(), {
      consumerInfo: { ...PERSONAL_INFORMATION, email: 'ana.m.lima@example.com' },
    });
  });

  test('update consumer ends SUCCESSFUL or FAILED', rule('CONSUMER-UPDATE-FINAL-STATE'), async ({ d1 }) => {
    const { final } = await d1.consumerWrite('updateConsumer', await d1.registerConsumer(), {
      consumerInfo: { ...PERSONAL_INFORMATION, lastName: 'Lima-Souza' },
    });
    valueIsOneOf('CONSUMER-UPDATE-FINAL-STATE', '/status', final.status, FINAL);
  });
});

test('the card list holds the cards created and registered for the consumer', rule('CONSUMER-CARDS-LINKED'), async ({ d1, targets }) => {
  const consumerId = await d1.registerConsumer();
  const other = await d1.registerConsumer();
  const created = [await d1.createCard(consumerId), await d1.createCard(consumerId)];
  const registered = targets.d1.cardDataJwk ? [await d1.registerCard(consumerId, { pan: uniquePan(), expiry: '1230' })] : [];
  const elsewhere = await d1.createCard(other);
  const cards = await cardsOf(d1, consumerId);
  for (const cardId of [...created, ...registered]) {
    holds('CONSUMER-CARDS-LINKED', cards.includes(cardId), '/cards', `the consumer's card list with ${cardId}`, JSON.stringify(cards));
  }
  holds('CONSUMER-CARDS-LINKED', !cards.includes(elsewhere), '/cards', `no card of another consumer (${elsewhere})`, JSON.stringify(cards));
});

test.describe('delete consumer', () => {
  test('delete consumer answers an operation that the getter returns as DELETE', rule('CONSUMER-DELETE-ASYNC'), async ({ d1 }) => {
    const { got } = await followWrite(d1, 'CONSUMER-DELETE-ASYNC', 'deleteConsumer', await d1.registerConsumer(), {
      reason: 'customer left the bank',
      reasonCode: 'USER_DECISION',
    });
    valueIs('CONSUMER-DELETE-ASYNC', '/operation', got.operation, 'DELETE');
  });

  test('delete consumer ends SUCCESSFUL or FAILED', rule('CONSUMER-DELETE-FINAL-STATE'), async ({ d1 }) => {
    const { final } = await d1.consumerWrite('deleteConsumer', await d1.registerConsumer(), { reasonCode: 'ISSUER_DECISION' });
    valueIsOneOf('CONSUMER-DELETE-FINAL-STATE', '/status', final.status, FINAL);
  });

  test("deleting a consumer deletes the consumer's cards", rule('CONSUMER-DELETE-CASCADE'), async ({ d1 }) => {
    const consumerId = await d1.registerConsumer();
    const cardIds = [await d1.createCard(consumerId), await d1.createCard(consumerId)];
    expect((await cardsOf(d1, consumerId)).sort(), 'precondition: both cards are listed').toEqual([...cardIds].sort());
    await deleted(d1, consumerId);
    const cards = await cardsOf(d1, consumerId);
    holds('CONSUMER-DELETE-CASCADE', cards.length === 0, '/cards', 'no card left for the deleted consumer', JSON.stringify(cards));
  });

  test('a deleted consumerId does not come back', rule('CONSUMER-DELETE-IRREVERSIBLE'), async ({ d1, targets }) => {
    const consumerId = await d1.registerConsumer();
    await deleted(d1, consumerId);
    const again = await registerOutcome(d1, consumerId);
    holds(
      'CONSUMER-DELETE-IRREVERSIBLE',
      again !== 'SUCCESSFUL',
      '/status',
      'registering the deleted consumerId again refused or FAILED',
      again,
    );
    const card = await d1.call('createCard', { body: { consumerId, cardProductId: targets.d1.cardProductId } });
    const cardOutcome =
      card.status === 200
        ? String((await d1.finalCardOperation(String((card.json as Json).cardId), String((card.json as Json).operationId))).status)
        : `refused with ${card.status}`;
    holds(
      'CONSUMER-DELETE-IRREVERSIBLE',
      cardOutcome !== 'SUCCESSFUL',
      '/status',
      'a card created for the deleted consumerId refused or FAILED',
      cardOutcome,
    );
  });

  test('deleting a consumer takes the consumer and its cards out of Click to Pay', rule('CONSUMER-DELETE-CTP-OPTOUT'), async ({ d1 }) => {
    const consumerId = await d1.registerConsumer();
    for (const cardId of [await d1.createCard(consumerId), await d1.createCard(consumerId)]) {
      expect((await d1.enrol(cardId)).final.status, `precondition: the enrolment of ${cardId}`).toBe('SUCCESSFUL');
    }
    expect((await d1.profiles(consumerId)).length, 'precondition: the consumer has a profile').toBeGreaterThan(0);
    await deleted(d1, consumerId);
    const profiles = await d1.profiles(consumerId);
    holds('CONSUMER-DELETE-CTP-OPTOUT', profiles.length === 0, '/clickToPayProfiles', 'no profile left', JSON.stringify(profiles));
  });
});
