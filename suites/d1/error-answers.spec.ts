/**
 * The error answers of D1's Card and Consumer APIs: a field outside its documented format is refused with 400,
 * errorCode FIELD_INVALID_FORMAT and, where the rule says so, the name of the field in error; a value that is not
 * allowed with 400 and FIELD_INVALID_VALUE. Each case breaks one field of an otherwise documented request, so the
 * broken field is the first and only one in error. (field-rules.spec.ts breaks every field; this file stands for the
 * error rules themselves.)
 */
import { randomUUID } from 'node:crypto';
import { operations, type OperationId } from '../../gen/operations.js';
import type { RuleId } from '../../gen/catalogue.js';
import type { FieldConstraint } from '../../lib/contracts/registry.js';
import { errorCodeIs, responseConformsToContract, statusIs } from '../../lib/checks/index.js';
import { test, expect, rule } from '../../fixtures/index.js';
import { testObjectId } from '../../fixtures/d1.js';
import { asCallParts, breakingRequest, documentedRequest, shownValue, withField, type RequestParts } from '../../fixtures/requests.js';

interface ErrorCase {
  readonly operationId: OperationId;
  readonly in: FieldConstraint['in'];
  readonly pointer: string;
  readonly keyword: FieldConstraint['keyword'];
  /** The value sent; when absent, the nearest value the contract refuses. */
  readonly value?: unknown;
}

interface ErrorRule {
  readonly rule: RuleId;
  readonly errorCode: 'FIELD_INVALID_FORMAT' | 'FIELD_INVALID_VALUE';
  /** The rule says the answer names the field in error. */
  readonly namesField: boolean;
  /**
   * What the rule governs: that the request is refused (400), how a refusal is answered (errorCode, only judged when
   * D1 refuses), or both (the default). A value only the suite reads as not allowed splits the two between an
   * inferred rule (refused) and the documented error rule (answered so).
   */
  readonly governs?: 'refusal' | 'answer';
  readonly cases: readonly ErrorCase[];
}

const FORMAT = 'FIELD_INVALID_FORMAT';
const VALUE = 'FIELD_INVALID_VALUE';

/** In the documented format, yet no birth date by the suite's reading: a day February does not have, and a day to come. */
const IMPOSSIBLE_BIRTH_DATES: readonly ErrorCase[] = [
  { operationId: 'registerConsumer', in: 'body', pointer: '/consumerInfo/dateOfBirth', keyword: 'pattern', value: '1990-02-30' },
  { operationId: 'registerConsumer', in: 'body', pointer: '/consumerInfo/dateOfBirth', keyword: 'pattern', value: '2999-01-25' },
];

const errorRules: readonly ErrorRule[] = [
  {
    rule: 'CARD-CREATE-REGISTER-ERROR-FORMAT',
    errorCode: FORMAT,
    namesField: true,
    cases: [
      { operationId: 'createCard', in: 'body', pointer: '/consumerId', keyword: 'pattern' },
      { operationId: 'registerCard', in: 'path', pointer: '/cardId', keyword: 'pattern' },
      { operationId: 'registerCard', in: 'body', pointer: '/encryptedData', keyword: 'pattern', value: 'not-a-jwe' },
    ],
  },
  {
    rule: 'CARD-CREATE-ERROR-VALUE',
    errorCode: VALUE,
    namesField: false,
    cases: [{ operationId: 'createCard', in: 'body', pointer: '/state', keyword: 'enum', value: 'SUSPENDED' }],
  },
  {
    rule: 'CARD-RENEW-REPLACE-ERROR-FORMAT',
    errorCode: FORMAT,
    namesField: true,
    cases: [
      { operationId: 'renewCard', in: 'path', pointer: '/cardId', keyword: 'pattern' },
      { operationId: 'replaceCard', in: 'body', pointer: '/newCardId', keyword: 'pattern' },
    ],
  },
  {
    rule: 'CARD-DELETE-ERROR-FORMAT',
    errorCode: FORMAT,
    namesField: true,
    cases: [
      { operationId: 'deleteCard', in: 'path', pointer: '/cardId', keyword: 'pattern' },
      { operationId: 'deleteCard', in: 'body', pointer: '/reasonCode', keyword: 'type', value: 42 },
    ],
  },
  {
    rule: 'CARD-SUSPEND-RESUME-ERROR-FORMAT',
    errorCode: FORMAT,
    namesField: true,
    cases: [
      { operationId: 'suspendCard', in: 'path', pointer: '/cardId', keyword: 'pattern' },
      { operationId: 'resumeCard', in: 'header', pointer: '/x-correlation-id', keyword: 'pattern' },
    ],
  },
  {
    rule: 'CARD-SUSPEND-RESUME-ERROR-VALUE',
    errorCode: VALUE,
    namesField: false,
    // Each one a reason of the other operation, so a plausible mix-up.
    cases: [
      { operationId: 'suspendCard', in: 'body', pointer: '/reasonCode', keyword: 'enum', value: 'CARD_FOUND' },
      { operationId: 'resumeCard', in: 'body', pointer: '/reasonCode', keyword: 'enum', value: 'CARD_STOLEN' },
    ],
  },
  {
    rule: 'CARD-OPERATION-ERROR-FORMAT',
    errorCode: FORMAT,
    namesField: false,
    cases: [{ operationId: 'getCardOperation', in: 'path', pointer: '/operationId', keyword: 'pattern' }],
  },
  {
    rule: 'CARD-OPERATIONS-ERROR-FORMAT',
    errorCode: FORMAT,
    namesField: false,
    cases: [{ operationId: 'getCardOperations', in: 'query', pointer: '/limit', keyword: 'type', value: 'ten' }],
  },
  {
    rule: 'CONSUMER-REGISTER-ERROR-FORMAT',
    errorCode: FORMAT,
    namesField: true,
    cases: [
      { operationId: 'registerConsumer', in: 'path', pointer: '/consumerId', keyword: 'pattern' },
      { operationId: 'registerConsumer', in: 'header', pointer: '/x-correlation-id', keyword: 'pattern' },
    ],
  },
  {
    rule: 'CONSUMER-REGISTER-DATEOFBIRTH-VALUE',
    errorCode: VALUE,
    namesField: false,
    governs: 'refusal',
    cases: IMPOSSIBLE_BIRTH_DATES,
  },
  {
    rule: 'CONSUMER-REGISTER-ERROR-VALUE',
    errorCode: VALUE,
    namesField: false,
    // The documents say how a value that is not allowed is refused, not which values are: the answer is judged when D1 refuses.
    governs: 'answer',
    cases: IMPOSSIBLE_BIRTH_DATES,
  },
  {
    rule: 'CONSUMER-DELETE-ERROR-FORMAT',
    errorCode: FORMAT,
    namesField: true,
    cases: [{ operationId: 'deleteConsumer', in: 'body', pointer: '/reason', keyword: 'pattern' }],
  },
  {
    rule: 'CONSUMER-DELETE-ERROR-VALUE',
    errorCode: VALUE,
    namesField: false,
    cases: [{ operationId: 'deleteConsumer', in: 'body', pointer: '/reasonCode', keyword: 'enum', value: 'FRAUD' }],
  },
  {
    rule: 'CONSUMER-UPDATE-ERROR-FORMAT',
    errorCode: FORMAT,
    namesField: true,
    cases: [{ operationId: 'updateConsumer', in: 'path', pointer: '/consumerId', keyword: 'pattern' }],
  },
  {
    rule: 'CONSUMER-CARDS-ERROR-FORMAT',
    errorCode: FORMAT,
    namesField: true,
    cases: [{ operationId: 'getCardList', in: 'path', pointer: '/consumerId', keyword: 'pattern' }],
  },
  {
    rule: 'CONSUMER-OPERATION-ERROR-FORMAT',
    errorCode: FORMAT,
    namesField: true,
    cases: [{ operationId: 'getConsumerOperation', in: 'path', pointer: '/operationId', keyword: 'pattern' }],
  },
  {
    rule: 'CONSUMER-OPERATIONS-ERROR-FORMAT',
    errorCode: FORMAT,
    namesField: true,
    cases: [{ operationId: 'getConsumerOperations', in: 'query', pointer: '/offset', keyword: 'type', value: 'first' }],
  },
];

/** The contract's constraint on the field, and the id of the field rule it encodes. */
function fieldOf(c: ErrorCase): { ruleId: string; field: FieldConstraint } {
  const found = Object.entries(operations[c.operationId].fields).find(
    ([, f]) => f.in === c.in && f.pointer === c.pointer && f.keyword === c.keyword,
  );
  if (!found) throw new Error(`the ${c.operationId} contract has no ${c.keyword} constraint on ${c.in} ${c.pointer}`);
  return { ruleId: found[0], field: found[1] };
}

/** The documented request with fresh identifiers, so that nothing it names belongs to another test. */
function freshRequest(operationId: OperationId, issuerId: string): RequestParts {
  const request = documentedRequest(operationId, issuerId);
  for (const [name, prefix] of [
    ['cardId', 'crd'],
    ['consumerId', 'cns'],
  ] as const) {
    if (name in request.path) request.path[name] = testObjectId(prefix);
  }
  const body = request.body as Record<string, unknown> | undefined;
  if (body && typeof body.consumerId === 'string') body.consumerId = testObjectId('cns');
  if ('x-correlation-id' in request.headers) request.headers['x-correlation-id'] = randomUUID();
  return request;
}

/** How D1 names a field in error: its own name, without the objects around it. */
const nameOf = (pointer: string): string =>
  pointer
    .split('/')
    .filter((s) => s !== '' && s !== '*')
    .pop() ?? pointer;

for (const errorRule of errorRules) {
  const answer = errorRule.errorCode === FORMAT ? `400 ${FORMAT}${errorRule.namesField ? ' naming the field' : ''}` : `400 ${VALUE}`;
  const statement =
    errorRule.governs === 'refusal'
      ? 'is refused with 400'
      : errorRule.governs === 'answer'
        ? `is answered, when refused, with ${answer}`
        : `is refused with ${answer}`;
  test(`${errorRule.rule}: a request with one field in error ${statement}`, rule(errorRule.rule), async ({ d1 }) => {
    for (const c of errorRule.cases) {
      const { ruleId, field } = fieldOf(c);
      const base = freshRequest(c.operationId, d1.issuerId);
      const broken =
        c.value === undefined ? breakingRequest(c.operationId, ruleId, base) : { request: withField(base, field, c.value), value: c.value };
      expect(broken, `the contract gives a value that breaks ${ruleId}`).toBeDefined();
      if (!broken) continue;
      await test.step(`${c.operationId} with ${c.in} ${c.pointer} = ${shownValue(c.pointer, broken.value)}`, async () => {
        const response = await d1.client.call(c.operationId, asCallParts(broken.request));
        if (errorRule.governs === 'answer' && response.status < 300) {
          test.info().annotations.push({
            type: 'not judged',
            description: `D1 accepted ${shownValue(c.pointer, broken.value)}; which values are refused is not this rule's business`,
          });
          return;
        }
        statusIs(errorRule.rule, response, 400);
        if (errorRule.governs === 'refusal') return;
        errorCodeIs(errorRule.rule, response, errorRule.errorCode, errorRule.namesField ? nameOf(c.pointer) : undefined);
        responseConformsToContract(c.operationId, response);
      });
    }
  });
}
