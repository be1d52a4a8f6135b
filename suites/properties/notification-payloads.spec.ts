/**
 * Properties of the issuer's notification endpoints, with bodies drawn from the notification contracts in the form D1
 * gives its values (UUID operationIds, UTC times with milliseconds, about the card and consumer the bank knows): valid
 * card and consumer notifications (one item or a batch) are acknowledged with 204, repeats included; a notification
 * with one field one step outside its contract is refused with 400; unknown operations and fields are tolerated.
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type { RuleId } from '../../gen/catalogue.js';
import { test, rule, type IssuerParty } from '../../fixtures/index.js';
import { holds, responseConformsToContract, statusIs } from '../../lib/checks/index.js';
import type { HttpResponse } from '../../lib/http/client.js';
import { formatViolations, validateRequest } from '../../lib/validation/index.js';
import { breakableItemRules, brokenNotificationArb } from './arbitraries/broken-notification-arb.js';
import { forwardCompatibleNotificationArb } from './arbitraries/forward-compatible-notification-arb.js';
import { notificationArb } from './arbitraries/notification-arb.js';
import {
  NOTIFICATION_OPERATION,
  TOLERATED_FIELD,
  notificationItemFields,
  type NotificationKind,
} from './arbitraries/notification-fields.js';
import { GeneratorBug, contractAccepts, contractRefusesUnder } from './contract-judge.js';
import { INDEPENDENT_CASES_IN_FLIGHT } from './concurrent-check.js';
import { assertProperty, type PropertyBounds } from './replay.js';

// Every case is a first delivery with fresh operationIds (firstDelivery), so cases can run at once.
const BOUNDS: PropertyBounds = { numRuns: 25, timeLimitMs: 5_000, concurrency: INDEPENDENT_CASES_IN_FLIGHT };

const asRequest = (
  issuer: IssuerParty,
  body: unknown,
): { path: Record<string, string>; headers: Record<string, string>; body: unknown } => ({
  path: { issuerId: issuer.issuerId },
  headers: { 'content-type': 'application/json' },
  body,
});

/** Rule ids of one kind of notification, e.g. NOTIFY-CARD-ANSWER-204 or NOTIFY-CONSUMER-ANSWER-204. */
const ruleOf = (kind: NotificationKind, suffix: string): RuleId => `NOTIFY-${kind.toUpperCase()}-${suffix}` as RuleId;

type Body = { operations: Record<string, unknown>[] };

/**
 * The body with each item's operationId replaced by a fresh UUID (D1's form, as the generated one), so that every run
 * is a first delivery: a repeat of an earlier run's item (shrinking replays values) would otherwise test the duplicate
 * rule under another rule's name. `keep` names an item whose operationId is the field under test.
 */
function firstDelivery(body: Body, keep?: number): Body {
  return { operations: body.operations.map((item, index) => (index === keep ? item : { ...item, operationId: randomUUID() })) };
}

/** The card or consumer the bank knows, which every generated item names. */
const subjectOf = (issuer: IssuerParty, kind: NotificationKind): { subjectId: string } => ({
  subjectId: kind === 'card' ? issuer.cardId : issuer.knownConsumerId,
});

/**
 * An accepted notification: 204, no body, an answer the contract describes. A card the bank may not know may also be
 * refused with 400 (IssuerParty.cardAnswers).
 */
function acknowledged(ruleId: RuleId, kind: NotificationKind, response: HttpResponse, issuer: IssuerParty): void {
  statusIs(ruleId, response, kind === 'card' ? issuer.cardAnswers : [204]);
  if (response.status === 204)
    holds(ruleId, response.text === '', 'body', 'no body', `${response.text.length} characters: ${response.text.slice(0, 200)}`);
  responseConformsToContract(NOTIFICATION_OPERATION[kind], response);
}

for (const kind of ['card', 'consumer'] as const) {
  const operationId = NOTIFICATION_OPERATION[kind];

  test.describe(`${kind} notification payloads`, () => {
    test(
      `generated ${kind} notifications, one operation or a batch, are acknowledged with 204`,
      rule(ruleOf(kind, 'ANSWER-204'), ruleOf(kind, 'BATCH')),
      async ({ issuer, targets }) => {
        await assertProperty(
          targets.config,
          fc.asyncProperty(notificationArb(kind, subjectOf(issuer, kind)), async (generated) => {
            const body = firstDelivery(generated);
            contractAccepts(operationId, asRequest(issuer, body), `a ${kind} notification`);
            const ruleId = body.operations.length > 1 ? ruleOf(kind, 'BATCH') : ruleOf(kind, 'ANSWER-204');
            acknowledged(ruleId, kind, await issuer.notify(kind, body), issuer);
          }),
          BOUNDS,
        );
      },
    );

    test(
      `a generated ${kind} notification delivered twice is acknowledged both times`,
      rule(ruleOf(kind, 'DUPLICATES')),
      async ({ issuer, targets }) => {
        await assertProperty(
          targets.config,
          fc.asyncProperty(notificationArb(kind, subjectOf(issuer, kind)), async (generated) => {
            const body = firstDelivery(generated);
            contractAccepts(operationId, asRequest(issuer, body), `a ${kind} notification`);
            acknowledged(ruleOf(kind, 'DUPLICATES'), kind, await issuer.notify(kind, body), issuer);
            acknowledged(ruleOf(kind, 'DUPLICATES'), kind, await issuer.notify(kind, body), issuer);
          }),
          BOUNDS,
        );
      },
    );

    const breakable = breakableItemRules(kind).map((r) => r.ruleId as RuleId);
    test(
      `a ${kind} notification with one field one step outside its contract is refused with 400`,
      rule(ruleOf(kind, 'BAD-REQUEST'), ...breakable),
      async ({ issuer, targets }) => {
        await assertProperty(
          targets.config,
          fc.asyncProperty(brokenNotificationArb(kind, subjectOf(issuer, kind)), async (broken) => {
            const body = firstDelivery(broken.body, broken.pointer.endsWith('/operationId') ? broken.index : undefined);
            contractRefusesUnder(operationId, broken.ruleId, asRequest(issuer, body), `${broken.pointer} (${broken.step})`);
            const response = await issuer.notify(kind, body);
            statusIs(ruleOf(kind, 'BAD-REQUEST'), response, 400);
            responseConformsToContract(operationId, response);
          }),
          BOUNDS,
        );
      },
    );

    const toleratedRule = notificationItemFields(kind).find((f) => f.name === TOLERATED_FIELD)?.rules.enum;
    test(
      `a ${kind} notification naming an unlisted operation or carrying unknown fields is acknowledged`,
      rule(ruleOf(kind, 'FORWARD-COMPATIBLE')),
      async ({ issuer, targets }) => {
        await assertProperty(
          targets.config,
          fc.asyncProperty(forwardCompatibleNotificationArb(kind, subjectOf(issuer, kind)), async (generated) => {
            const body = firstDelivery(generated);
            const violations = validateRequest(operationId, asRequest(issuer, body));
            if (violations.length === 0 || violations.some((v) => v.ruleId !== toleratedRule)) {
              throw new GeneratorBug(
                `the suite generated a notification meant to break only ${toleratedRule ?? 'the operation enum'}\n` +
                  formatViolations(violations),
              );
            }
            acknowledged(ruleOf(kind, 'FORWARD-COMPATIBLE'), kind, await issuer.notify(kind, body), issuer);
          }),
          BOUNDS,
        );
      },
    );
  });
}
