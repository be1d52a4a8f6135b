/**
 * Properties of every pattern, length and enum rule of the D1 requests (path, headers, body): realistic values drawn
 * from the contract's own constraint are not refused for that constraint, and values one step outside it are refused
 * with 400 and the documented errorCode. Each generated request is first judged by the generated validators, so a
 * generator bug never passes for a target bug.
 */
import fc from 'fast-check';
import { operations, type OperationId } from '../../gen/operations.js';
import { rules } from '../../gen/catalogue.js';
import { test, rule, uniqueId, type D1Party, type ResolvedTargets } from '../../fixtures/index.js';
import { testObjectId } from '../../fixtures/d1.js';
import { asCallParts, documentedRequest, shownValue, withField, type RequestParts } from '../../fixtures/requests.js';
import { isSensitiveKey } from '../../lib/redaction.js';
import { CARD_NUMBER_SHAPE, encryptCardData } from '../../lib/card-data.js';
import { errorCodeIs, knownRule, responseConformsToContract, RuleViolation, statusIs } from '../../lib/checks/index.js';
import type { FieldConstraint } from '../../lib/contracts/registry.js';
import type { HttpResponse } from '../../lib/http/client.js';
import { fieldValueArb } from './arbitraries/field-value-arb.js';
import { nearMissArb } from './arbitraries/near-miss-arb.js';
import { contractAccepts, contractRefusesUnder } from './contract-judge.js';
import { INDEPENDENT_CASES_IN_FLIGHT } from './concurrent-check.js';
import { assertProperty, type PropertyBounds } from './replay.js';

// Each case makes its own consumer, card and operation ids, so cases can run at once.
const BOUNDS: PropertyBounds = { numRuns: 15, timeLimitMs: 5_000, concurrency: INDEPENDENT_CASES_IN_FLIGHT };
const KEYWORDS = new Set(['pattern', 'length', 'enum']);
const CARRIERS = { path: 'path', header: 'header', body: 'body' } as const;
type RequestPart = keyof typeof CARRIERS;

/** Identifiers the documents forbid to be a card number; a D1 may refuse one shaped like it (13 to 19 digits). */
const NOT_A_CARD_NUMBER = new Set(['cardId', 'newCardId', 'consumerId']);

/** A value a real issuer would send in the field: of the documented form, and no identifier shaped like a card number. */
const realisticFor =
  (field: FieldConstraint) =>
  (value: unknown): boolean =>
    !(typeof value === 'string' && NOT_A_CARD_NUMBER.has(field.pointer.split('/').pop() ?? '') && CARD_NUMBER_SHAPE.test(value));

/** The names of the request's fields, as D1 would name one in error. */
function fieldNames(request: RequestParts): Set<string> {
  const names = new Set<string>([
    ...Object.keys(request.path),
    ...Object.keys(request.query ?? {}),
    ...Object.keys(request.headers).map((h) => h.toLowerCase()),
  ]);
  const walk = (value: unknown): void => {
    if (value === null || typeof value !== 'object') return;
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
      names.add(key.toLowerCase());
      walk(item);
    }
  };
  walk(request.body);
  return names;
}

/**
 * Whether a 400 refuses the field for what its rule governs: its format (FIELD_INVALID_FORMAT), or for an enum its
 * value. A refusal of another kind (FIELD_INVALID_VALUE of a pattern field: a well-formed value D1 cannot use), or one
 * naming another field of the request, is not this rule's business; an answer that names nothing counts against it,
 * since the field is the only one changed from the documented request.
 */
function refusedForItsRule(response: HttpResponse, field: FieldConstraint, request: RequestParts): boolean {
  if (response.status !== 400) return false;
  const { errorCode, error } = (response.json ?? {}) as { errorCode?: unknown; error?: unknown };
  const governing = field.keyword === 'enum' ? ['FIELD_INVALID_VALUE', 'FIELD_INVALID_FORMAT'] : ['FIELD_INVALID_FORMAT'];
  if (typeof errorCode === 'string' && errorCode !== '-' && !governing.includes(errorCode)) return false;
  const own = (field.pointer.split('/').pop() ?? '').toLowerCase();
  const named = typeof error === 'string' ? error.trim().toLowerCase() : '';
  return !(named !== own && fieldNames(request).has(named));
}

/** A card number for the encrypted card data of the base requests; its scheme does not matter to validation. */
const TEST_PAN = '4111111111111111';

const known = new Set<string>(rules.map((r) => r.id));

/** The documented request of the operation, made usable: fresh resources, a fresh assertion, real card data. */
async function baseRequest(operationId: OperationId, d1: D1Party, targets: ResolvedTargets): Promise<RequestParts> {
  const request = documentedRequest(operationId, d1.issuerId);
  // Fresh identifiers, so that no run touches a consumer or card that another test created, deleted or enrolled.
  for (const [name, prefix] of [
    ['consumerId', 'cns'],
    ['cardId', 'crd'],
    ['operationId', 'op'],
  ] as const) {
    if (name in request.path) request.path[name] = prefix === 'op' ? uniqueId(prefix) : testObjectId(prefix);
  }
  const body = request.body as Record<string, unknown> | undefined;
  if (body) {
    if ('consumerId' in body) body.consumerId = testObjectId('cns');
    if ('newCardId' in body) body.newCardId = testObjectId('crd');
    if ('cardProductId' in body) body.cardProductId = targets.d1.cardProductId;
    if ('encryptedData' in body && targets.d1.cardDataJwk)
      body.encryptedData = await encryptCardData(targets.d1.cardDataJwk, { pan: TEST_PAN, expiry: '1230' });
    if (operationId === 'getToken') body.assertion = await d1.client.assertion();
  }
  return request;
}

function send(d1: D1Party, operationId: OperationId, request: RequestParts): Promise<HttpResponse> {
  return operationId === 'getToken'
    ? d1.client.requestTokenWith(request.body, request.headers)
    : d1.client.call(operationId, asCallParts(request));
}

const describeSchema = (field: FieldConstraint): string => {
  const { pattern, minLength, maxLength, enum: values } = field.schema;
  if (field.keyword === 'enum') return `one of ${(values ?? []).map(String).join(', ')}`;
  if (field.keyword === 'pattern') return `matches ${pattern ?? ''}`;
  return minLength === maxLength ? `exactly ${minLength ?? '?'} characters` : `${minLength ?? 0} to ${maxLength ?? '∞'} characters`;
};

/** The error rule an operation names for this kind of refusal, when the catalogue has one. */
function errorRuleOf(operationId: OperationId, keyword: string): string | undefined {
  const suffix = keyword === 'enum' ? '-ERROR-VALUE' : '-ERROR-FORMAT';
  return operations[operationId].rules.find((id) => id.endsWith(suffix) && known.has(id));
}

for (const operationId of Object.keys(operations) as OperationId[]) {
  const entry = operations[operationId];
  if (entry.party !== 'd1') continue;
  const fields = Object.entries(entry.fields).filter(([, f]) => f.in in CARRIERS && KEYWORDS.has(f.keyword));
  if (fields.length === 0) continue;
  const needsCardData = Object.keys(entry.fields).some((id) => entry.fields[id]?.pointer === '/encryptedData');

  test.describe(`${operationId} field properties`, () => {
    for (const [id, field] of fields) {
      const ruleId = knownRule(id);
      const carrier = CARRIERS[field.in as RequestPart];
      const where = `${field.in} ${field.pointer}`;
      const errorCode = field.keyword === 'enum' ? 'FIELD_INVALID_VALUE' : 'FIELD_INVALID_FORMAT';
      const errorRule = errorRuleOf(operationId, field.keyword);

      test(
        `${ruleId} ${operationId}: values of ${where} within its ${field.keyword} are not refused`,
        rule(ruleId),
        async ({ d1, targets }) => {
          test.skip(needsCardData && !targets.d1.cardDataJwk, 'needs the card-data key (D1_CARD_DATA_KEY) to build an acceptable request');
          await assertProperty(
            targets.config,
            fc.asyncProperty(fieldValueArb(field.schema, carrier, { realistic: true }).filter(realisticFor(field)), async (value) => {
              const request = withField(await baseRequest(operationId, d1, targets), field, value);
              contractAccepts(operationId, request, `${where} = ${shownValue(field.pointer, value)}`);
              const response = await send(d1, operationId, request);
              // Any other answer (401/403/404 for an issuerId not the caller's, a value D1 cannot use) is not this rule's.
              if (!refusedForItsRule(response, field, request)) return;
              throw new RuleViolation(
                ruleId,
                where,
                `a value that ${describeSchema(field)} is not refused for its ${field.keyword}`,
                `status 400 with body ${response.text}`,
              );
            }),
            { ...BOUNDS, personalValues: isSensitiveKey(field.pointer.split('/').pop() ?? '') },
          );
        },
      );

      const errorRuleId = errorRule ? knownRule(errorRule) : undefined;
      const tags = errorRuleId ? rule(ruleId, errorRuleId) : rule(ruleId);
      const answer = operationId === 'getToken' ? '400' : `400 ${errorCode}`;
      test(
        `${ruleId} ${operationId}: ${where} one step outside its ${field.keyword} is refused with ${answer}`,
        tags,
        async ({ d1, targets }) => {
          test.skip(
            needsCardData && !targets.d1.cardDataJwk,
            'needs the card-data key (D1_CARD_DATA_KEY) to build an otherwise acceptable request',
          );
          await assertProperty(
            targets.config,
            fc.asyncProperty(nearMissArb(field.schema, field.keyword, carrier, { realistic: true }), async (miss) => {
              const request = withField(await baseRequest(operationId, d1, targets), field, miss.value);
              contractRefusesUnder(operationId, ruleId, request, `${where} = ${shownValue(field.pointer, miss.value)} (${miss.step})`);
              const response = await send(d1, operationId, request);
              statusIs(ruleId, response, 400);
              responseConformsToContract(operationId, response);
              // The token endpoint answers OAuth errors, whose codes D1-TOKEN-ERROR-BAD-REQUEST covers elsewhere.
              if (operationId !== 'getToken') errorCodeIs(errorRuleId ?? ruleId, response, errorCode);
            }),
            { ...BOUNDS, personalValues: isSensitiveKey(field.pointer.split('/').pop() ?? '') },
          );
        },
      );
    }
  });
}
