/**
 * The card life cycle through D1's Card API, as the issuer drives it: create and register, renew and replace,
 * suspend and resume, delete. Writes answer an operation at once and end SUCCESSFUL or FAILED later; the checks read
 * the end state through the operation getter, the consumer's card list and the Click to Pay profiles.
 */
import type { OperationId } from '../../gen/operations.js';
import type { RuleId } from '../../gen/catalogue.js';
import { encryptCardData } from '../../lib/card-data.js';
import { answersAnOperation, holds, valueIs, valueIsOneOf } from '../../lib/checks/index.js';
import { test, expect, rule, type D1Party, type ResolvedTargets, uniquePan } from '../../fixtures/index.js';
import { testObjectId } from '../../fixtures/d1.js';

type Json = Record<string, unknown>;

const FINAL = ['SUCCESSFUL', 'FAILED'] as const;
const EXPIRY = '1230';

function cardDataKey(targets: ResolvedTargets): Readonly<Record<string, unknown>> {
  const jwk = targets.d1.cardDataJwk;
  test.skip(!jwk, 'registering a card needs the card-data key (D1_CARD_DATA_KEY)');
  return jwk ?? {};
}

/** Registers a card under the cardId given and returns the final state of the operation, or how D1 refused it at once. */
async function registerOutcome(d1: D1Party, targets: ResolvedTargets, cardId: string, consumerId: string, pan: string): Promise<string> {
  const encryptedData = await encryptCardData(cardDataKey(targets), { pan, expiry: EXPIRY });
  const response = await d1.call('registerCard', { path: { cardId }, body: { consumerId, encryptedData } });
  if (response.status !== 200) return `refused with ${response.status}`;
  const final = await d1.finalCardOperation(cardId, String((response.json as Json).operationId));
  return String(final.status);
}

/** A card write's end: the final status, or how D1 refused it at once (the rules that allow either say so). */
async function writeOutcome(d1: D1Party, operationId: OperationId, cardId: string, body: Json): Promise<string> {
  const response = await d1.call(operationId, { path: { cardId }, body });
  if (response.status !== 200) return `refused with ${response.status}`;
  return String((await d1.finalCardOperation(cardId, String((response.json as Json).operationId))).status);
}

async function cardsOf(d1: D1Party, consumerId: string): Promise<string[]> {
  const body = (await d1.ok('getCardList', { path: { consumerId } })) as { cards?: { cardId?: unknown }[] };
  return (body.cards ?? []).map((c) => String(c.cardId));
}

/** The getter's view of the operation a write answered, at once and once it is final. */
async function followWrite(
  d1: D1Party,
  ruleId: RuleId,
  operationId: OperationId,
  cardId: string,
  body: Json,
  expectedName: string,
): Promise<string> {
  const accepted = await d1.startCardWrite(operationId, cardId, body);
  answersAnOperation(ruleId, accepted);
  const got = await d1.ok('getCardOperation', { path: { cardId, operationId: String(accepted.operationId) } });
  valueIs(ruleId, '/operationId', got.operationId, accepted.operationId);
  valueIs(ruleId, '/operation', got.operation, expectedName);
  return String(accepted.operationId);
}

async function finalStatusOf(d1: D1Party, operationId: OperationId, cardId: string, body: Json): Promise<unknown> {
  return (await d1.cardWrite(operationId, cardId, body)).final.status;
}

async function enrolled(d1: D1Party, cardId: string): Promise<void> {
  const { final } = await d1.enrol(cardId);
  expect(final.status, `precondition: the enrolment of ${cardId} ends SUCCESSFUL`).toBe('SUCCESSFUL');
}

test.describe('create and register card', () => {
  test(
    'create card answers an operation that the card operation getter returns',
    rule('CARD-CREATE-REGISTER-ASYNC'),
    async ({ d1, targets }) => {
      const accepted = await d1.ok('createCard', {
        body: { consumerId: await d1.registerConsumer(), cardProductId: targets.d1.cardProductId },
      });
      answersAnOperation('CARD-CREATE-REGISTER-ASYNC', accepted);
      const got = await d1.ok('getCardOperation', { path: { cardId: String(accepted.cardId), operationId: String(accepted.operationId) } });
      valueIs('CARD-CREATE-REGISTER-ASYNC', '/operationId', got.operationId, accepted.operationId);
    },
  );

  test(
    'register card answers an operation that the card operation getter returns',
    rule('CARD-CREATE-REGISTER-ASYNC'),
    async ({ d1, targets }) => {
      const encryptedData = await encryptCardData(cardDataKey(targets), { pan: uniquePan(), expiry: EXPIRY });
      const cardId = testObjectId('crd');
      await followWrite(
        d1,
        'CARD-CREATE-REGISTER-ASYNC',
        'registerCard',
        cardId,
        { consumerId: await d1.registerConsumer(), encryptedData },
        'REGISTER',
      );
    },
  );

  test('create and register card end SUCCESSFUL or FAILED', rule('CARD-CREATE-REGISTER-FINAL-STATE'), async ({ d1, targets }) => {
    const consumerId = await d1.registerConsumer();
    const accepted = await d1.ok('createCard', { body: { consumerId, cardProductId: targets.d1.cardProductId } });
    const created = await d1.finalCardOperation(String(accepted.cardId), String(accepted.operationId));
    valueIsOneOf('CARD-CREATE-REGISTER-FINAL-STATE', '/status', created.status, FINAL);
    if (!targets.d1.cardDataJwk) return;
    valueIsOneOf(
      'CARD-CREATE-REGISTER-FINAL-STATE',
      '/status',
      await registerOutcome(d1, targets, testObjectId('crd'), consumerId, uniquePan()),
      FINAL,
    );
  });

  test(
    'a PAN whose card was deleted cannot be registered again, under a new or the same cardId',
    rule('CARD-REGISTER-PAN-NOT-AGAIN'),
    async ({ d1, targets }) => {
      const consumerId = await d1.registerConsumer();
      const pan = uniquePan();
      const cardId = testObjectId('crd');
      expect(await registerOutcome(d1, targets, cardId, consumerId, pan), 'precondition: the first registration').toBe('SUCCESSFUL');
      expect(await finalStatusOf(d1, 'deleteCard', cardId, { reasonCode: 'CLOSED_CARD' }), 'precondition: the delete').toBe('SUCCESSFUL');
      for (const [name, id] of [
        ['a new cardId', testObjectId('crd')],
        ['the same cardId', cardId],
      ] as const) {
        const outcome = await registerOutcome(d1, targets, id, consumerId, pan);
        holds(
          'CARD-REGISTER-PAN-NOT-AGAIN',
          outcome !== 'SUCCESSFUL',
          '/status',
          `the deleted PAN registered again under ${name} is refused or ends FAILED`,
          outcome,
        );
      }
    },
  );

  test('a PAN whose card was replaced cannot be registered again', rule('CARD-REGISTER-PAN-NOT-AGAIN'), async ({ d1, targets }) => {
    const consumerId = await d1.registerConsumer();
    const pan = uniquePan();
    const cardId = testObjectId('crd');
    expect(await registerOutcome(d1, targets, cardId, consumerId, pan), 'precondition: the first registration').toBe('SUCCESSFUL');
    const replacement = {
      newCardId: testObjectId('crd'),
      encryptedData: await encryptCardData(cardDataKey(targets), { pan: uniquePan(), expiry: EXPIRY }),
    };
    expect(await finalStatusOf(d1, 'replaceCard', cardId, replacement), 'precondition: the replace').toBe('SUCCESSFUL');
    const outcome = await registerOutcome(d1, targets, testObjectId('crd'), consumerId, pan);
    holds(
      'CARD-REGISTER-PAN-NOT-AGAIN',
      outcome !== 'SUCCESSFUL',
      '/status',
      'the replaced PAN registered again is refused or ends FAILED',
      outcome,
    );
  });

  test(
    "registering a cardId again for another consumer takes it out of the first consumer's card list",
    rule('CARD-REGISTER-CARDID-MOVES'),
    async ({ d1, targets }) => {
      const first = await d1.registerConsumer();
      const second = await d1.registerConsumer();
      const cardId = testObjectId('crd');
      expect(await registerOutcome(d1, targets, cardId, first, uniquePan()), 'precondition: the first registration').toBe('SUCCESSFUL');
      // The documents allow reusing a cardId only once its card is deleted or replaced.
      expect(await finalStatusOf(d1, 'deleteCard', cardId, { reasonCode: 'CLOSED_CARD' }), 'precondition: the delete').toBe('SUCCESSFUL');
      expect(
        await registerOutcome(d1, targets, cardId, second, uniquePan()),
        'precondition: the registration for the second consumer',
      ).toBe('SUCCESSFUL');
      const firstCards = await cardsOf(d1, first);
      holds(
        'CARD-REGISTER-CARDID-MOVES',
        !firstCards.includes(cardId),
        '/cards',
        `the first consumer's list without ${cardId}`,
        JSON.stringify(firstCards),
      );
      const secondCards = await cardsOf(d1, second);
      holds(
        'CARD-REGISTER-CARDID-MOVES',
        secondCards.includes(cardId),
        '/cards',
        `the second consumer's list with ${cardId}`,
        JSON.stringify(secondCards),
      );
    },
  );

  test(
    'a card registered for an unknown consumerId registers that consumer with it',
    rule('CARD-REGISTER-UNKNOWN-CONSUMER'),
    async ({ d1, targets }) => {
      const consumerId = testObjectId('cns');
      const cardId = testObjectId('crd');
      const outcome = await registerOutcome(d1, targets, cardId, consumerId, uniquePan());
      valueIs('CARD-REGISTER-UNKNOWN-CONSUMER', '/status', outcome, 'SUCCESSFUL');
      const cards = await cardsOf(d1, consumerId);
      holds(
        'CARD-REGISTER-UNKNOWN-CONSUMER',
        cards.includes(cardId),
        '/cards',
        `the new consumer's card list with ${cardId}`,
        JSON.stringify(cards),
      );
    },
  );

  test(
    'a card registered for an unknown consumerId makes D1 ask the issuer for that consumer',
    rule('CARD-REGISTER-UNKNOWN-CONSUMER'),
    async ({ d1, targets }) => {
      const receiver = d1.receiver;
      test.skip(!receiver, "D1's calls to the issuer cannot be observed in this run (NOTIFY_SINK_PORT is not set)");
      if (!receiver) return;
      const consumerId = testObjectId('cns');
      await receiver.setConsumer(consumerId, { language: 'en-US', firstName: 'Ana', lastName: 'Lima', email: 'ana.lima@example.com' });
      expect(await registerOutcome(d1, targets, testObjectId('crd'), consumerId, uniquePan()), 'precondition: the registration').toBe(
        'SUCCESSFUL',
      );
      const asked = await receiver.waitFor(async () => (await receiver.consumerInfoCalls()).some((c) => c.consumerId === consumerId));
      holds('CARD-REGISTER-UNKNOWN-CONSUMER', asked, 'Get Consumer Information', `a request for ${consumerId}`, 'none');
    },
  );

  test(
    'with auto-enrolment configured, a new card of a consumer whose data are missing fails to enrol',
    rule('CARD-CREATE-REGISTER-AUTO-ENROL'),
    async ({ d1 }) => {
      test.skip(!d1.autoEnrolment, 'auto-enrolment is not configured for this issuer (D1_AUTO_ENROLMENT)');
      // A consumer D1 has no data for, and that the issuer does not know either.
      const withoutData = await d1.registerConsumer({ withDetails: false });
      const enrolment = await d1.autoEnrolmentOf(await d1.createCard(withoutData));
      valueIs('CARD-CREATE-REGISTER-AUTO-ENROL', '/status', enrolment?.status, 'FAILED');
    },
  );
});

test.describe('renew and replace card', () => {
  test('renew card answers an operation that the getter returns as RENEW', rule('CARD-RENEW-REPLACE-ASYNC'), async ({ d1, targets }) => {
    const jwk = cardDataKey(targets);
    const pan = uniquePan();
    const cardId = await d1.registerCard(await d1.registerConsumer(), { pan, expiry: EXPIRY });
    await followWrite(
      d1,
      'CARD-RENEW-REPLACE-ASYNC',
      'renewCard',
      cardId,
      { encryptedData: await encryptCardData(jwk, { pan, expiry: '1233' }) },
      'RENEW',
    );
  });

  test(
    'replace card answers an operation that the getter returns as REPLACE',
    rule('CARD-RENEW-REPLACE-ASYNC'),
    async ({ d1, targets }) => {
      const jwk = cardDataKey(targets);
      const cardId = await d1.registerCard(await d1.registerConsumer(), { pan: uniquePan(), expiry: EXPIRY });
      const body = { newCardId: testObjectId('crd'), encryptedData: await encryptCardData(jwk, { pan: uniquePan(), expiry: '1233' }) };
      await followWrite(d1, 'CARD-RENEW-REPLACE-ASYNC', 'replaceCard', cardId, body, 'REPLACE');
    },
  );

  test('renew and replace card end SUCCESSFUL or FAILED', rule('CARD-RENEW-REPLACE-FINAL-STATE'), async ({ d1, targets }) => {
    const jwk = cardDataKey(targets);
    const pan = uniquePan();
    const cardId = await d1.registerCard(await d1.registerConsumer(), { pan, expiry: EXPIRY });
    const renewed = await finalStatusOf(d1, 'renewCard', cardId, { encryptedData: await encryptCardData(jwk, { pan, expiry: '1233' }) });
    valueIsOneOf('CARD-RENEW-REPLACE-FINAL-STATE', '/status', renewed, FINAL);
    const replaced = await finalStatusOf(d1, 'replaceCard', cardId, {
      newCardId: testObjectId('crd'),
      encryptedData: await encryptCardData(jwk, { pan: uniquePan(), expiry: '1233' }),
    });
    valueIsOneOf('CARD-RENEW-REPLACE-FINAL-STATE', '/status', replaced, FINAL);
  });
});

test.describe('delete card', () => {
  test('delete card answers an operation that the getter returns as DELETE', rule('CARD-DELETE-ASYNC'), async ({ d1 }) => {
    const cardId = await d1.createCard(await d1.registerConsumer());
    await followWrite(d1, 'CARD-DELETE-ASYNC', 'deleteCard', cardId, { reasonCode: 'CLOSED_CARD' }, 'DELETE');
  });

  test('delete card ends SUCCESSFUL or FAILED', rule('CARD-DELETE-FINAL-STATE'), async ({ d1 }) => {
    const cardId = await d1.createCard(await d1.registerConsumer());
    valueIsOneOf('CARD-DELETE-FINAL-STATE', '/status', await finalStatusOf(d1, 'deleteCard', cardId, { reasonCode: 'CLOSED_CARD' }), FINAL);
  });

  test('a deleted card leaves Click to Pay without an opt-out call', rule('CARD-DELETE-OPTS-OUT'), async ({ d1 }) => {
    const consumerId = await d1.registerConsumer();
    // Two cards of one scheme, so that the profile outlives the deleted one.
    const [deleted, kept] = [await d1.createCard(consumerId), await d1.createCard(consumerId)];
    await enrolled(d1, deleted);
    await enrolled(d1, kept);
    expect(await finalStatusOf(d1, 'deleteCard', deleted, { reasonCode: 'CLOSED_CARD' }), 'precondition: the delete').toBe('SUCCESSFUL');
    const listed = (await d1.profiles(consumerId)).flatMap((p) => p.cards);
    holds(
      'CARD-DELETE-OPTS-OUT',
      !listed.includes(deleted),
      '/clickToPayProfiles',
      `no profile lists the deleted card ${deleted}`,
      `cards listed: ${JSON.stringify(listed)}`,
    );
  });

  test("deleting the consumer's last enrolled card of a scheme removes that profile", rule('CARD-DELETE-LAST-CARD'), async ({ d1 }) => {
    const consumerId = await d1.registerConsumer();
    const cardId = await d1.createCard(consumerId);
    await enrolled(d1, cardId);
    const before = await d1.profiles(consumerId);
    expect(before.length, 'precondition: the enrolment made a profile').toBe(1);
    expect(await finalStatusOf(d1, 'deleteCard', cardId, { reasonCode: 'CLOSED_CARD' }), 'precondition: the delete').toBe('SUCCESSFUL');
    const after = await d1.profiles(consumerId);
    holds(
      'CARD-DELETE-LAST-CARD',
      !after.some((p) => p.scheme === before[0]?.scheme),
      '/clickToPayProfiles',
      `no ${before[0]?.scheme} profile left`,
      JSON.stringify(after),
    );
  });
});

test.describe('suspend and resume card', () => {
  test(
    'suspend and resume answer operations that the getter returns as SUSPEND and RESUME',
    rule('CARD-SUSPEND-RESUME-ASYNC'),
    async ({ d1 }) => {
      const cardId = await d1.createCard(await d1.registerConsumer());
      const suspension = await followWrite(d1, 'CARD-SUSPEND-RESUME-ASYNC', 'suspendCard', cardId, { reasonCode: 'CARD_LOST' }, 'SUSPEND');
      await d1.finalCardOperation(cardId, suspension);
      await followWrite(d1, 'CARD-SUSPEND-RESUME-ASYNC', 'resumeCard', cardId, { reasonCode: 'CARD_FOUND' }, 'RESUME');
    },
  );

  test('suspend and resume end SUCCESSFUL or FAILED', rule('CARD-SUSPEND-RESUME-FINAL-STATE'), async ({ d1 }) => {
    const cardId = await d1.createCard(await d1.registerConsumer());
    valueIsOneOf(
      'CARD-SUSPEND-RESUME-FINAL-STATE',
      '/status',
      await finalStatusOf(d1, 'suspendCard', cardId, { reasonCode: 'CARD_LOST' }),
      FINAL,
    );
    valueIsOneOf(
      'CARD-SUSPEND-RESUME-FINAL-STATE',
      '/status',
      await finalStatusOf(d1, 'resumeCard', cardId, { reasonCode: 'CARD_FOUND' }),
      FINAL,
    );
  });

  const fitting: [string, string][] = [
    ['CARD_LOST', 'CARD_FOUND'],
    ['USER_DECISION', 'USER_DECISION'],
    ['ISSUER_DECISION', 'ISSUER_DECISION'],
  ];
  const mismatched: [string, string][] = [
    ['CARD_LOST', 'USER_DECISION'],
    ['ISSUER_DECISION', 'USER_DECISION'],
    ['ISSUER_DECISION', 'CARD_FOUND'],
    ['USER_DECISION', 'CARD_FOUND'],
  ];

  test('a resume whose reason fits the suspension ends SUCCESSFUL', rule('CARD-RESUME-MATCHING-REASON'), async ({ d1 }) => {
    const consumerId = await d1.registerConsumer();
    for (const [suspendedAs, resumedAs] of fitting) {
      await test.step(`suspended as ${suspendedAs}, resumed as ${resumedAs}`, async () => {
        const cardId = await d1.createCard(consumerId);
        expect(await finalStatusOf(d1, 'suspendCard', cardId, { reasonCode: suspendedAs }), 'precondition: the suspension').toBe(
          'SUCCESSFUL',
        );
        valueIs(
          'CARD-RESUME-MATCHING-REASON',
          '/status',
          await writeOutcome(d1, 'resumeCard', cardId, { reasonCode: resumedAs }),
          'SUCCESSFUL',
        );
      });
    }
  });

  test(
    'a resume whose reason does not fit the suspension is refused or ends FAILED',
    rule('CARD-RESUME-MATCHING-REASON'),
    async ({ d1 }) => {
      const consumerId = await d1.registerConsumer();
      for (const [suspendedAs, resumedAs] of mismatched) {
        await test.step(`suspended as ${suspendedAs}, resumed as ${resumedAs}`, async () => {
          const cardId = await d1.createCard(consumerId);
          expect(await finalStatusOf(d1, 'suspendCard', cardId, { reasonCode: suspendedAs }), 'precondition: the suspension').toBe(
            'SUCCESSFUL',
          );
          const outcome = await writeOutcome(d1, 'resumeCard', cardId, { reasonCode: resumedAs });
          holds(
            'CARD-RESUME-MATCHING-REASON',
            outcome !== 'SUCCESSFUL',
            '/status',
            `a ${resumedAs} resume of a card suspended as ${suspendedAs} refused or FAILED`,
            outcome,
          );
        });
      }
    },
  );

  test('a card suspended as stolen, broken or fraud cannot be resumed', rule('CARD-SUSPEND-UNTIL-REPLACED'), async ({ d1 }) => {
    const consumerId = await d1.registerConsumer();
    for (const suspendedAs of ['CARD_STOLEN', 'CARD_BROKEN', 'FRAUD']) {
      await test.step(`suspended as ${suspendedAs}`, async () => {
        const cardId = await d1.createCard(consumerId);
        expect(await finalStatusOf(d1, 'suspendCard', cardId, { reasonCode: suspendedAs }), 'precondition: the suspension').toBe(
          'SUCCESSFUL',
        );
        for (const resumedAs of ['CARD_FOUND', 'ISSUER_DECISION', 'USER_DECISION']) {
          const outcome = await writeOutcome(d1, 'resumeCard', cardId, { reasonCode: resumedAs });
          holds(
            'CARD-SUSPEND-UNTIL-REPLACED',
            outcome !== 'SUCCESSFUL',
            '/status',
            `a ${resumedAs} resume of a card suspended as ${suspendedAs} refused or FAILED`,
            outcome,
          );
        }
      });
    }
  });
});
