/**
 * Every D1 operation, sent as the contract documents it and built from real test data (a consumer, a card, an
 * enrolment), answers 200 with a body that follows the contract. A write's answer names an operation that the
 * operation getter then returns. Each test stands for the operation's ASYNC/RESULT rule (or, for reads, its first
 * response rule) and carries the response field rules the contract check covers.
 */
import { randomUUID } from 'node:crypto';
import { operations, type OperationId } from '../../gen/operations.js';
import { encryptCardData } from '../../lib/card-data.js';
import { knownRule, responseConformsToContract, statusIs, valueIs } from '../../lib/checks/index.js';
import type { CallParts } from '../../lib/d1-client.js';
import { test, rule, type D1Party, type ResolvedTargets, uniquePan } from '../../fixtures/index.js';
import { testObjectId } from '../../fixtures/d1.js';
import { documentedRequest } from '../../fixtures/requests.js';

type Json = Record<string, unknown>;

interface Context {
  readonly d1: D1Party;
  readonly targets: ResolvedTargets;
}

const EXPIRY = '1230';

/** The documented headers and body of an operation, with a fresh correlation id. */
function documented(d1: D1Party, operationId: OperationId): { headers: Record<string, string>; body: Json } {
  const request = documentedRequest(operationId, d1.issuerId);
  const headers = { ...request.headers };
  delete headers['content-type'];
  if ('x-correlation-id' in headers) headers['x-correlation-id'] = randomUUID();
  return { headers, body: (request.body ?? {}) as Json };
}

function cardDataKey(targets: ResolvedTargets): Readonly<Record<string, unknown>> {
  const jwk = targets.d1.cardDataJwk;
  test.skip(!jwk, 'this operation carries card data, which needs the card-data key (D1_CARD_DATA_KEY)');
  return jwk ?? {};
}

async function enrolledCard(d1: D1Party): Promise<{ consumerId: string; cardId: string }> {
  const consumerId = await d1.registerConsumer();
  const cardId = await d1.createCard(consumerId);
  await d1.enrol(cardId);
  return { consumerId, cardId };
}

/** How to build the documented request of each D1 operation from real test data. */
const builders: Partial<Record<OperationId, (context: Context) => Promise<CallParts>>> = {
  getToken: () => Promise.resolve({}),
  createCard: async ({ d1, targets }) => {
    const { headers, body } = documented(d1, 'createCard');
    return { headers, body: { ...body, consumerId: await d1.registerConsumer(), cardProductId: targets.d1.cardProductId } };
  },
  registerCard: async ({ d1, targets }) => {
    const jwk = cardDataKey(targets);
    const { headers } = documented(d1, 'registerCard');
    const encryptedData = await encryptCardData(jwk, { pan: uniquePan(), expiry: EXPIRY });
    return {
      path: { cardId: testObjectId('crd') },
      headers,
      body: { consumerId: await d1.registerConsumer(), encryptedData },
    };
  },
  renewCard: async ({ d1, targets }) => {
    const jwk = cardDataKey(targets);
    const pan = uniquePan();
    const cardId = await d1.registerCard(await d1.registerConsumer(), { pan, expiry: EXPIRY });
    return {
      path: { cardId },
      headers: documented(d1, 'renewCard').headers,
      body: { encryptedData: await encryptCardData(jwk, { pan, expiry: '1233' }) },
    };
  },
  replaceCard: async ({ d1, targets }) => {
    const jwk = cardDataKey(targets);
    const cardId = await d1.registerCard(await d1.registerConsumer(), { pan: uniquePan(), expiry: EXPIRY });
    const body = {
      newCardId: testObjectId('crd'),
      encryptedData: await encryptCardData(jwk, { pan: uniquePan(), expiry: '1233' }),
    };
    return { path: { cardId }, headers: documented(d1, 'replaceCard').headers, body };
  },
  deleteCard: async ({ d1 }) => ({ path: { cardId: await d1.createCard(await d1.registerConsumer()) }, ...documented(d1, 'deleteCard') }),
  suspendCard: async ({ d1 }) => ({ path: { cardId: await d1.createCard(await d1.registerConsumer()) }, ...documented(d1, 'suspendCard') }),
  resumeCard: async ({ d1 }) => {
    const cardId = await d1.createCard(await d1.registerConsumer());
    await d1.cardWrite('suspendCard', cardId, { reasonCode: 'CARD_LOST' });
    return { path: { cardId }, headers: documented(d1, 'resumeCard').headers, body: { reasonCode: 'CARD_FOUND' } };
  },
  getCardOperation: async ({ d1, targets }) => {
    const accepted = await d1.ok('createCard', {
      body: { consumerId: await d1.registerConsumer(), cardProductId: targets.d1.cardProductId },
    });
    return {
      path: { cardId: String(accepted.cardId), operationId: String(accepted.operationId) },
      headers: documented(d1, 'getCardOperation').headers,
    };
  },
  getCardOperations: async ({ d1 }) => ({
    path: { cardId: await d1.createCard(await d1.registerConsumer()) },
    query: { offset: 0, limit: 10 },
    headers: documented(d1, 'getCardOperations').headers,
  }),
  registerConsumer: ({ d1 }) => Promise.resolve({ path: { consumerId: testObjectId('cns') }, ...documented(d1, 'registerConsumer') }),
  deleteConsumer: async ({ d1 }) => ({ path: { consumerId: await d1.registerConsumer() }, ...documented(d1, 'deleteConsumer') }),
  updateConsumer: async ({ d1 }) => ({ path: { consumerId: await d1.registerConsumer() }, ...documented(d1, 'updateConsumer') }),
  getCardList: async ({ d1 }) => {
    const consumerId = await d1.registerConsumer();
    await d1.createCard(consumerId);
    return { path: { consumerId }, headers: documented(d1, 'getCardList').headers };
  },
  getConsumerOperation: async ({ d1 }) => {
    const consumerId = testObjectId('cns');
    const accepted = await d1.ok('registerConsumer', { path: { consumerId }, body: documented(d1, 'registerConsumer').body });
    return { path: { consumerId, operationId: String(accepted.operationId) }, headers: documented(d1, 'getConsumerOperation').headers };
  },
  getConsumerOperations: async ({ d1 }) => ({
    path: { consumerId: await d1.registerConsumer() },
    query: { offset: 0, limit: 10 },
    headers: documented(d1, 'getConsumerOperations').headers,
  }),
  clickToPayEnrol: async ({ d1 }) => ({
    path: { cardId: await d1.createCard(await d1.registerConsumer()) },
    ...documented(d1, 'clickToPayEnrol'),
  }),
  clickToPayGetConsumerProfiles: async ({ d1 }) => ({
    path: { consumerId: (await enrolledCard(d1)).consumerId },
    headers: documented(d1, 'clickToPayGetConsumerProfiles').headers,
  }),
  clickToPayUpdateCard: async ({ d1 }) => ({
    path: { cardId: (await enrolledCard(d1)).cardId },
    ...documented(d1, 'clickToPayUpdateCard'),
  }),
  clickToPayUpdateConsumer: async ({ d1 }) => ({
    path: { consumerId: (await enrolledCard(d1)).consumerId },
    ...documented(d1, 'clickToPayUpdateConsumer'),
  }),
  clickToPayOptoutCard: async ({ d1 }) => ({
    path: { cardId: (await enrolledCard(d1)).cardId },
    ...documented(d1, 'clickToPayOptoutCard'),
  }),
  clickToPayOptoutConsumer: async ({ d1 }) => ({
    path: { consumerId: (await enrolledCard(d1)).consumerId },
    ...documented(d1, 'clickToPayOptoutConsumer'),
  }),
};

for (const operationId of Object.keys(operations) as OperationId[]) {
  const entry = operations[operationId];
  if (entry.party !== 'd1') continue;
  const responseRules = Object.entries(entry.fields)
    .filter(([, field]) => field.in === 'response')
    .map(([id]) => knownRule(id));
  // A write stands for its ASYNC/RESULT rule; a read for the first rule its answer is checked against.
  const primary =
    (entry.method === 'GET' ? undefined : entry.rules.filter((id) => /-(ASYNC|RESULT)$/.test(id)).map(knownRule)[0]) ?? responseRules[0];
  if (!primary) throw new Error(`${operationId} has neither an ASYNC/RESULT rule nor a response rule`);
  const tags = rule(primary, ...responseRules.filter((id) => id !== primary));
  const getter: OperationId | undefined =
    entry.method === 'GET' || operationId === 'getToken'
      ? undefined
      : entry.path.includes('/cards')
        ? 'getCardOperation'
        : 'getConsumerOperation';

  test(`${operationId}: the documented request answers 200 with a body that follows the contract`, tags, async ({ d1, targets }) => {
    const build = builders[operationId];
    if (!build) throw new Error(`no documented request is built for ${operationId}`);
    const parts = await build({ d1, targets });
    const response = operationId === 'getToken' ? await d1.client.requestToken() : await d1.client.call(operationId, parts);
    statusIs(primary, response, 200);
    responseConformsToContract(operationId, response);
    if (!getter) return;

    const accepted = (response.json ?? {}) as Json;
    const path: Record<string, string> =
      getter === 'getCardOperation'
        ? { cardId: String(parts.path?.cardId ?? accepted.cardId), operationId: String(accepted.operationId) }
        : { consumerId: String(parts.path?.consumerId), operationId: String(accepted.operationId) };
    await test.step(`${getter} returns the operation the answer named`, async () => {
      const got = await d1.call(getter, { path });
      statusIs(primary, got, 200);
      valueIs(primary, '/operationId', (got.json as Json | undefined)?.operationId, accepted.operationId);
    });
  });
}
