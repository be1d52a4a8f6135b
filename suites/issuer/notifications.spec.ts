/**
 * Notify Card Operations and Notify Consumer Operations, delivered as D1 delivers them: at least once, in no set
 * order, several operations a call, possibly naming operations or fields the issuer does not know yet.
 */
import { randomUUID } from 'node:crypto';
import type { RuleId } from '../../gen/catalogue.js';
import { operations } from '../../gen/operations.js';
import { holds, notServed, responseConformsToContract, statusIs } from '../../lib/checks/index.js';
import type { HttpResponse } from '../../lib/http/client.js';
import { test, expect, rule, type IssuerParty } from '../../fixtures/index.js';
import { withoutSecrets } from './issuer-requests.js';

const CARD = 'notifyCardOperations';
const CONSUMER = 'notifyConsumerOperations';

/**
 * An accepted notification: 204 with an empty body, and an answer the contract describes. `statuses` widens what
 * counts for a card the bank may not know (IssuerParty.cardAnswers).
 */
function acknowledged(
  ruleId: RuleId,
  operationId: typeof CARD | typeof CONSUMER,
  response: HttpResponse,
  statuses: readonly number[] = [204],
): void {
  statusIs(ruleId, withoutSecrets(response), statuses);
  if (response.status === 204) holds(ruleId, response.text === '', 'body', 'no body', `${response.text.length} characters`);
  responseConformsToContract(operationId, response);
}

/** A card notification's acknowledgement, with the answers its card allows. */
const cardAcknowledged = (issuer: IssuerParty, ruleId: RuleId, response: HttpResponse): void => {
  acknowledged(ruleId, CARD, response, issuer.cardAnswers);
};

// A body in another media type is refused: 400 as the notification contract reads, or 415, HTTP's own answer to it.
const WRONG_MEDIA_TYPE_ANSWERS = [400, 415];

/** A refused notification: the status the rule documents, and an answer the contract describes. */
function refused(
  ruleId: RuleId,
  operationId: typeof CARD | typeof CONSUMER,
  response: HttpResponse,
  status: number | readonly number[],
): void {
  statusIs(ruleId, withoutSecrets(response), status);
  responseConformsToContract(operationId, response);
}

/** An operation value the contract does not list yet, as a later D1 release could send (the note names UPDATE_ORDER). */
function unlistedOperation(
  operationId: typeof CARD | typeof CONSUMER,
  ruleId: 'NOTIFY-CARD-OPERATION-ENUM' | 'NOTIFY-CONSUMER-OPERATION-ENUM',
): string {
  const value = 'UPDATE_ORDER';
  expect(operations[operationId].fields[ruleId]?.schema.enum ?? [], 'the value is one the contract does not list').not.toContain(value);
  return value;
}

test.describe('card notifications', () => {
  test(
    'a valid card notification is acknowledged with 204 and no body',
    rule('NOTIFY-CARD-ANSWER-204', 'NOTIFY-CARD-AUTH-BEARER', 'ISSUER-TOKEN-BEARER-USE'),
    async ({ issuer }) => {
      const response = await issuer.notify('card', { operations: [issuer.cardItem()] });
      cardAcknowledged(issuer, 'NOTIFY-CARD-ANSWER-204', response);
    },
  );

  test('the same card notification delivered twice is acknowledged both times', rule('NOTIFY-CARD-DUPLICATES'), async ({ issuer }) => {
    const body = { operations: [issuer.cardItem()] };
    const first = await issuer.notify('card', body);
    cardAcknowledged(issuer, 'NOTIFY-CARD-DUPLICATES', first);
    const repeat = await issuer.notify('card', body);
    cardAcknowledged(issuer, 'NOTIFY-CARD-DUPLICATES', repeat);
  });

  test(
    'a final card status arriving before its PENDING is acknowledged, and so is the late PENDING',
    rule('NOTIFY-CARD-ORDER'),
    async ({ issuer }) => {
      const final = issuer.cardItem({ status: 'SUCCESSFUL' });
      // The late PENDING, as D1 sent it while the operation ran: no endTime yet.
      const { endTime: _endTime, ...running } = final;
      const late = { ...running, status: 'PENDING' };
      cardAcknowledged(issuer, 'NOTIFY-CARD-ORDER', await issuer.notify('card', { operations: [final] }));
      cardAcknowledged(issuer, 'NOTIFY-CARD-ORDER', await issuer.notify('card', { operations: [late] }));
    },
  );

  test('a card notification carrying several operations is acknowledged', rule('NOTIFY-CARD-BATCH'), async ({ issuer }) => {
    const pending = issuer.cardItem({ status: 'PENDING', operation: 'CLICK_TO_PAY_UPDATE' });
    delete pending.endTime;
    const body = {
      operations: [
        pending,
        issuer.cardItem({ status: 'SUCCESSFUL' }),
        issuer.cardItem({
          status: 'FAILED',
          operation: 'CLICK_TO_PAY_OPTOUT',
          errorCode: 'CARD_NOT_ELIGIBLE',
          error: 'The card cannot be opted out',
        }),
      ],
    };
    cardAcknowledged(issuer, 'NOTIFY-CARD-BATCH', await issuer.notify('card', body));
  });

  // The operation enum is known to be cut short in every public copy; NOTIFY-CARD-FORWARD-COMPATIBLE makes the issuer
  // accept values it does not list, so this is where NOTIFY-CARD-OPERATION-ENUM is exercised (not as a refusal).
  test(
    'a card notification naming an operation the contract does not list is acknowledged',
    rule('NOTIFY-CARD-FORWARD-COMPATIBLE', 'NOTIFY-CARD-OPERATION-ENUM'),
    async ({ issuer }) => {
      const operation = unlistedOperation(CARD, 'NOTIFY-CARD-OPERATION-ENUM');
      cardAcknowledged(
        issuer,
        'NOTIFY-CARD-FORWARD-COMPATIBLE',
        await issuer.notify('card', { operations: [issuer.cardItem({ operation })] }),
      );
    },
  );

  test(
    'a card notification carrying fields the contract does not describe is acknowledged',
    rule('NOTIFY-CARD-FORWARD-COMPATIBLE'),
    async ({ issuer }) => {
      const item = issuer.cardItem({
        operation: 'PRODUCE',
        details: { status: 'CARD_PROD_NEW_STEP', carrier: 'new' },
        deliveryChannel: 'NEW_CHANNEL',
      });
      const response = await issuer.notify('card', { operations: [item], notificationVersion: '2.1' });
      cardAcknowledged(issuer, 'NOTIFY-CARD-FORWARD-COMPATIBLE', response);
    },
  );

  test('a card notification that is not valid JSON is refused with 400', rule('NOTIFY-CARD-BAD-REQUEST'), async ({ issuer }) => {
    const response = await issuer.notifyRaw('card', '{"operations": [{"operationId": ', 'application/json');
    refused('NOTIFY-CARD-BAD-REQUEST', CARD, response, 400);
  });

  test(
    'a card notification sent in another media type than JSON is refused with 400 or 415',
    rule('NOTIFY-CARD-BAD-REQUEST'),
    async ({ issuer }) => {
      const response = await issuer.notifyRaw('card', JSON.stringify({ operations: [issuer.cardItem()] }), 'text/plain');
      refused('NOTIFY-CARD-BAD-REQUEST', CARD, response, WRONG_MEDIA_TYPE_ANSWERS);
    },
  );
});

test.describe('consumer notifications', () => {
  test(
    'a valid consumer notification is acknowledged with 204 and no body',
    rule('NOTIFY-CONSUMER-ANSWER-204', 'NOTIFY-CONSUMER-AUTH-BEARER', 'NOTIFY-CONSUMER-OPTOUT', 'NOTIFY-CONSUMER-OPTOUT-OPERATION'),
    async ({ issuer }) => {
      // The end of a Click to Pay consumer opt-out, the notification this endpoint exists for.
      const response = await issuer.notify('consumer', { operations: [issuer.consumerItem({ operation: 'CLICK_TO_PAY_OPTOUT' })] });
      acknowledged('NOTIFY-CONSUMER-ANSWER-204', CONSUMER, response);
    },
  );

  test(
    'the same consumer notification delivered twice is acknowledged both times',
    rule('NOTIFY-CONSUMER-DUPLICATES'),
    async ({ issuer }) => {
      const body = { operations: [issuer.consumerItem()] };
      acknowledged('NOTIFY-CONSUMER-DUPLICATES', CONSUMER, await issuer.notify('consumer', body));
      acknowledged('NOTIFY-CONSUMER-DUPLICATES', CONSUMER, await issuer.notify('consumer', body));
    },
  );

  test(
    'a final consumer status arriving before its PENDING is acknowledged, and so is the late PENDING',
    rule('NOTIFY-CONSUMER-ORDER'),
    async ({ issuer }) => {
      const final = issuer.consumerItem({ status: 'SUCCESSFUL' });
      // The late PENDING, as D1 sent it while the operation ran: no endTime yet.
      const { endTime: _endTime, ...running } = final;
      const late = { ...running, status: 'PENDING' };
      acknowledged('NOTIFY-CONSUMER-ORDER', CONSUMER, await issuer.notify('consumer', { operations: [final] }));
      acknowledged('NOTIFY-CONSUMER-ORDER', CONSUMER, await issuer.notify('consumer', { operations: [late] }));
    },
  );

  test('a consumer notification carrying several operations is acknowledged', rule('NOTIFY-CONSUMER-BATCH'), async ({ issuer }) => {
    const pending = issuer.consumerItem({ status: 'PENDING', operation: 'UPDATE' });
    delete pending.endTime;
    const body = {
      operations: [
        pending,
        issuer.consumerItem({ status: 'SUCCESSFUL', operation: 'CLICK_TO_PAY_OPTOUT' }),
        issuer.consumerItem({
          status: 'FAILED',
          operation: 'SUSPEND',
          errorCode: 'INVALID_STATE',
          error: 'The consumer cannot be suspended in its state',
        }),
      ],
    };
    acknowledged('NOTIFY-CONSUMER-BATCH', CONSUMER, await issuer.notify('consumer', body));
  });

  // As for cards: NOTIFY-CONSUMER-FORWARD-COMPATIBLE turns NOTIFY-CONSUMER-OPERATION-ENUM into a value to tolerate.
  test(
    'a consumer notification naming an operation the contract does not list is acknowledged',
    rule('NOTIFY-CONSUMER-FORWARD-COMPATIBLE', 'NOTIFY-CONSUMER-OPERATION-ENUM'),
    async ({ issuer }) => {
      const operation = unlistedOperation(CONSUMER, 'NOTIFY-CONSUMER-OPERATION-ENUM');
      acknowledged(
        'NOTIFY-CONSUMER-FORWARD-COMPATIBLE',
        CONSUMER,
        await issuer.notify('consumer', { operations: [issuer.consumerItem({ operation })] }),
      );
    },
  );

  test(
    'a consumer notification carrying fields the contract does not describe is acknowledged',
    rule('NOTIFY-CONSUMER-FORWARD-COMPATIBLE'),
    async ({ issuer }) => {
      const item = issuer.consumerItem({ details: { reason: 'CONSUMER_REQUEST' }, requestedBy: 'NEW_ACTOR' });
      const response = await issuer.notify('consumer', { operations: [item], notificationVersion: '2.1' });
      acknowledged('NOTIFY-CONSUMER-FORWARD-COMPATIBLE', CONSUMER, response);
    },
  );

  test('a consumer notification that is not valid JSON is refused with 400', rule('NOTIFY-CONSUMER-BAD-REQUEST'), async ({ issuer }) => {
    const response = await issuer.notifyRaw('consumer', '{"operations": [{"operationId": ', 'application/json');
    refused('NOTIFY-CONSUMER-BAD-REQUEST', CONSUMER, response, 400);
  });

  test(
    'a consumer notification sent in another media type than JSON is refused with 400 or 415',
    rule('NOTIFY-CONSUMER-BAD-REQUEST'),
    async ({ issuer }) => {
      const response = await issuer.notifyRaw('consumer', JSON.stringify({ operations: [issuer.consumerItem()] }), 'text/plain');
      refused('NOTIFY-CONSUMER-BAD-REQUEST', CONSUMER, response, WRONG_MEDIA_TYPE_ANSWERS);
    },
  );
});

// With OAuth on, a notification nobody authenticated must change nothing: any acknowledgement is a security finding.
// Which refusal the issuer answers is a separate, inferred rule, so that one deviation fails one rule.
for (const kind of ['card', 'consumer'] as const) {
  const operationId = kind === 'card' ? CARD : CONSUMER;
  const reject: RuleId = kind === 'card' ? 'NOTIFY-CARD-AUTH-REJECT' : 'NOTIFY-CONSUMER-AUTH-REJECT';
  const status401: RuleId = kind === 'card' ? 'NOTIFY-CARD-AUTH-401' : 'NOTIFY-CONSUMER-AUTH-401';
  const bearer: RuleId = kind === 'card' ? 'NOTIFY-CARD-AUTH-BEARER' : 'NOTIFY-CONSUMER-AUTH-BEARER';
  const item = (issuer: IssuerParty): unknown => (kind === 'card' ? issuer.cardItem() : issuer.consumerItem());

  test.describe(`${kind} notifications without valid credentials`, () => {
    for (const [credentials, token] of [
      ['without a bearer token', null],
      ['with a token the issuer never granted', 'not-granted'],
    ] as const) {
      const send = (issuer: IssuerParty): Promise<HttpResponse> =>
        issuer.notify(kind, { operations: [item(issuer)] }, { token: token === null ? null : `${token}-${randomUUID()}` });

      test(`a ${kind} notification ${credentials} is not acknowledged`, rule(reject, bearer), async ({ issuer }) => {
        test.skip(!issuer.usesOAuth, 'the issuer does not use OAuth: D1 sends its notifications without a token');
        notServed(reject, withoutSecrets(await send(issuer)), `a ${kind} notification`);
      });

      test(`a ${kind} notification ${credentials} is refused with 401`, rule(status401), async ({ issuer }) => {
        test.skip(!issuer.usesOAuth, 'the issuer does not use OAuth: D1 sends its notifications without a token');
        const response = await send(issuer);
        test.skip(response.status < 300, `not refused at all: ${reject} judges it`);
        refused(status401, operationId, response, 401);
      });
    }
  });
}
