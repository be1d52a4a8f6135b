/**
 * D1's operation getters, for cards (v1) and consumers (v2): one operation by the operationId a write answered, and
 * the list of every operation run on the card or consumer, newest first and paged by offset and limit.
 */
import type { OperationId } from '../../gen/operations.js';
import type { RuleId } from '../../gen/catalogue.js';
import { encryptCardData } from '../../lib/card-data.js';
import { holds, valueIs, valueIsOneOf } from '../../lib/checks/index.js';
import { test, expect, rule, type D1Party, uniquePan } from '../../fixtures/index.js';
import { testObjectId } from '../../fixtures/d1.js';

type Json = Record<string, unknown>;

const FINAL = ['SUCCESSFUL', 'FAILED'] as const;

/** The card or consumer whose operations a test reads. */
type Subject = { readonly kind: 'card'; readonly cardId: string } | { readonly kind: 'consumer'; readonly consumerId: string };

const card = (cardId: string): Subject => ({ kind: 'card', cardId });
const consumer = (consumerId: string): Subject => ({ kind: 'consumer', consumerId });
const pathOf = (subject: Subject): Record<string, string> =>
  subject.kind === 'card' ? { cardId: subject.cardId } : { consumerId: subject.consumerId };
const getterOf = (subject: Subject): OperationId => (subject.kind === 'card' ? 'getCardOperation' : 'getConsumerOperation');
const listOf = (subject: Subject): OperationId => (subject.kind === 'card' ? 'getCardOperations' : 'getConsumerOperations');

/** One write on the subject; its operationId. */
async function start(d1: D1Party, subject: Subject, operationId: OperationId, body: Json = {}): Promise<string> {
  const accepted = await d1.ok(operationId, { path: pathOf(subject), body });
  return String(accepted.operationId);
}

function final(d1: D1Party, subject: Subject, operationId: string): Promise<Json> {
  return subject.kind === 'card'
    ? d1.finalCardOperation(subject.cardId, operationId)
    : d1.finalConsumerOperation(subject.consumerId, operationId);
}

/** One write on the subject, waited for until final; its operationId. */
async function run(d1: D1Party, subject: Subject, operationId: OperationId, body: Json = {}): Promise<string> {
  const id = await start(d1, subject, operationId, body);
  await final(d1, subject, id);
  return id;
}

function read(d1: D1Party, subject: Subject, operationId: string): Promise<Json> {
  return d1.ok(getterOf(subject), { path: { ...pathOf(subject), operationId } });
}

async function list(d1: D1Party, subject: Subject, query: Record<string, number> = {}): Promise<Json[]> {
  const body = (await d1.ok(listOf(subject), { path: pathOf(subject), query })) as { operations?: Json[] };
  return body.operations ?? [];
}

const idsOf = (operations: readonly Json[]): string[] => operations.map((o) => String(o.operationId));

/** A consumer with a card enrolled in Click to Pay. */
async function enrolledCard(d1: D1Party): Promise<{ consumerId: string; cardId: string }> {
  const consumerId = await d1.registerConsumer();
  const cardId = await d1.createCard(consumerId);
  expect((await d1.enrol(cardId)).final.status, 'precondition: the enrolment ends SUCCESSFUL').toBe('SUCCESSFUL');
  return { consumerId, cardId };
}

/** A card that has been created, suspended and resumed: its three operationIds, oldest first. */
async function cardWithHistory(d1: D1Party, cardProductId: string): Promise<{ cardId: string; history: string[] }> {
  const accepted = await d1.ok('createCard', { body: { consumerId: await d1.registerConsumer(), cardProductId } });
  const subject = card(String(accepted.cardId));
  await final(d1, subject, String(accepted.operationId));
  const suspended = await run(d1, subject, 'suspendCard', { reasonCode: 'CARD_LOST' });
  const resumed = await run(d1, subject, 'resumeCard', { reasonCode: 'CARD_FOUND' });
  return { cardId: String(accepted.cardId), history: [String(accepted.operationId), suspended, resumed] };
}

/** A consumer that has been registered, updated twice: its three operationIds, oldest first. */
async function consumerWithHistory(d1: D1Party): Promise<{ consumerId: string; history: string[] }> {
  const consumerId = testObjectId('cns');
  const subject = consumer(consumerId);
  const registered = await run(d1, subject, 'registerConsumer', {
    consumerInfo: { language: 'en-US', firstName: 'Ana', lastName: 'Lima' },
  });
  const updated = await run(d1, subject, 'updateConsumer', {
    consumerInfo: { language: 'en-US', firstName: 'Ana', lastName: 'Lima-Souza' },
  });
  const again = await run(d1, subject, 'updateConsumer', { consumerInfo: { language: 'pt-BR', firstName: 'Ana', lastName: 'Lima-Souza' } });
  return { consumerId, history: [registered, updated, again] };
}

/** The list is newest first: our operations appear in reverse start order, start times never grow, offset pages. */
async function checkNewestFirst(d1: D1Party, ruleId: RuleId, subject: Subject, history: readonly string[]): Promise<void> {
  const all = await list(d1, subject);
  const ours = idsOf(all).filter((id) => history.includes(id));
  valueIs(ruleId, '/operations (ours, in list order)', ours, [...history].reverse());
  // The order is the rule's business, not whether each operation states its startTime: only those stated are compared.
  const stated = all.filter((o) => o.startTime !== undefined);
  const times = stated.map((o) => Date.parse(String(o.startTime)));
  holds(
    ruleId,
    times.every((t, i) => i === 0 || t <= (times[i - 1] ?? t)),
    '/operations/*/startTime',
    'start times from newest to oldest',
    JSON.stringify(stated.map((o) => o.startTime)),
  );
  const fromZero = await list(d1, subject, { offset: 0 });
  valueIs(ruleId, '/operations (offset 0)', idsOf(fromZero), idsOf(all));
  const second = await list(d1, subject, { offset: 1, limit: 1 });
  valueIs(ruleId, '/operations (offset 1, limit 1)', idsOf(second), idsOf(all).slice(1, 2));
}

async function checkLimit(d1: D1Party, ruleId: RuleId, subject: Subject): Promise<void> {
  expect((await list(d1, subject)).length, 'precondition: at least three operations').toBeGreaterThanOrEqual(3);
  for (const limit of [1, 2]) {
    const page = await list(d1, subject, { limit });
    holds(ruleId, page.length <= limit, '/operations', `at most ${limit} operations for limit ${limit}`, `${page.length} operations`);
  }
}

/** Looks at the operation at once, while it may still run, and once it is final: endTime only when final. */
async function checkEndTime(d1: D1Party, ruleId: RuleId, subject: Subject, operationId: string): Promise<void> {
  const seen = [await read(d1, subject, operationId), await final(d1, subject, operationId)];
  for (const operation of seen) {
    const done = operation.status === 'SUCCESSFUL' || operation.status === 'FAILED';
    holds(
      ruleId,
      done === (operation.endTime !== undefined),
      '/endTime',
      done ? `an endTime once ${String(operation.status)}` : 'no endTime while PENDING',
      `status ${String(operation.status)}, endTime ${JSON.stringify(operation.endTime) ?? 'absent'}`,
    );
  }
}

test.describe('card operation getter', () => {
  test(
    'the final result of an enrol, a card update and a card opt-out is read under the operationId they answered',
    rule('CARD-OPERATION-CTP-RESULT'),
    async ({ d1 }) => {
      const { cardId } = await enrolledCard(d1);
      const subject = card(cardId);
      const writes: [OperationId, Json][] = [
        ['clickToPayUpdateCard', { name: 'Ana M Lima' }],
        ['clickToPayOptoutCard', { reasonCode: 'ISSUER_DECISION' }],
        ['clickToPayEnrol', { name: 'Ana Lima' }],
      ];
      for (const [operationId, body] of writes) {
        await test.step(operationId, async () => {
          const id = await start(d1, subject, operationId, body);
          const result = await final(d1, subject, id);
          valueIs('CARD-OPERATION-CTP-RESULT', '/operationId', result.operationId, id);
          valueIsOneOf('CARD-OPERATION-CTP-RESULT', '/status', result.status, FINAL);
        });
      }
    },
  );

  test('each card operation is named after the write that started it', rule('CARD-OPERATION-NAMES'), async ({ d1, targets }) => {
    const consumerId = await d1.registerConsumer();
    const accepted = await d1.ok('createCard', { body: { consumerId, cardProductId: targets.d1.cardProductId } });
    const subject = card(String(accepted.cardId));
    await test.step('createCard', async () =>
      valueIs('CARD-OPERATION-NAMES', '/operation', (await final(d1, subject, String(accepted.operationId))).operation, 'CREATE'));
    const writes: [OperationId, Json, string][] = [
      ['suspendCard', { reasonCode: 'CARD_LOST' }, 'SUSPEND'],
      ['resumeCard', { reasonCode: 'CARD_FOUND' }, 'RESUME'],
      ['clickToPayEnrol', { name: 'Ana Lima' }, 'CLICK_TO_PAY_ENROLMENT'],
      ['clickToPayUpdateCard', { name: 'Ana M Lima' }, 'CLICK_TO_PAY_UPDATE'],
      ['clickToPayOptoutCard', { reasonCode: 'ISSUER_DECISION' }, 'CLICK_TO_PAY_OPTOUT'],
      ['deleteCard', { reasonCode: 'CLOSED_CARD' }, 'DELETE'],
    ];
    for (const [operationId, body, name] of writes) {
      await test.step(operationId, async () => {
        const result = await final(d1, subject, await start(d1, subject, operationId, body));
        valueIs('CARD-OPERATION-NAMES', '/operation', result.operation, name);
      });
    }
  });

  test('register, renew and replace card are named REGISTER, RENEW and REPLACE', rule('CARD-OPERATION-NAMES'), async ({ d1, targets }) => {
    const jwk = targets.d1.cardDataJwk;
    test.skip(!jwk, 'these writes carry card data, which needs the card-data key (D1_CARD_DATA_KEY)');
    if (!jwk) return;
    const pan = uniquePan();
    const subject = card(testObjectId('crd'));
    const writes: [OperationId, () => Promise<Json>, string][] = [
      [
        'registerCard',
        async () => ({ consumerId: await d1.registerConsumer(), encryptedData: await encryptCardData(jwk, { pan, expiry: '1230' }) }),
        'REGISTER',
      ],
      ['renewCard', async () => ({ encryptedData: await encryptCardData(jwk, { pan, expiry: '1233' }) }), 'RENEW'],
      [
        'replaceCard',
        async () => ({ newCardId: testObjectId('crd'), encryptedData: await encryptCardData(jwk, { pan: uniquePan(), expiry: '1233' }) }),
        'REPLACE',
      ],
    ];
    for (const [operationId, body, name] of writes) {
      await test.step(operationId, async () => {
        const result = await final(d1, subject, await start(d1, subject, operationId, await body()));
        valueIs('CARD-OPERATION-NAMES', '/operation', result.operation, name);
      });
    }
  });

  test(
    'an operation the issuer started shows requestorType ISSUER and the issuerId',
    rule('CARD-OPERATION-REQUESTOR-ISSUER'),
    async ({ d1, targets }) => {
      const { cardId, history } = await cardWithHistory(d1, targets.d1.cardProductId);
      for (const id of history) {
        const operation = await read(d1, card(cardId), id);
        valueIs('CARD-OPERATION-REQUESTOR-ISSUER', '/requestorType', operation.requestorType, 'ISSUER');
        valueIs('CARD-OPERATION-REQUESTOR-ISSUER', '/requestorId', operation.requestorId, d1.issuerId);
      }
    },
  );

  test('a card operation carries endTime once final and none while PENDING', rule('CARD-OPERATION-ENDTIME-WHEN-DONE'), async ({ d1 }) => {
    const cardId = await d1.createCard(await d1.registerConsumer());
    const subject = card(cardId);
    await checkEndTime(
      d1,
      'CARD-OPERATION-ENDTIME-WHEN-DONE',
      subject,
      await start(d1, subject, 'suspendCard', { reasonCode: 'CARD_LOST' }),
    );
    await checkEndTime(d1, 'CARD-OPERATION-ENDTIME-WHEN-DONE', subject, await start(d1, subject, 'clickToPayEnrol', { name: 'Ana Lima' }));
  });
});

test.describe('card operation list', () => {
  test(
    'the list holds every operation run on the card, the Click to Pay ones included',
    rule('CARD-OPERATIONS-ALL'),
    async ({ d1, targets }) => {
      const { cardId, history } = await cardWithHistory(d1, targets.d1.cardProductId);
      const subject = card(cardId);
      const ctp = [
        await run(d1, subject, 'clickToPayEnrol', { name: 'Ana Lima' }),
        await run(d1, subject, 'clickToPayUpdateCard', { name: 'Ana M Lima' }),
        await run(d1, subject, 'clickToPayOptoutCard', { reasonCode: 'ISSUER_DECISION' }),
      ];
      const listed = idsOf(await list(d1, subject, { offset: 0, limit: 50 }));
      for (const id of [...history, ...ctp])
        holds('CARD-OPERATIONS-ALL', listed.includes(id), '/operations', `operation ${id} listed`, JSON.stringify(listed));
    },
  );

  test('the list starts with the most recent operation', rule('CARD-OPERATIONS-NEWEST-FIRST'), async ({ d1, targets }) => {
    const { cardId, history } = await cardWithHistory(d1, targets.d1.cardProductId);
    await checkNewestFirst(d1, 'CARD-OPERATIONS-NEWEST-FIRST', card(cardId), history);
  });

  test('the list holds no more operations than the limit', rule('CARD-OPERATIONS-LIMIT'), async ({ d1, targets }) => {
    await checkLimit(d1, 'CARD-OPERATIONS-LIMIT', card((await cardWithHistory(d1, targets.d1.cardProductId)).cardId));
  });
});

test.describe('consumer operation getter', () => {
  test(
    'the final result of a Click to Pay consumer update and opt-out is read under the operationId they answered',
    rule('CONSUMER-OPERATION-CTP-RESULT'),
    async ({ d1 }) => {
      const subject = consumer((await enrolledCard(d1)).consumerId);
      const writes: [OperationId, Json][] = [
        ['clickToPayUpdateConsumer', { reason: 'new phone', reasonCode: 'USER_DECISION' }],
        ['clickToPayOptoutConsumer', { reasonCode: 'USER_DECISION' }],
      ];
      for (const [operationId, body] of writes) {
        await test.step(operationId, async () => {
          const id = await start(d1, subject, operationId, body);
          const result = await final(d1, subject, id);
          valueIs('CONSUMER-OPERATION-CTP-RESULT', '/operationId', result.operationId, id);
          valueIsOneOf('CONSUMER-OPERATION-CTP-RESULT', '/status', result.status, FINAL);
        });
      }
    },
  );

  test('each consumer operation is named after the write that started it', rule('CONSUMER-OPERATION-NAMES'), async ({ d1 }) => {
    const consumerId = testObjectId('cns');
    const subject = consumer(consumerId);
    const name = async (operationId: OperationId, body: Json, expected: string): Promise<void> => {
      await test.step(operationId, async () => {
        const result = await final(d1, subject, await start(d1, subject, operationId, body));
        valueIs('CONSUMER-OPERATION-NAMES', '/operation', result.operation, expected);
      });
    };
    await name('registerConsumer', { consumerInfo: { language: 'en-US', firstName: 'Ana', lastName: 'Lima' } }, 'REGISTER');
    await name('updateConsumer', { consumerInfo: { language: 'en-US', firstName: 'Ana', lastName: 'Lima-Souza' } }, 'UPDATE');
    expect((await d1.enrol(await d1.createCard(consumerId))).final.status, 'precondition: the enrolment ends SUCCESSFUL').toBe(
      'SUCCESSFUL',
    );
    await name('clickToPayUpdateConsumer', { reason: 'new phone', reasonCode: 'USER_DECISION' }, 'CLICK_TO_PAY_UPDATE');
    await name('clickToPayOptoutConsumer', { reasonCode: 'USER_DECISION' }, 'CLICK_TO_PAY_OPTOUT');
    await name('deleteConsumer', { reasonCode: 'ISSUER_DECISION' }, 'DELETE');
  });

  test(
    'an operation the issuer started shows requestorType ISSUER and the issuerId',
    rule('CONSUMER-OPERATION-REQUESTOR'),
    async ({ d1 }) => {
      const { consumerId, history } = await consumerWithHistory(d1);
      for (const id of history) {
        const operation = await read(d1, consumer(consumerId), id);
        valueIs('CONSUMER-OPERATION-REQUESTOR', '/requestorType', operation.requestorType, 'ISSUER');
        valueIs('CONSUMER-OPERATION-REQUESTOR', '/requestorId', operation.requestorId, d1.issuerId);
      }
    },
  );

  test(
    'a consumer operation carries endTime once final and none while PENDING',
    rule('CONSUMER-OPERATION-ENDTIME-WHEN-DONE'),
    async ({ d1 }) => {
      const subject = consumer(await d1.registerConsumer());
      await checkEndTime(
        d1,
        'CONSUMER-OPERATION-ENDTIME-WHEN-DONE',
        subject,
        await start(d1, subject, 'updateConsumer', { consumerInfo: { language: 'en-US', firstName: 'Ana', lastName: 'Souza' } }),
      );
      await checkEndTime(
        d1,
        'CONSUMER-OPERATION-ENDTIME-WHEN-DONE',
        subject,
        await start(d1, subject, 'deleteConsumer', { reasonCode: 'ISSUER_DECISION' }),
      );
    },
  );
});

test.describe('consumer operation list', () => {
  test(
    'the list holds every operation run on the consumer, the Click to Pay ones included',
    rule('CONSUMER-OPERATIONS-ALL'),
    async ({ d1 }) => {
      const { consumerId, history } = await consumerWithHistory(d1);
      const subject = consumer(consumerId);
      expect((await d1.enrol(await d1.createCard(consumerId))).final.status, 'precondition: the enrolment ends SUCCESSFUL').toBe(
        'SUCCESSFUL',
      );
      const ctp = [
        await run(d1, subject, 'clickToPayUpdateConsumer', { reason: 'new phone', reasonCode: 'USER_DECISION' }),
        await run(d1, subject, 'clickToPayOptoutConsumer', { reasonCode: 'USER_DECISION' }),
      ];
      const listed = idsOf(await list(d1, subject, { offset: 0, limit: 50 }));
      for (const id of [...history, ...ctp])
        holds('CONSUMER-OPERATIONS-ALL', listed.includes(id), '/operations', `operation ${id} listed`, JSON.stringify(listed));
    },
  );

  test('the list starts with the most recent operation', rule('CONSUMER-OPERATIONS-NEWEST-FIRST'), async ({ d1 }) => {
    const { consumerId, history } = await consumerWithHistory(d1);
    await checkNewestFirst(d1, 'CONSUMER-OPERATIONS-NEWEST-FIRST', consumer(consumerId), history);
  });

  test('the list holds no more operations than the limit', rule('CONSUMER-OPERATIONS-LIMIT'), async ({ d1 }) => {
    await checkLimit(d1, 'CONSUMER-OPERATIONS-LIMIT', consumer((await consumerWithHistory(d1)).consumerId));
  });
});
