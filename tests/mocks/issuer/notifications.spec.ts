/**
 * The reference issuer's notification endpoints (notifyCardOperations, notifyConsumerOperations): bearer tokens,
 * contract checks, at-least-once delivery, out-of-order statuses, batches and forward compatibility.
 * Rules: NOTIFY-CARD-*, NOTIFY-CONSUMER-*.
 */
import { send } from '../../../lib/http/client.js';
import type { NotificationKind } from '../../../mocks/issuer/index.js';
import {
  NOTIFICATION_OPERATION,
  accessToken,
  bearer,
  cardItem,
  consumerItem,
  expectContractValid,
  expectJsonError,
  itemOf,
  notificationUrl,
  notify,
  reportedRules,
  uniqueOperationId,
} from './issuer-calls.js';
import { expect, test } from './issuer-fixtures.js';

const KINDS: readonly NotificationKind[] = ['card', 'consumer'];
const RULE_PREFIX = { card: 'NOTIFY-CARD', consumer: 'NOTIFY-CONSUMER' } as const;

for (const kind of KINDS) {
  const contractOperation = NOTIFICATION_OPERATION[kind];
  const prefix = RULE_PREFIX[kind];

  test(`a valid ${kind} notification with a granted token is answered 204 without a body and recorded (${prefix}-ANSWER-204)`, async ({
    issuer,
  }) => {
    const token = await accessToken(issuer);
    const item = itemOf(kind);
    const response = await notify(issuer, kind, { operations: [item] }, token);
    expect(response.status).toBe(204);
    expect(response.text).toBe('');
    expectContractValid(contractOperation, response);
    const [delivery] = issuer.deliveries();
    expect(issuer.deliveries()).toHaveLength(1);
    expect(delivery?.kind).toBe(kind);
    expect(delivery?.requestId).toBe(response.headers['x-request-id']);
    expect(Number.isNaN(Date.parse(delivery?.receivedAt ?? ''))).toBe(false);
    expect(delivery?.operations).toEqual([
      {
        operationId: item.operationId,
        operation: item.operation,
        status: 'PENDING',
        subjectId: kind === 'card' ? item.cardId : item.consumerId,
        startTime: item.startTime,
        duplicate: false,
        applied: true,
        previousStatus: undefined,
      },
    ]);
  });

  test(`a ${kind} notification without a token is refused 401 with a Bearer challenge and not recorded (${prefix}-AUTH-REJECT)`, async ({
    issuer,
  }) => {
    const response = await notify(issuer, kind, { operations: [itemOf(kind)] });
    expectJsonError(response, 401, 'missing_token');
    expect(response.headers['www-authenticate']).toBe('Bearer realm="issuer"');
    expectContractValid(contractOperation, response);
    expect(issuer.deliveries()).toEqual([]);
  });

  test(`a ${kind} notification with a token the issuer never granted is refused 401 (${prefix}-AUTH-REJECT)`, async ({ issuer }) => {
    const granted = await accessToken(issuer);
    const tampered = `${granted.slice(0, -1)}${granted.endsWith('A') ? 'B' : 'A'}`;
    const badAuthorizations = [`Bearer ${tampered}`, 'Bearer not-a-token', `Basic ${granted}`, 'Bearer', granted];
    for (const authorization of badAuthorizations) {
      const response = await send({
        method: 'POST',
        url: notificationUrl(issuer, kind),
        headers: { 'content-type': 'application/json', authorization },
        body: JSON.stringify({ operations: [itemOf(kind)] }),
      });
      expectJsonError(response, 401, 'invalid_token');
      expect(response.headers['www-authenticate']).toBe('Bearer realm="issuer", error="invalid_token"');
      expectContractValid(contractOperation, response);
    }
    expect(issuer.deliveries()).toEqual([]);
  });

  test(`a ${kind} notification with an expired token is refused 401 (${prefix}-AUTH-REJECT)`, async ({ startIssuer }) => {
    const issuer = await startIssuer({ tokenLifetimeSeconds: 1 });
    const token = await accessToken(issuer);
    expect((await notify(issuer, kind, { operations: [itemOf(kind)] }, token)).status).toBe(204);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const response = await notify(issuer, kind, { operations: [itemOf(kind)] }, token);
    expectJsonError(response, 401, 'invalid_token');
    expectContractValid(contractOperation, response);
    expect(issuer.deliveries()).toHaveLength(1);
  });

  test(`one ${kind} token serves several notifications until it expires (ISSUER-TOKEN-REUSE)`, async ({ issuer }) => {
    const token = await accessToken(issuer);
    for (let call = 0; call < 3; call += 1) expect((await notify(issuer, kind, { operations: [itemOf(kind)] }, token)).status).toBe(204);
    expect(issuer.deliveries()).toHaveLength(3);
    expect(issuer.issuedTokenCount()).toBe(1);
  });

  test(`with OAuth disabled a ${kind} notification needs no token (${prefix}-AUTH-BEARER)`, async ({ startIssuer }) => {
    const issuer = await startIssuer({ requireBearer: false });
    const response = await notify(issuer, kind, { operations: [itemOf(kind)] });
    expect(response.status).toBe(204);
    expectContractValid(contractOperation, response);
  });

  test(`a repeated ${kind} item is answered 204 every time and recorded as a duplicate (${prefix}-DUPLICATES, ${prefix}-DEDUPE)`, async ({
    issuer,
  }) => {
    const token = await accessToken(issuer);
    const item = itemOf(kind, { status: 'SUCCESSFUL', endTime: '2025-01-17T06:28:05.118Z' });
    const first = await notify(issuer, kind, { operations: [item] }, token);
    const second = await notify(issuer, kind, { operations: [item] }, token);
    expect([first.status, second.status]).toEqual([204, 204]);
    expectContractValid(contractOperation, second);
    expect(issuer.deliveries().map((delivery) => delivery.operations.map((received) => [received.duplicate, received.applied]))).toEqual([
      [[false, true]],
      [[true, false]],
    ]);
    const [state] = issuer.operationStates();
    expect(issuer.operationStates()).toHaveLength(1);
    expect(state).toMatchObject({ operationId: item.operationId, status: 'SUCCESSFUL', itemsReceived: 2 });
  });

  test(`a final ${kind} status arriving before its PENDING is kept when the PENDING comes (${prefix}-ORDER)`, async ({ issuer }) => {
    const token = await accessToken(issuer);
    const sharedOperationId = uniqueOperationId();
    const final = itemOf(kind, {
      operationId: sharedOperationId,
      status: 'FAILED',
      endTime: '2025-01-17T06:28:05.118Z',
      errorCode: 'E1',
      error: 'refused',
    });
    const pending = itemOf(kind, { operationId: sharedOperationId, status: 'PENDING' });
    const finalResponse = await notify(issuer, kind, { operations: [final] }, token);
    const pendingResponse = await notify(issuer, kind, { operations: [pending] }, token);
    expect([finalResponse.status, pendingResponse.status]).toEqual([204, 204]);
    expectContractValid(contractOperation, pendingResponse);
    expect(issuer.operationStates()).toEqual([
      expect.objectContaining({ operationId: sharedOperationId, status: 'FAILED', itemsReceived: 2 }),
    ]);
    const late = issuer.deliveries()[1]?.operations[0];
    expect(late).toMatchObject({ status: 'PENDING', duplicate: false, applied: false, previousStatus: 'FAILED' });
  });

  test(`${kind} statuses in order move the operation from PENDING to its final status`, async ({ issuer }) => {
    const token = await accessToken(issuer);
    const id = uniqueOperationId();
    await notify(issuer, kind, { operations: [itemOf(kind, { operationId: id, status: 'PENDING' })] }, token);
    expect(issuer.operationStates()[0]?.status).toBe('PENDING');
    await notify(
      issuer,
      kind,
      { operations: [itemOf(kind, { operationId: id, status: 'SUCCESSFUL', endTime: '2025-01-17T06:29:00.000Z' })] },
      token,
    );
    expect(issuer.operationStates()).toEqual([
      expect.objectContaining({ operationId: id, status: 'SUCCESSFUL', endTime: '2025-01-17T06:29:00.000Z' }),
    ]);
  });

  test(`one ${kind} notification carrying several operations is accepted and each is applied (${prefix}-BATCH)`, async ({ issuer }) => {
    const token = await accessToken(issuer);
    const items = [itemOf(kind), itemOf(kind, { status: 'SUCCESSFUL' }), itemOf(kind, { status: 'FAILED' })];
    const response = await notify(issuer, kind, { operations: items }, token);
    expect(response.status).toBe(204);
    expectContractValid(contractOperation, response);
    expect(issuer.deliveries()).toHaveLength(1);
    expect(issuer.operationStates().map((state) => [state.operationId, state.status])).toEqual(
      items.map((item) => [item.operationId, item.status]),
    );
  });

  test(`a ${kind} batch repeating an item inside itself marks the repeat as a duplicate (${prefix}-DEDUPE)`, async ({ issuer }) => {
    const token = await accessToken(issuer);
    const item = itemOf(kind);
    const response = await notify(issuer, kind, { operations: [item, item] }, token);
    expect(response.status).toBe(204);
    expect(issuer.deliveries()[0]?.operations.map((received) => received.duplicate)).toEqual([false, true]);
  });

  test(`a ${kind} operation value the contract does not list is accepted and kept (${prefix}-FORWARD-COMPATIBLE)`, async ({ issuer }) => {
    const token = await accessToken(issuer);
    const item = itemOf(kind, { operation: 'UPDATE_ORDER' });
    const response = await notify(issuer, kind, { operations: [item] }, token);
    expect(response.status).toBe(204);
    expectContractValid(contractOperation, response);
    expect(issuer.operationStates()[0]?.operation).toBe('UPDATE_ORDER');
  });

  test(`${kind} fields the contract does not know are accepted (${prefix}-FORWARD-COMPATIBLE)`, async ({ issuer }) => {
    const token = await accessToken(issuer);
    const item = itemOf(kind, { futureField: { nested: true }, details: { status: 'A_NEW_DETAIL_STATUS', extra: 1 }, message: 42 });
    const response = await notify(issuer, kind, { operations: [item], batchInfo: { page: 1 } }, token);
    expect(response.status).toBe(204);
    expect(issuer.deliveries()).toHaveLength(1);
  });

  test(`an unknown ${kind} operation value does not excuse another violation in the same item`, async ({ issuer }) => {
    const token = await accessToken(issuer);
    const response = await notify(issuer, kind, { operations: [itemOf(kind, { operation: 'UPDATE_ORDER', status: 'DONE' })] }, token);
    expectJsonError(response, 400, 'invalid_notification');
    expect(reportedRules(response)).toEqual([`${prefix}-STATUS-ENUM`]);
  });

  test(`a ${kind} notification for another issuer is refused 400 and not recorded`, async ({ issuer }) => {
    const token = await accessToken(issuer);
    const response = await send({
      method: 'POST',
      url: notificationUrl(issuer, kind, 'OTHERBANK1'),
      headers: { 'content-type': 'application/json', ...bearer(token) },
      body: JSON.stringify({ operations: [itemOf(kind)] }),
    });
    expectJsonError(response, 400, 'unknown_issuer');
    expectContractValid(contractOperation, response);
    expect(issuer.deliveries()).toEqual([]);
  });

  test(`a ${kind} notification whose issuerId is not 10 characters is refused 400 (${prefix}-ISSUERID-LENGTH)`, async ({ issuer }) => {
    const token = await accessToken(issuer);
    const response = await send({
      method: 'POST',
      url: notificationUrl(issuer, kind, 'TESTBANK0'),
      headers: { 'content-type': 'application/json', ...bearer(token) },
      body: JSON.stringify({ operations: [itemOf(kind)] }),
    });
    expectJsonError(response, 400, 'invalid_notification');
    expect(reportedRules(response)).toEqual([`${prefix}-ISSUERID-LENGTH`]);
  });

  test(`a ${kind} notification that is not JSON is refused 400 naming the problem (${prefix}-BAD-REQUEST)`, async ({ issuer }) => {
    const token = await accessToken(issuer);
    const cases = [
      { contentType: 'application/json', body: '{"operations": [', problem: 'not valid JSON' },
      { contentType: 'text/plain', body: 'operations', problem: 'unsupported media type text/plain' },
      {
        contentType: 'application/x-www-form-urlencoded',
        body: 'operations=1',
        problem: 'unsupported media type application/x-www-form-urlencoded',
      },
    ];
    for (const { contentType, body, problem } of cases) {
      const response = await send({
        method: 'POST',
        url: notificationUrl(issuer, kind),
        headers: { 'content-type': contentType, ...bearer(token) },
        body,
      });
      expectJsonError(response, 400, 'unreadable_notification');
      expect((response.json as { error_description: string }).error_description).toContain(problem);
      expectContractValid(contractOperation, response);
    }
    expect(issuer.deliveries()).toEqual([]);
  });
}

interface InvalidBodyCase {
  readonly what: string;
  readonly body: unknown;
  readonly rule: string;
}

const cardCases: readonly InvalidBodyCase[] = [
  { what: 'no body', body: undefined, rule: 'NOTIFY-CARD-OPERATIONS-REQUIRED' },
  { what: 'no operations member', body: { items: [] }, rule: 'NOTIFY-CARD-OPERATIONS-REQUIRED' },
  { what: 'operations that is not an array', body: { operations: cardItem() }, rule: 'NOTIFY-CARD-OPERATIONS-TYPE' },
  {
    what: 'an item without operationId',
    body: { operations: [cardItem({ operationId: undefined })] },
    rule: 'NOTIFY-CARD-OPERATIONID-REQUIRED',
  },
  {
    what: 'an operationId of 65 characters',
    body: { operations: [cardItem({ operationId: 'o'.repeat(65) })] },
    rule: 'NOTIFY-CARD-OPERATIONID-LENGTH',
  },
  {
    what: 'an operationId with no allowed character',
    body: { operations: [cardItem({ operationId: '.!.' })] },
    rule: 'NOTIFY-CARD-OPERATIONID-PATTERN',
  },
  { what: 'an item without operation', body: { operations: [cardItem({ operation: undefined })] }, rule: 'NOTIFY-CARD-OPERATION-REQUIRED' },
  { what: 'an item without status', body: { operations: [cardItem({ status: undefined })] }, rule: 'NOTIFY-CARD-STATUS-REQUIRED' },
  { what: 'an unknown status', body: { operations: [cardItem({ status: 'DONE' })] }, rule: 'NOTIFY-CARD-STATUS-ENUM' },
  { what: 'an item without startTime', body: { operations: [cardItem({ startTime: undefined })] }, rule: 'NOTIFY-CARD-STARTTIME-REQUIRED' },
  {
    what: 'a startTime that is no date-time',
    body: { operations: [cardItem({ startTime: '17/01/2025 06:28' })] },
    rule: 'NOTIFY-CARD-STARTTIME-FORMAT',
  },
  {
    what: 'an endTime that is no date-time',
    body: { operations: [cardItem({ endTime: '2025-01-17' })] },
    rule: 'NOTIFY-CARD-ENDTIME-FORMAT',
  },
  { what: 'an item without cardId', body: { operations: [cardItem({ cardId: undefined })] }, rule: 'NOTIFY-CARD-CARDID-REQUIRED' },
  {
    what: 'details that are not an object',
    body: { operations: [cardItem({ details: 'CARD_PROD_REQUESTED' })] },
    rule: 'NOTIFY-CARD-DETAILS-TYPE',
  },
];

const consumerCases: readonly InvalidBodyCase[] = [
  { what: 'no operations member', body: {}, rule: 'NOTIFY-CONSUMER-OPERATIONS-REQUIRED' },
  { what: 'operations that is not an array', body: { operations: 'all' }, rule: 'NOTIFY-CONSUMER-OPERATIONS-TYPE' },
  {
    what: 'an item without operationId',
    body: { operations: [consumerItem({ operationId: undefined })] },
    rule: 'NOTIFY-CONSUMER-OPERATIONID-REQUIRED',
  },
  { what: 'an empty operationId', body: { operations: [consumerItem({ operationId: '' })] }, rule: 'NOTIFY-CONSUMER-OPERATIONID-LENGTH' },
  { what: 'an item without status', body: { operations: [consumerItem({ status: undefined })] }, rule: 'NOTIFY-CONSUMER-STATUS-REQUIRED' },
  { what: 'an unknown status', body: { operations: [consumerItem({ status: 'ABORTED' })] }, rule: 'NOTIFY-CONSUMER-STATUS-ENUM' },
  {
    what: 'a startTime without fraction',
    body: { operations: [consumerItem({ startTime: '2025-01-17T06:28:02Z' })] },
    rule: 'NOTIFY-CONSUMER-STARTTIME-PATTERN',
  },
  {
    what: 'an endTime on 31 April',
    body: { operations: [consumerItem({ endTime: '2025-04-31T06:28:02.492Z' })] },
    rule: 'NOTIFY-CONSUMER-ENDTIME-PATTERN',
  },
  {
    what: 'an item without consumerId',
    body: { operations: [consumerItem({ consumerId: undefined })] },
    rule: 'NOTIFY-CONSUMER-CONSUMERID-REQUIRED',
  },
  {
    what: 'a consumerId of 65 characters',
    body: { operations: [consumerItem({ consumerId: 'c'.repeat(65) })] },
    rule: 'NOTIFY-CONSUMER-CONSUMERID-LENGTH',
  },
  {
    what: 'a consumerId with a dot',
    body: { operations: [consumerItem({ consumerId: 'cns.1' })] },
    rule: 'NOTIFY-CONSUMER-CONSUMERID-PATTERN',
  },
  { what: 'details that are not an object', body: { operations: [consumerItem({ details: [1] })] }, rule: 'NOTIFY-CONSUMER-DETAILS-TYPE' },
];

for (const [kind, cases] of [
  ['card', cardCases],
  ['consumer', consumerCases],
] as const) {
  for (const { what, body, rule } of cases) {
    test(`a ${kind} notification with ${what} is refused 400 naming ${rule} (${RULE_PREFIX[kind]}-BAD-REQUEST)`, async ({ issuer }) => {
      const token = await accessToken(issuer);
      const response = await send({
        method: 'POST',
        url: notificationUrl(issuer, kind),
        headers: { 'content-type': 'application/json', ...bearer(token) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      expectJsonError(response, 400, 'invalid_notification');
      expect(reportedRules(response)).toContain(rule);
      expectContractValid(NOTIFICATION_OPERATION[kind], response);
      expect(issuer.deliveries()).toEqual([]);
    });
  }
}

test('a refusal names where the problem is but never repeats the value sent', async ({ issuer }) => {
  const token = await accessToken(issuer);
  const personal = 'alex.sample@example.com';
  const response = await notify(issuer, 'consumer', { operations: [consumerItem({ consumerId: personal, message: 'hello' })] }, token);
  expectJsonError(response, 400, 'invalid_notification');
  expect((response.json as { violations: unknown[] }).violations).toEqual([
    expect.objectContaining({
      rule: 'NOTIFY-CONSUMER-CONSUMERID-PATTERN',
      part: 'body',
      pointer: '/operations/0/consumerId',
      keyword: 'pattern',
    }),
  ]);
  expect(response.text).not.toContain(personal);
  expect(response.text).not.toContain('received');
});

test('card and consumer operations with the same operationId are kept apart', async ({ issuer }) => {
  const token = await accessToken(issuer);
  const id = uniqueOperationId();
  await notify(issuer, 'card', { operations: [cardItem({ operationId: id, status: 'SUCCESSFUL' })] }, token);
  await notify(issuer, 'consumer', { operations: [consumerItem({ operationId: id, status: 'SUCCESSFUL' })] }, token);
  expect(issuer.operationStates().map((state) => [state.kind, state.operationId])).toEqual([
    ['card', id],
    ['consumer', id],
  ]);
  expect(issuer.deliveries().flatMap((delivery) => delivery.operations.map((received) => received.duplicate))).toEqual([false, false]);
});

test('the bearer token never reaches the log', async ({ issuer, issuerLog }) => {
  const token = await accessToken(issuer);
  await notify(issuer, 'card', { operations: [cardItem()] }, token);
  await notify(issuer, 'card', { operations: [cardItem()] }, `${token}-tampered`);
  expect(issuerLog).toHaveLength(3);
  expect(issuerLog.join('\n')).not.toContain(token);
});
