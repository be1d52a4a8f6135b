/**
 * Negative checks of every request field rule of the D1 contracts, one rule a test: a documented request with that
 * one field broken (the nearest value the contract refuses) must be refused with 400 and the documented error code.
 */
import { operations, type OperationId } from '../../gen/operations.js';
import { rules } from '../../gen/catalogue.js';
import { errorCodeIs, knownRule, responseConformsToContract, statusIs } from '../../lib/checks/index.js';
import { test, expect, rule } from '../../fixtures/index.js';
import { asCallParts, breakingRequest, documentedRequest, shownValue } from '../../fixtures/requests.js';

const known = new Set<string>(rules.map((r) => r.id));
const REQUEST_PARTS = new Set(['path', 'query', 'header', 'body']);

for (const operationId of Object.keys(operations) as OperationId[]) {
  const entry = operations[operationId];
  if (entry.party !== 'd1') continue;
  const prefix = entry.rules.find((id) => id.endsWith('-ERROR-FORMAT'))?.replace(/-ERROR-FORMAT$/, '');
  test.describe(`${operationId} refuses each broken field`, () => {
    for (const [id, field] of Object.entries(entry.fields)) {
      const ruleId = knownRule(id);
      if (!REQUEST_PARTS.has(field.in) || field.keyword === 'content-type') continue;
      const errorRule =
        operationId === 'getToken'
          ? 'D1-TOKEN-ERROR-BAD-REQUEST'
          : `${prefix ?? ''}-ERROR-${field.keyword === 'enum' ? 'VALUE' : 'FORMAT'}`;
      const errorRuleId = known.has(errorRule) ? knownRule(errorRule) : undefined;
      const tags = errorRuleId ? rule(ruleId, errorRuleId) : rule(ruleId);
      test(`${ruleId}: ${field.in} ${field.pointer} breaking its ${field.keyword} is refused with 400`, tags, async ({ d1 }) => {
        const broken = breakingRequest(operationId, ruleId, documentedRequest(operationId, d1.issuerId));
        expect(broken, 'the contract gives a value that breaks this rule').toBeDefined();
        if (!broken) return;
        test
          .info()
          .annotations.push({ type: 'sent', description: `${field.in} ${field.pointer} = ${shownValue(field.pointer, broken.value)}` });
        const response =
          operationId === 'getToken'
            ? await d1.client.requestTokenWith(broken.request.body, broken.request.headers)
            : await d1.client.call(operationId, asCallParts(broken.request));
        statusIs(ruleId, response, 400);
        responseConformsToContract(operationId, response);
        if (operationId !== 'getToken' && errorRuleId) {
          errorCodeIs(errorRuleId, response, field.keyword === 'enum' ? 'FIELD_INVALID_VALUE' : 'FIELD_INVALID_FORMAT');
        }
      });
    }
  });
}
