/**
 * The inspection interface under /__mock/: what the issuer received, its token count, a reset, and the consumers it
 * knows. It sits outside every contract path and never returns tokens, secrets or consumer data.
 */
import { jsonRequest, send } from '../../../lib/http/client.js';
import { DEFAULT_CONSUMER_ID, type NotificationDelivery, type OperationState } from '../../../mocks/issuer/index.js';
import {
  accessToken,
  cardItem,
  consumerItem,
  expectJsonError,
  getConsumerInfo,
  inspectionUrl,
  notify,
  requestToken,
  uniqueOperationId,
} from './issuer-calls.js';
import { expect, test } from './issuer-fixtures.js';

test('GET /__mock/health says the issuer is up and how it is set', async ({ startIssuer }) => {
  const issuer = await startIssuer({ issuerId: 'OTHERBANK1', requireBearer: false, faults: ['card-batch-rejected'] });
  const response = await send({ method: 'GET', url: inspectionUrl(issuer, 'health') });
  expect(response.status).toBe(200);
  expect(response.json).toEqual({
    status: 'ok',
    issuerId: 'OTHERBANK1',
    requireBearer: false,
    faults: ['card-batch-rejected'],
    variants: [],
  });
});

test('GET /__mock/notifications lists every delivery with its kind, time, operations and duplicate flags', async ({ issuer }) => {
  const token = await accessToken(issuer);
  const card = cardItem({ status: 'SUCCESSFUL' });
  const consumer = consumerItem();
  await notify(issuer, 'card', { operations: [card] }, token);
  await notify(issuer, 'consumer', { operations: [consumer] }, token);
  await notify(issuer, 'card', { operations: [card] }, token);
  const response = await send({ method: 'GET', url: inspectionUrl(issuer, 'notifications') });
  expect(response.status).toBe(200);
  const { deliveries } = response.json as { deliveries: NotificationDelivery[] };
  expect(
    deliveries.map((delivery) => [delivery.sequence, delivery.kind, delivery.operations.map((item) => [item.operationId, item.duplicate])]),
  ).toEqual([
    [1, 'card', [[card.operationId, false]]],
    [2, 'consumer', [[consumer.operationId, false]]],
    [3, 'card', [[card.operationId, true]]],
  ]);
  for (const delivery of deliveries) expect(Number.isNaN(Date.parse(delivery.receivedAt))).toBe(false);
  // The embedded API and the HTTP interface tell the same story.
  expect(deliveries).toEqual(JSON.parse(JSON.stringify(issuer.deliveries())));
});

test('GET /__mock/operations gives the latest state of each operation', async ({ issuer }) => {
  const token = await accessToken(issuer);
  const id = uniqueOperationId();
  await notify(issuer, 'card', { operations: [cardItem({ operationId: id, status: 'PENDING' })] }, token);
  await notify(issuer, 'card', { operations: [cardItem({ operationId: id, status: 'SUCCESSFUL' })] }, token);
  await notify(issuer, 'consumer', { operations: [consumerItem({ status: 'FAILED' })] }, token);
  const response = await send({ method: 'GET', url: inspectionUrl(issuer, 'operations') });
  const { operations } = response.json as { operations: OperationState[] };
  expect(operations.map((state) => [state.kind, state.status, state.itemsReceived])).toEqual([
    ['card', 'SUCCESSFUL', 2],
    ['consumer', 'FAILED', 1],
  ]);
  expect(operations[0]?.operationId).toBe(id);
});

test('GET /__mock/tokens/count counts the tokens granted, not the requests refused', async ({ issuer }) => {
  await requestToken(issuer);
  await requestToken(issuer);
  await requestToken(issuer, { grant_type: 'client_credentials' }, 'wrong');
  const response = await send({ method: 'GET', url: inspectionUrl(issuer, 'tokens/count') });
  expect(response.json).toEqual({ issued: 2 });
});

test('POST /__mock/reset forgets deliveries and tokens but keeps settings and consumers', async ({ startIssuer }) => {
  const issuer = await startIssuer({ issuerId: 'RESETBANK1' });
  const token = await accessToken(issuer);
  await notify(issuer, 'card', { operations: [cardItem()] }, token);
  const reset = await send({ method: 'POST', url: inspectionUrl(issuer, 'reset') });
  expect(reset.status).toBe(204);
  expect(reset.text).toBe('');
  expect(issuer.deliveries()).toEqual([]);
  expect(issuer.operationStates()).toEqual([]);
  expect(issuer.issuedTokenCount()).toBe(0);
  // A token granted before the reset is gone with it.
  expectJsonError(await notify(issuer, 'card', { operations: [cardItem()] }, token), 401);
  const fresh = await accessToken(issuer);
  expect((await getConsumerInfo(issuer, DEFAULT_CONSUMER_ID, fresh)).status).toBe(200);
  expect(((await send({ method: 'GET', url: inspectionUrl(issuer, 'health') })).json as { issuerId: string }).issuerId).toBe('RESETBANK1');
});

test('reset() of the embedded API does the same as POST /__mock/reset', async ({ issuer }) => {
  const token = await accessToken(issuer);
  await notify(issuer, 'consumer', { operations: [consumerItem()] }, token);
  issuer.reset();
  expect(issuer.deliveries()).toEqual([]);
  expect(issuer.issuedTokenCount()).toBe(0);
  expectJsonError(await notify(issuer, 'consumer', { operations: [consumerItem()] }, token), 401);
});

test('PUT and DELETE /__mock/consumers/{consumerId} add, replace and remove known consumers', async ({ issuer }) => {
  const token = await accessToken(issuer);
  const url = inspectionUrl(issuer, 'consumers/cns_put_0001');
  const first = { language: 'fr-FR', firstName: 'Zoé', lastName: 'Exemple' };
  const created = await send(jsonRequest('PUT', url, { consumerInfo: first }));
  expect(created.status).toBe(201);
  expect(created.json).toEqual({ consumerId: 'cns_put_0001', created: true });
  expect((await getConsumerInfo(issuer, 'cns_put_0001', token)).json).toEqual({ consumerInfo: first });

  const replaced = await send(jsonRequest('PUT', url, { consumerInfo: { ...first, language: 'fr-BE' } }));
  expect(replaced.status).toBe(200);
  expect(replaced.json).toEqual({ consumerId: 'cns_put_0001', created: false });

  const removed = await send({ method: 'DELETE', url });
  expect(removed.json).toEqual({ consumerId: 'cns_put_0001', removed: true });
  expect((await getConsumerInfo(issuer, 'cns_put_0001', token)).status).toBe(404);
  expectJsonError(await send({ method: 'DELETE', url }), 404, 'unknown_consumer');
});

test('PUT /__mock/consumers refuses a consumer the contract would refuse, without repeating its data', async ({ issuer }) => {
  const response = await send(
    jsonRequest('PUT', inspectionUrl(issuer, 'consumers/cns_bad_0001'), {
      consumerInfo: { language: 'en-GB', firstName: 'Ada<script>', lastName: 'L' },
    }),
  );
  expectJsonError(response, 400, 'invalid_consumer');
  expect((response.json as { problems: string[] }).problems).toEqual([expect.stringContaining('CONSUMER-INFO-FIRSTNAME-PATTERN')]);
  expect(response.text).not.toContain('Ada');
  expectJsonError(
    await send(
      jsonRequest('PUT', inspectionUrl(issuer, 'consumers/a.b'), { consumerInfo: { language: 'en-GB', firstName: 'A', lastName: 'B' } }),
    ),
    400,
  );
  expectJsonError(
    await send({ method: 'PUT', url: inspectionUrl(issuer, 'consumers/cns_x'), headers: { 'content-type': 'text/plain' }, body: 'x' }),
    400,
  );
  expectJsonError(await send(jsonRequest('PUT', inspectionUrl(issuer, 'consumers/cns_x'), { language: 'en-GB' })), 400);
});

test('the inspection interface answers 404 and 405 like the rest, with JSON bodies', async ({ issuer }) => {
  expectJsonError(await send({ method: 'GET', url: inspectionUrl(issuer, 'nothing-here') }), 404, 'not_found');
  expectJsonError(await send({ method: 'GET', url: `${issuer.url}/__mock` }), 404, 'not_found');
  const wrongMethod = await send({ method: 'GET', url: inspectionUrl(issuer, 'reset') });
  expectJsonError(wrongMethod, 405, 'method_not_allowed');
  expect(wrongMethod.headers.allow).toBe('POST');
  expect((await send({ method: 'GET', url: inspectionUrl(issuer, 'consumers/cns_x') })).headers.allow).toBe('DELETE, PUT');
});

test('the inspection interface never returns a token, the client secret or consumer data', async ({ issuer }) => {
  const token = await accessToken(issuer);
  await notify(issuer, 'card', { operations: [cardItem()] }, token);
  await send(
    jsonRequest('PUT', inspectionUrl(issuer, 'consumers/cns_secretive'), {
      consumerInfo: { language: 'en-GB', firstName: 'Hidden', lastName: 'Person' },
    }),
  );
  const answers = await Promise.all(
    ['health', 'notifications', 'operations', 'tokens/count'].map((path) => send({ method: 'GET', url: inspectionUrl(issuer, path) })),
  );
  for (const answer of answers) {
    expect(answer.status).toBe(200);
    for (const secret of [token, issuer.clientSecret, 'Hidden', 'Person', 'Sample']) expect(answer.text).not.toContain(secret);
  }
});
