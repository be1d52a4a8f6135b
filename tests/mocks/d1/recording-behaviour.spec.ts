/**
 * What the observer's recording mock does differently from the D1-facing one, and what both share: the consumer's
 * data under consumerInfo or its personalInformation alias, a FAILED operation that says why, calls departing only
 * from inferred rules accepted (acceptInferredDepartures), and writes answered PENDING first (immediateResults off).
 */
import { contractValid, expect, finalOperation, ISSUER_ID, test } from './mock-d1-fixtures.js';
import { createCard, registerConsumer, uniqueId } from './scenario.js';

const ANA = { language: 'en-US', firstName: 'Ana', lastName: 'Lima' };

test('the consumer data are kept under consumerInfo, the documented name, and under the personalInformation alias', async ({
  client,
  d1,
}) => {
  for (const member of ['consumerInfo', 'personalInformation']) {
    const consumerId = uniqueId('cns');
    const answer = contractValid(
      'registerConsumer',
      await client.call('registerConsumer', { path: { consumerId }, body: { [member]: ANA } }),
    );
    expect(answer.status, member).toBe('SUCCESSFUL');
    expect(d1.state(ISSUER_ID).consumers.get(consumerId)?.consumerInfo, member).toEqual(ANA);
  }
});

test('the alias is checked against the same field rules as consumerInfo', async ({ client }) => {
  const response = await client.call('registerConsumer', {
    path: { consumerId: uniqueId('cns') },
    body: { personalInformation: { ...ANA, language: 'en_US' } },
  });
  expect(response.status).toBe(400);
  expect(response.json).toEqual({ errorCode: 'FIELD_INVALID_FORMAT', error: 'language' });
});

test('a FAILED enrolment read from the getter carries an errorCode and an error', async ({ client, d1 }) => {
  // No backend: D1 cannot ask the issuer for the data of a consumer registered without them.
  d1.setBackend(ISSUER_ID, undefined);
  const cardId = await createCard(client, await registerConsumer(client, false));
  const accepted = contractValid('clickToPayEnrol', await client.call('clickToPayEnrol', { path: { cardId }, body: {} }));
  const final = await finalOperation(client, { cardId }, String(accepted.operationId));
  expect(final).toMatchObject({ status: 'FAILED', errorCode: 'CONSUMER_INFORMATION_UNAVAILABLE', error: expect.any(String) });
});

test('the D1-facing mock refuses a card suspend without the reasonCode our reading asks for', async ({ client }) => {
  const cardId = await createCard(client, await registerConsumer(client));
  const response = await client.call('suspendCard', { path: { cardId }, body: {} });
  expect(response.status).toBe(400);
  expect(response.json).toEqual({ errorCode: 'FIELD_INVALID_FORMAT', error: 'reasonCode' });
});

test.describe('the recording mock', () => {
  test.use({ mockOptions: { acceptInferredDepartures: true, behaviour: { immediateResults: false } } });

  test('answers a registration PENDING first, then SUCCESSFUL through the getter', async ({ client }) => {
    const consumerId = uniqueId('cns');
    const answer = contractValid(
      'registerConsumer',
      await client.call('registerConsumer', { path: { consumerId }, body: { consumerInfo: ANA } }),
    );
    expect(answer.status).toBe('PENDING');
    expect(await finalOperation(client, { consumerId }, String(answer.operationId))).toMatchObject({
      operation: 'REGISTER',
      status: 'SUCCESSFUL',
    });
  });

  test('suspends, resumes and deletes a card sent without reasonCode, an inferred requirement', async ({ client }) => {
    const consumerId = uniqueId('cns');
    const registered = contractValid(
      'registerConsumer',
      await client.call('registerConsumer', { path: { consumerId }, body: { consumerInfo: ANA } }),
    );
    await finalOperation(client, { consumerId }, String(registered.operationId));
    const cardId = await createCard(client, consumerId);
    for (const operation of ['suspendCard', 'resumeCard', 'deleteCard'] as const) {
      const response = await client.call(operation, { path: { cardId } });
      expect(response.status, operation).toBe(200);
      expect(await finalOperation(client, { cardId }, String(contractValid(operation, response).operationId)), operation).toMatchObject({
        status: 'SUCCESSFUL',
      });
    }
  });

  test('still refuses a departure from a documented rule', async ({ client }) => {
    const response = await client.call('registerConsumer', { path: { consumerId: 'cns.dotted' }, body: { consumerInfo: ANA } });
    expect(response.status).toBe(400);
    expect(response.json).toEqual({ errorCode: 'FIELD_INVALID_FORMAT', error: 'consumerId' });
  });
});
