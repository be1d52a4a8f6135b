/**
 * Negative checks of every request field rule of the two notification endpoints, one rule a test: the contract's
 * example notification (fresh operationIds) with that one field broken, the nearest value the contract refuses,
 * must be refused with 400.
 *
 * The field rules say what D1 sends; that the issuer answers 400 to anything else is the inferred *-BAD-REQUEST
 * rule, so that rule comes first: a bank that tolerates a broken field gets a warning, not a failed certification.
 */
import { operations } from '../../gen/operations.js';
import type { RuleId } from '../../gen/catalogue.js';
import { responseConformsToContract, statusIs } from '../../lib/checks/index.js';
import { test, expect, rule } from '../../fixtures/index.js';
import { breakingRequest, documentedRequest, shownValue } from '../../fixtures/requests.js';
import type { IssuerParty } from '../../fixtures/index.js';
import type { RequestParts } from '../../fixtures/requests.js';
import { aboutKnownSubjects, sendToIssuer, withFreshOperationIds, withoutSecrets } from './issuer-requests.js';

const BAD_REQUEST = { notifyCardOperations: 'NOTIFY-CARD-BAD-REQUEST', notifyConsumerOperations: 'NOTIFY-CONSUMER-BAD-REQUEST' } as const;
const ANSWER_204 = { notifyCardOperations: 'NOTIFY-CARD-ANSWER-204', notifyConsumerOperations: 'NOTIFY-CONSUMER-ANSWER-204' } as const;
const REQUEST_PARTS = new Set(['path', 'body']);

/** The contract's example notification as D1 would send it now: fresh operationIds, about what the bank knows. */
const exampleNotification = (operationId: keyof typeof BAD_REQUEST, issuer: IssuerParty): RequestParts =>
  aboutKnownSubjects(withFreshOperationIds(documentedRequest(operationId, issuer.issuerId)), issuer);

for (const operationId of ['notifyCardOperations', 'notifyConsumerOperations'] as const) {
  const badRequest = BAD_REQUEST[operationId];
  test.describe(`${operationId} refuses each broken field`, () => {
    // The control: unbroken, the same request is accepted, so a 400 below is the broken field's doing.
    test(
      `the contract's example ${operationId} request is acknowledged with 204`,
      rule(ANSWER_204[operationId]),
      async ({ issuer, targets }) => {
        const response = await sendToIssuer(targets, issuer, operationId, exampleNotification(operationId, issuer));
        // A card the bank may not know may be refused: the documents leave that open (IssuerParty.cardAnswers).
        statusIs(ANSWER_204[operationId], withoutSecrets(response), operationId === 'notifyCardOperations' ? issuer.cardAnswers : 204);
        responseConformsToContract(operationId, response);
      },
    );

    for (const [ruleId, field] of Object.entries(operations[operationId].fields)) {
      if (!REQUEST_PARTS.has(field.in)) continue;
      // Forward compatibility (NOTIFY-*-FORWARD-COMPATIBLE) makes the issuer accept an operation value the contract
      // does not list, so breaking the operation enum must be acknowledged, not refused: notifications.spec.ts
      // checks that under both rule ids.
      if (field.pointer === '/operations/*/operation' && field.keyword === 'enum') continue;
      test(
        `${ruleId}: ${field.in} ${field.pointer} breaking its ${field.keyword} is refused with 400`,
        rule(badRequest, ruleId as RuleId),
        async ({ issuer, targets }) => {
          const broken = breakingRequest(operationId, ruleId, exampleNotification(operationId, issuer));
          expect(broken, 'the contract gives a value that breaks this rule').toBeDefined();
          if (!broken) return;
          test
            .info()
            .annotations.push({ type: 'sent', description: `${field.in} ${field.pointer} = ${shownValue(field.pointer, broken.value)}` });
          const response = await sendToIssuer(targets, issuer, operationId, broken.request);
          statusIs(badRequest, withoutSecrets(response), 400);
          responseConformsToContract(operationId, response);
        },
      );
    }
  });
}
