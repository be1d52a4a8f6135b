/**
 * How the mock D1 notifies the issuer: token, payload, retries, duplicates, refusals.
 */
import { expect, test } from './mock-d1-fixtures.js';
import { cardWrite, consumerWrite, createCard, enrol, registerConsumer } from './scenario.js';

test('an enrol is notified to Notify Card Operations: PENDING, then exactly one final status, same operationId', async ({
  client,
  sink,
  d1,
}) => {
  const consumerId = await registerConsumer(client);
  const cardId = await createCard(client, consumerId);
  const final = await enrol(client, cardId);
  await d1.notificationsSettled();
  const items = sink.items('card').filter((i) => i.operationId === final.operationId);
  expect(items.map((i) => i.status)).toEqual(['PENDING', 'SUCCESSFUL']);
  expect(items[1]).toMatchObject({ operation: 'CLICK_TO_PAY_ENROLMENT', cardId, startTime: final.startTime, endTime: final.endTime });
});

test('every notification body follows the contract', async ({ client, sink, d1 }) => {
  const { validateRequest, formatViolations } = await import('../../../lib/validation/index.js');
  const consumerId = await registerConsumer(client);
  await enrol(client, await createCard(client, consumerId));
  await consumerWrite(client, 'clickToPayOptoutConsumer', consumerId);
  await d1.notificationsSettled();
  expect(sink.calls.length).toBeGreaterThan(0);
  for (const call of sink.calls) {
    const operationId = call.kind === 'card' ? 'notifyCardOperations' : 'notifyConsumerOperations';
    const violations = validateRequest(operationId, {
      path: { issuerId: 'TESTBANK01' },
      headers: { 'content-type': 'application/json' },
      body: { operations: call.operations },
    });
    expect(violations, formatViolations(violations)).toEqual([]);
  }
});

test('a consumer opt-out ends with Notify Consumer Operations, a card opt-out with Notify Card Operations', async ({
  client,
  sink,
  d1,
}) => {
  const consumerId = await registerConsumer(client);
  const cardId = await createCard(client, consumerId);
  await enrol(client, cardId);
  const cardOptout = await cardWrite(client, 'clickToPayOptoutCard', cardId);
  const { final: consumerOptout } = await consumerWrite(client, 'clickToPayOptoutConsumer', consumerId);
  await d1.notificationsSettled();
  expect(sink.items('card').some((i) => i.operationId === cardOptout.operationId && i.status === 'SUCCESSFUL')).toBe(true);
  expect(
    sink
      .items('consumer')
      .some((i) => i.operationId === consumerOptout.operationId && i.status === 'SUCCESSFUL' && i.consumerId === consumerId),
  ).toBe(true);
  expect(sink.items('card').some((i) => i.operationId === consumerOptout.operationId)).toBe(false);
});

test('D1 gets one token with Basic client credentials, form-encoded, and reuses it', async ({ client, sink, d1 }) => {
  const consumerId = await registerConsumer(client);
  for (let i = 0; i < 3; i += 1) await enrol(client, await createCard(client, consumerId));
  await d1.notificationsSettled();
  expect(sink.tokenRequests).toHaveLength(1);
  expect(sink.tokenRequests[0]).toMatchObject({ contentType: 'application/x-www-form-urlencoded', body: 'grant_type=client_credentials' });
  expect(sink.tokenRequests[0]?.authorization).toMatch(/^Basic /);
  expect(new Set(sink.calls.map((c) => c.authorization)).size).toBe(1);
  expect(sink.calls[0]?.authorization).toMatch(/^Bearer /);
});

test('a failed or unanswered delivery is retried until acknowledged, so the issuer may see it twice', async ({ client, sink, d1 }) => {
  sink.script.push({ status: 500 }, { status: 503 }, { stallMs: 800 });
  const consumerId = await registerConsumer(client);
  await createCard(client, consumerId);
  await d1.notificationsSettled();
  const stats = d1.deliveryStats();
  expect(stats.pending).toBe(0);
  expect(stats.delivered).toBe(stats.produced);
  expect(stats.retries).toBeGreaterThanOrEqual(3);
  // The stalled call was processed by the sink after D1 gave up waiting, so its items arrived twice.
  const seen = sink.items('card').map((i) => `${String(i.operationId)}/${String(i.status)}`);
  expect(seen.length).toBeGreaterThan(new Set(seen).size);
});

test('a delivery the issuer refuses with 400 is not retried', async ({ client, sink, d1 }) => {
  sink.script.push({ status: 400 });
  const consumerId = await registerConsumer(client);
  await createCard(client, consumerId);
  await d1.notificationsSettled();
  expect(d1.deliveryStats().refused).toBeGreaterThan(0);
  expect(d1.deliveryStats().retries).toBe(0);
});

test('a 401 makes D1 fetch a new token before retrying', async ({ client, sink, d1 }) => {
  sink.script.push({ status: 401 });
  const consumerId = await registerConsumer(client);
  await createCard(client, consumerId);
  await d1.notificationsSettled();
  expect(sink.tokenRequests).toHaveLength(2);
  expect(d1.deliveryStats().pending).toBe(0);
});

test('items produced together travel in one call', async ({ client, sink, d1 }) => {
  const consumerId = await registerConsumer(client);
  const cards = await Promise.all([1, 2, 3, 4].map(() => createCard(client, consumerId)));
  await Promise.all(cards.map((cardId) => client.call('clickToPayEnrol', { path: { cardId } })));
  await d1.notificationsSettled();
  expect(Math.max(...sink.calls.map((c) => c.operations.length))).toBeGreaterThan(1);
});

test.describe('an issuer not subscribed to card notifications', () => {
  test.use({ mockOptions: {} });
  test('gets none', async ({ client, sink, d1 }) => {
    d1.setBackend('TESTBANK01', {
      baseUrl: sink.url,
      authUrl: sink.authUrl,
      clientId: sink.clientId,
      clientSecret: sink.clientSecret,
      cardNotifications: false,
    });
    const consumerId = await registerConsumer(client);
    await enrol(client, await createCard(client, consumerId));
    await d1.notificationsSettled();
    expect(sink.items('card')).toEqual([]);
    expect(sink.items('consumer').length).toBeGreaterThan(0);
  });
});
