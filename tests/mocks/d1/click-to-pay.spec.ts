/**
 * The mock D1's Click to Pay behaviour, one documented (or catalogued inferred) rule a test.
 */
import { contractValid, expect, test } from './mock-d1-fixtures.js';
import { cardWrite, consumerWrite, createCard, enrol, profiles, registerCardWithPan, registerConsumer } from './scenario.js';

test('enrol answers PENDING with an operationId, then ends SUCCESSFUL and the profile lists the card', async ({ client }) => {
  const consumerId = await registerConsumer(client);
  const cardId = await createCard(client, consumerId);
  const response = await client.call('clickToPayEnrol', { path: { cardId }, body: { name: 'Ana Lima' } });
  const accepted = contractValid('clickToPayEnrol', response);
  expect(accepted.status).toBe('PENDING');
  expect(String(accepted.operationId)).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
  const { finalOperation } = await import('./mock-d1-fixtures.js');
  const final = await finalOperation(client, { cardId }, String(accepted.operationId));
  expect(final).toMatchObject({
    operationId: accepted.operationId,
    operation: 'CLICK_TO_PAY_ENROLMENT',
    status: 'SUCCESSFUL',
    requestorType: 'ISSUER',
  });
  expect(final.endTime).toEqual(expect.any(String));
  expect(await profiles(client, consumerId)).toEqual([{ scheme: 'VISA', cards: [cardId] }]);
});

test('the scheme comes from the card: the product for created cards, the card number for registered ones', async ({ client, d1 }) => {
  const consumerId = await registerConsumer(client);
  const visa = await createCard(client, consumerId, 'prd_debit_classic');
  const mastercard = await registerCardWithPan(client, d1, consumerId, '5555555555554444');
  await enrol(client, visa);
  expect((await enrol(client, mastercard.cardId)).status).toBe('SUCCESSFUL');
  const list = await profiles(client, consumerId);
  expect(list.map((p) => p.scheme).sort()).toEqual(['MASTERCARD', 'VISA']);
});

test('a consumer never enrolled has an empty profile list', async ({ client }) => {
  const consumerId = await registerConsumer(client);
  expect(await profiles(client, consumerId)).toEqual([]);
});

test('at most one profile per scheme: two Visa cards share one profile', async ({ client }) => {
  const consumerId = await registerConsumer(client);
  const first = await createCard(client, consumerId);
  const second = await createCard(client, consumerId);
  await enrol(client, first);
  await enrol(client, second);
  expect(await profiles(client, consumerId)).toEqual([{ scheme: 'VISA', cards: [first, second].sort() }]);
});

test('a card the scheme refuses ends FAILED and leaves the consumer enrolled with no card', async ({ client }) => {
  const consumerId = await registerConsumer(client);
  const cardId = await createCard(client, consumerId, 'prd_visa_refused');
  expect(await enrol(client, cardId)).toMatchObject({ status: 'FAILED' });
  expect(await profiles(client, consumerId)).toEqual([{ scheme: 'VISA', cards: [] }]);
});

test('opting out one card keeps the others; opting out the last card removes the profile', async ({ client }) => {
  const consumerId = await registerConsumer(client);
  const first = await createCard(client, consumerId);
  const second = await createCard(client, consumerId);
  await enrol(client, first);
  await enrol(client, second);
  expect(await cardWrite(client, 'clickToPayOptoutCard', first)).toMatchObject({ status: 'SUCCESSFUL', operation: 'CLICK_TO_PAY_OPTOUT' });
  expect(await profiles(client, consumerId)).toEqual([{ scheme: 'VISA', cards: [second] }]);
  await cardWrite(client, 'clickToPayOptoutCard', second);
  expect(await profiles(client, consumerId)).toEqual([]);
});

test('a consumer opt-out removes the consumer and all its cards in one operation', async ({ client, d1 }) => {
  const consumerId = await registerConsumer(client);
  await enrol(client, await createCard(client, consumerId));
  await enrol(client, (await registerCardWithPan(client, d1, consumerId, '4111111111111111')).cardId);
  await enrol(client, await createCard(client, consumerId, 'prd_credit_gold'));
  const { accepted, final } = await consumerWrite(client, 'clickToPayOptoutConsumer', consumerId);
  expect(accepted.status).toBe('PENDING');
  expect(final).toMatchObject({ status: 'SUCCESSFUL', operation: 'CLICK_TO_PAY_OPTOUT' });
  expect(await profiles(client, consumerId)).toEqual([]);
});

test('a repeated consumer opt-out is SUCCESSFUL, not an error', async ({ client }) => {
  const consumerId = await registerConsumer(client);
  await enrol(client, await createCard(client, consumerId));
  expect((await consumerWrite(client, 'clickToPayOptoutConsumer', consumerId)).final.status).toBe('SUCCESSFUL');
  const again = await consumerWrite(client, 'clickToPayOptoutConsumer', consumerId);
  expect(again.accepted.status).toBe('SUCCESSFUL');
  expect(again.final.status).toBe('SUCCESSFUL');
});

test('opting out a consumer never enrolled is SUCCESSFUL', async ({ client }) => {
  const consumerId = await registerConsumer(client);
  const { accepted, final } = await consumerWrite(client, 'clickToPayOptoutConsumer', consumerId);
  expect([accepted.status, final.status]).toEqual(['SUCCESSFUL', 'SUCCESSFUL']);
});

test('deleting a card opts it out of Click to Pay', async ({ client }) => {
  const consumerId = await registerConsumer(client);
  const kept = await createCard(client, consumerId);
  const deleted = await createCard(client, consumerId);
  await enrol(client, kept);
  await enrol(client, deleted);
  expect(await cardWrite(client, 'deleteCard', deleted, { reasonCode: 'CLOSED_CARD' })).toMatchObject({
    status: 'SUCCESSFUL',
    operation: 'DELETE',
  });
  expect(await profiles(client, consumerId)).toEqual([{ scheme: 'VISA', cards: [kept] }]);
});

test('a card opted out can be enrolled again', async ({ client }) => {
  const consumerId = await registerConsumer(client);
  const cardId = await createCard(client, consumerId);
  await enrol(client, cardId);
  await cardWrite(client, 'clickToPayOptoutCard', cardId);
  expect(await enrol(client, cardId)).toMatchObject({ status: 'SUCCESSFUL' });
  expect(await profiles(client, consumerId)).toEqual([{ scheme: 'VISA', cards: [cardId] }]);
});

test.describe('choices the documents leave open', () => {
  test('by default a repeated enrol and a repeated card opt-out are SUCCESSFUL', async ({ client }) => {
    const consumerId = await registerConsumer(client);
    const cardId = await createCard(client, consumerId);
    await enrol(client, cardId);
    expect(await enrol(client, cardId)).toMatchObject({ status: 'SUCCESSFUL' });
    await cardWrite(client, 'clickToPayOptoutCard', cardId);
    expect(await cardWrite(client, 'clickToPayOptoutCard', cardId)).toMatchObject({ status: 'SUCCESSFUL' });
  });

  test.describe('configured otherwise', () => {
    test.use({ mockOptions: { behaviour: { repeatedEnrol: 'FAILED', repeatedCardOptout: 'FAILED' } } });
    test('they end FAILED', async ({ client }) => {
      const consumerId = await registerConsumer(client);
      const cardId = await createCard(client, consumerId);
      await enrol(client, cardId);
      expect(await enrol(client, cardId)).toMatchObject({ status: 'FAILED' });
      await cardWrite(client, 'clickToPayOptoutCard', cardId);
      expect(await cardWrite(client, 'clickToPayOptoutCard', cardId)).toMatchObject({ status: 'FAILED' });
    });
  });
});

test('updates succeed for what is enrolled and fail for what is not', async ({ client }) => {
  const consumerId = await registerConsumer(client);
  const cardId = await createCard(client, consumerId);
  expect(await cardWrite(client, 'clickToPayUpdateCard', cardId, { name: 'Ana M Lima' })).toMatchObject({ status: 'FAILED' });
  expect((await consumerWrite(client, 'clickToPayUpdateConsumer', consumerId)).final.status).toBe('FAILED');
  await enrol(client, cardId);
  expect(await cardWrite(client, 'clickToPayUpdateCard', cardId, { name: 'Ana M Lima' })).toMatchObject({
    status: 'SUCCESSFUL',
    operation: 'CLICK_TO_PAY_UPDATE',
  });
  expect((await consumerWrite(client, 'clickToPayUpdateConsumer', consumerId, { reason: 'new phone' })).final).toMatchObject({
    status: 'SUCCESSFUL',
    operation: 'CLICK_TO_PAY_UPDATE',
  });
});

test('enrolling a consumer whose details D1 does not hold asks the issuer for them', async ({ client, sink }) => {
  const known = await registerConsumer(client, false);
  sink.consumers.set(known, { language: 'en-US', firstName: 'Ana', lastName: 'Lima' });
  const cardId = await createCard(client, known);
  expect(await enrol(client, cardId)).toMatchObject({ status: 'SUCCESSFUL' });
  expect(sink.consumerInfoRequests).toEqual([known]);

  const unknown = await registerConsumer(client, false);
  expect(await enrol(client, await createCard(client, unknown))).toMatchObject({ status: 'FAILED' });
  expect(sink.consumerInfoRequests).toEqual([known, unknown]);
});

test('a consumer whose details D1 holds is enrolled without asking the issuer', async ({ client, sink }) => {
  const consumerId = await registerConsumer(client, true);
  await enrol(client, await createCard(client, consumerId));
  expect(sink.consumerInfoRequests).toEqual([]);
});

test.describe('with auto-enrolment configured', () => {
  test.use({ mockOptions: { autoEnrolment: true } });

  test('D1 enrols every card it creates, and the enrolment fails for a consumer whose data nobody provides', async ({ client }) => {
    const withData = await registerConsumer(client, true);
    const enrolled = await createCard(client, withData);
    const withoutData = await registerConsumer(client, false);
    const refused = await createCard(client, withoutData);
    await expect.poll(async () => profiles(client, withData), { timeout: 5_000 }).toEqual([{ scheme: 'VISA', cards: [enrolled] }]);
    const enrolmentOf = async (cardId: string): Promise<unknown> => {
      const { operations } = (await client.call('getCardOperations', { path: { cardId } })).json as {
        operations: { operation: string; status: string }[];
      };
      return operations.find((o) => o.operation === 'CLICK_TO_PAY_ENROLMENT')?.status;
    };
    await expect.poll(() => enrolmentOf(refused), { timeout: 5_000 }).toBe('FAILED');
    expect(await profiles(client, withoutData)).toEqual([]);
  });
});
