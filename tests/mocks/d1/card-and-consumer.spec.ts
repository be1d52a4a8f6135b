/**
 * The mock D1's Card and Consumer APIs: the life cycle the Click to Pay journeys rest on.
 */
import { contractValid, expect, test } from './mock-d1-fixtures.js';
import { cardWrite, consumerWrite, createCard, enrol, profiles, registerCardWithPan, registerConsumer, uniqueId } from './scenario.js';

test('create card answers the new cardId with a PENDING operation that ends SUCCESSFUL', async ({ client }) => {
  const consumerId = await registerConsumer(client);
  const response = await client.call('createCard', { body: { consumerId, cardProductId: 'prd_credit_gold' } });
  const body = contractValid('createCard', response);
  expect(body).toMatchObject({ status: 'PENDING', cardId: expect.stringMatching(/^[A-Za-z0-9_-]{1,48}$/) });
  const list = contractValid('getCardList', await client.call('getCardList', { path: { consumerId } }));
  expect(list.cards).toEqual([{ cardId: body.cardId, cardProductId: 'prd_credit_gold' }]);
});

test('a card product D1 does not know gets 400 FIELD_INVALID_VALUE', async ({ client }) => {
  const response = await client.call('createCard', { body: { consumerId: 'cns_1', cardProductId: 'prd_unknown' } });
  expect(response.status).toBe(400);
  expect(response.json).toEqual({ errorCode: 'FIELD_INVALID_VALUE', error: 'cardProductId' });
});

test('register card takes the card number encrypted; data it cannot open gets 400', async ({ client, d1 }) => {
  const consumerId = await registerConsumer(client);
  const registered = await registerCardWithPan(client, d1, consumerId, '4111111111111111');
  const { finalOperation } = await import('./mock-d1-fixtures.js');
  expect(await finalOperation(client, { cardId: registered.cardId }, registered.operationId)).toMatchObject({
    operation: 'REGISTER',
    status: 'SUCCESSFUL',
  });
  const garbled = await client.call('registerCard', {
    path: { cardId: uniqueId('crd') },
    body: { consumerId, encryptedData: 'eyJhbGciOiJub25lIn0.e30.e30.e30.e30' },
  });
  expect(garbled.status).toBe(400);
  expect(garbled.json).toEqual({ errorCode: 'FIELD_INVALID_VALUE', error: 'encryptedData' });
});

test('a card number deleted once cannot be registered again', async ({ client, d1 }) => {
  const consumerId = await registerConsumer(client);
  const first = await registerCardWithPan(client, d1, consumerId, '5555555555554444');
  await cardWrite(client, 'deleteCard', first.cardId, { reasonCode: 'CLOSED_CARD' });
  const again = await registerCardWithPan(client, d1, consumerId, '5555555555554444');
  const { finalOperation } = await import('./mock-d1-fixtures.js');
  expect(await finalOperation(client, { cardId: again.cardId }, again.operationId)).toMatchObject({ status: 'FAILED' });
});

test('suspend and resume change the card state and end SUCCESSFUL', async ({ client, d1 }) => {
  const consumerId = await registerConsumer(client);
  const cardId = await createCard(client, consumerId);
  expect(await cardWrite(client, 'suspendCard', cardId, { reasonCode: 'CARD_LOST' })).toMatchObject({
    operation: 'SUSPEND',
    status: 'SUCCESSFUL',
  });
  expect(d1.state('TESTBANK01').cards.get(cardId)?.state).toBe('SUSPENDED');
  expect(await cardWrite(client, 'resumeCard', cardId, { reasonCode: 'CARD_FOUND' })).toMatchObject({
    operation: 'RESUME',
    status: 'SUCCESSFUL',
  });
  expect(d1.state('TESTBANK01').cards.get(cardId)?.state).toBe('ACTIVE');
});

test('replacing an enrolled card moves its Click to Pay enrolment to the new card', async ({ client, d1 }) => {
  const consumerId = await registerConsumer(client);
  const cardId = await createCard(client, consumerId);
  await enrol(client, cardId);
  const newCardId = uniqueId('crd');
  const { encryptCardData } = await import('../../../lib/card-data.js');
  const encryptedData = await encryptCardData(d1.cardDataJwk, { pan: '4000056655665556', expiry: '0131' });
  expect(await cardWrite(client, 'replaceCard', cardId, { newCardId, encryptedData })).toMatchObject({
    operation: 'REPLACE',
    status: 'SUCCESSFUL',
  });
  expect(await profiles(client, consumerId)).toEqual([{ scheme: 'VISA', cards: [newCardId] }]);
});

test('deleting a consumer deletes its cards, opts them out, and its id cannot be registered again', async ({ client }) => {
  const consumerId = await registerConsumer(client);
  await enrol(client, await createCard(client, consumerId));
  expect((await consumerWrite(client, 'deleteConsumer', consumerId, { reasonCode: 'USER_DECISION' })).final).toMatchObject({
    operation: 'DELETE',
    status: 'SUCCESSFUL',
  });
  expect(contractValid('getCardList', await client.call('getCardList', { path: { consumerId } })).cards).toEqual([]);
  expect(await profiles(client, consumerId)).toEqual([]);
  const again = contractValid('registerConsumer', await client.call('registerConsumer', { path: { consumerId }, body: {} }));
  expect(again.status).toBe('FAILED');
});

test('update consumer information ends SUCCESSFUL for a registered consumer', async ({ client }) => {
  const consumerId = await registerConsumer(client);
  const { final } = await consumerWrite(client, 'updateConsumer', consumerId, {
    consumerInfo: { language: 'fr-FR', firstName: 'Ana', lastName: 'Lima' },
  });
  expect(final).toMatchObject({ operation: 'UPDATE', status: 'SUCCESSFUL' });
});

test('operation lists come newest first and honour offset and limit', async ({ client }) => {
  const consumerId = await registerConsumer(client);
  const cardId = await createCard(client, consumerId);
  await enrol(client, cardId);
  await cardWrite(client, 'clickToPayOptoutCard', cardId);
  const all = contractValid('getCardOperations', await client.call('getCardOperations', { path: { cardId } }));
  expect((all.operations as { operation: string }[]).map((o) => o.operation)).toEqual([
    'CLICK_TO_PAY_OPTOUT',
    'CLICK_TO_PAY_ENROLMENT',
    'CREATE',
  ]);
  const page = contractValid(
    'getCardOperations',
    await client.call('getCardOperations', { path: { cardId }, query: { offset: 1, limit: 1 } }),
  );
  expect((page.operations as { operation: string }[]).map((o) => o.operation)).toEqual(['CLICK_TO_PAY_ENROLMENT']);
  const consumerOps = contractValid('getConsumerOperations', await client.call('getConsumerOperations', { path: { consumerId } }));
  expect((consumerOps.operations as { operation: string }[]).map((o) => o.operation)).toEqual(['REGISTER']);
});

test('an operation id the getter does not know gets 404 with a body', async ({ client }) => {
  const response = await client.call('getCardOperation', { path: { cardId: 'crd_1', operationId: 'op_unknown' } });
  expect(response.status).toBe(404);
  expect(response.json).toMatchObject({ errorCode: 'NOT_FOUND' });
});
