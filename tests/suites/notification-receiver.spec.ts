/**
 * The receiver of D1's notifications as the suites' workers use it: through its control API, each test reading only
 * what concerns its own cards and consumers, and scripting answers with item matches given as data.
 */
import { test, expect } from '@playwright/test';
import { startIssuerSink, type IssuerSink } from '../../fixtures/notify-sink.js';
import { ReceiverClient, TestReceiver, isControlUrl } from '../../fixtures/receiver.js';
import { basicAuthorization, formRequest, jsonRequest, send } from '../../lib/http/client.js';

let sink: IssuerSink;
let client: ReceiverClient;

test.beforeEach(async () => {
  sink = await startIssuerSink(0, { clientId: 'd1', clientSecret: 'receiver-secret' });
  client = new ReceiverClient(sink.url, sink.clientId, sink.clientSecret);
});

test.afterEach(async () => {
  await sink.stop();
});

/** A card notification as D1 sends it, with the token the receiver granted. */
async function notifyCards(items: Record<string, unknown>[]): Promise<number> {
  const granted = await send(
    formRequest(
      `${sink.authUrl}/oauth2/token`,
      { grant_type: 'client_credentials' },
      {
        authorization: basicAuthorization('d1', 'receiver-secret'),
      },
    ),
  );
  const token = (granted.json as { access_token: string }).access_token;
  const url = `${sink.url}/notifications/d1/v2/issuers/TESTBANK01/cards`;
  return (await send(jsonRequest('POST', url, { operations: items }, { authorization: `Bearer ${token}` }))).status;
}

const item = (cardId: string, status = 'SUCCESSFUL'): Record<string, unknown> => ({
  operationId: `op-${cardId}-${status}`,
  operation: 'CLICK_TO_PAY_ENROLMENT',
  status,
  cardId,
});

test('each test sees only the calls about its own cards, whatever other tests received at the same time', async () => {
  const first = new TestReceiver(client);
  const second = new TestReceiver(client);
  first.own({ cardId: 'crd_first' });
  second.own({ cardId: 'crd_second' });
  await notifyCards([item('crd_first')]);
  await notifyCards([item('crd_second')]);
  await notifyCards([item('crd_someone_else')]);
  expect((await first.items()).map((i) => i.cardId)).toEqual(['crd_first']);
  expect((await second.items()).map((i) => i.cardId)).toEqual(['crd_second']);
  expect(await new TestReceiver(client).calls(), 'a test that owns nothing reads nothing').toEqual([]);
  expect(await first.calls({ operationIds: ['op-crd_someone_else-SUCCESSFUL'] }), 'or an operation it names').toHaveLength(2);
});

test('a scripted reply, given as data, answers only the calls carrying a matching item, as often as asked', async () => {
  const receiver = new TestReceiver(client);
  receiver.own({ cardId: 'crd_retried' });
  await receiver.replyTo({ cardId: 'crd_retried', status: ['SUCCESSFUL', 'FAILED'] }, { status: 503 });
  expect(await notifyCards([item('crd_retried', 'PENDING')])).toBe(204);
  expect(await notifyCards([item('crd_other')])).toBe(204);
  expect(await notifyCards([item('crd_retried')])).toBe(503);
  expect(await notifyCards([item('crd_retried')])).toBe(204);
  expect((await receiver.calls()).map((c) => c.answered)).toEqual([204, 503, 204]);
});

test('consumer details set through the control API are served to D1, and the requests are the test’s to read', async () => {
  const receiver = new TestReceiver(client);
  await receiver.setConsumer('cns_mine', { language: 'en-US', firstName: 'Ana', lastName: 'Lima' });
  const info = (consumerId: string): Promise<number> =>
    send({ method: 'GET', url: `${sink.url}/banking/d1/v1/issuers/TESTBANK01/consumers/${consumerId}` }).then((r) => r.status);
  expect(await info('cns_mine')).toBe(200);
  expect(await info('cns_not_mine')).toBe(404);
  expect((await receiver.consumerInfoCalls()).map((c) => c.consumerId)).toEqual(['cns_mine']);
});

test('the receiver tells whether it granted a token; the control calls are not evidence of the run', async () => {
  await notifyCards([item('crd_token')]);
  const [call] = sink.calls;
  const token = /^Bearer (.+)$/.exec(call?.authorization ?? '')?.[1] ?? '';
  expect(await client.isIssuedToken(token)).toBe(true);
  expect(await client.isIssuedToken(`${token}0`)).toBe(false);
  expect(await client.tokenRequests()).toHaveLength(1);
  expect(isControlUrl(`${sink.url}/__sink/calls?cardId=x`)).toBe(true);
  expect(isControlUrl(`${sink.url}/notifications/d1/v2/issuers/TESTBANK01/cards`)).toBe(false);
});
