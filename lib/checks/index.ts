/**
 * The checks the suites run, registered in one place. Each is a named function of one shape: it takes what the
 * target answered and the rule it stands for, and throws a RuleViolation stating documented against received.
 * None of them knows the target: the same check runs against the mocks, a real D1 or a bank's backend.
 */
import type { RuleId } from '../../gen/catalogue.js';
import type { OperationId } from '../../gen/operations.js';
import type { HttpResponse } from '../http/client.js';
import { describeReceived, validateResponse } from '../validation/index.js';
import { departureOf, RuleViolation } from './rule-violation.js';
import { testScope } from './test-scope.js';

export { RuleViolation } from './rule-violation.js';
export { knownRule, type RuleFailure } from './rule-failure.js';

const bodyOf = (response: HttpResponse): unknown => response.json ?? (response.text === '' ? undefined : response.text);

/**
 * The answer follows the operation's contract: a documented status, media type and body. Within a test, only the
 * violations of the rules the test stands for fail it; the others are kept as departures, each reported once under
 * its own rule, so that one deviation never fails every test that happens to see the same answer.
 */
export function responseConformsToContract(operationId: OperationId, response: HttpResponse): void {
  const violations = validateResponse(operationId, { status: response.status, headers: response.headers, body: bodyOf(response) });
  const owned = violations.filter((v) => testScope.owns(v.ruleId));
  for (const other of violations) if (!testScope.owns(other.ruleId)) testScope.recordDeparture(departureOf(other));
  // A documented violation speaks first, so that an inferred one never decides a failed certification alone.
  const first = owned.find((v) => v.provenance === 'documented') ?? owned[0];
  if (first) throw new RuleViolation(first.ruleId, `${first.part} ${first.pointer}`, first.documented, first.received, owned, operationId);
}

/** The answer has the status the rule documents. */
export function statusIs(ruleId: RuleId, response: HttpResponse, expected: number | readonly number[]): void {
  const allowed = typeof expected === 'number' ? [expected] : expected;
  if (!allowed.includes(response.status)) {
    throw new RuleViolation(
      ruleId,
      'status',
      `status ${allowed.join(' or ')}`,
      `status ${response.status}${response.text ? ` with body ${describeReceived(bodyOf(response))}` : ''}`,
    );
  }
}

/** A D1 error answer carries the documented errorCode (and, when given, names the field in error). */
export function errorCodeIs(ruleId: RuleId, response: HttpResponse, errorCode: string, field?: string): void {
  const body = (response.json ?? {}) as { errorCode?: unknown; error?: unknown };
  if (body.errorCode !== errorCode) throw new RuleViolation(ruleId, '/errorCode', errorCode, describeReceived(body.errorCode));
  if (field !== undefined && body.error !== field)
    throw new RuleViolation(ruleId, '/error', `the field in error, ${field}`, describeReceived(body.error));
}

/** A value the rule fixes has the documented value. */
export function valueIs(ruleId: RuleId, pointer: string, received: unknown, documented: unknown): void {
  if (JSON.stringify(received) !== JSON.stringify(documented)) {
    throw new RuleViolation(ruleId, pointer, describeReceived(documented), describeReceived(received));
  }
}

/** A value the rule constrains is one of the documented ones. */
export function valueIsOneOf(ruleId: RuleId, pointer: string, received: unknown, documented: readonly unknown[]): void {
  if (!documented.some((d) => JSON.stringify(d) === JSON.stringify(received))) {
    throw new RuleViolation(ruleId, pointer, `one of ${documented.map((d) => describeReceived(d)).join(', ')}`, describeReceived(received));
  }
}

/** A condition the rule states holds; `documented` and `received` say what was expected and seen. */
export function holds(ruleId: RuleId, condition: boolean, pointer: string, documented: string, received: string): void {
  if (!condition) throw new RuleViolation(ruleId, pointer, documented, received);
}

/**
 * The immediate answer of an asynchronous write names its operation: an `operationId` and a `status`, both strings.
 * Returns the operationId, for the getter that reads the operation back.
 */
export function answersAnOperation(ruleId: RuleId, accepted: Readonly<Record<string, unknown>>): string {
  holds(
    ruleId,
    typeof accepted.operationId === 'string',
    '/operationId',
    'an operationId in the immediate answer',
    shown(accepted.operationId),
  );
  holds(ruleId, typeof accepted.status === 'string', '/status', 'a status in the immediate answer', shown(accepted.status));
  return String(accepted.operationId);
}

const shown = (value: unknown): string => JSON.stringify(value) ?? 'absent';

/**
 * A request without valid credentials is not served: any 2xx is the failure, whatever its body. Which refusal comes
 * back (401, 403, 400) is another rule's business, so that one deviation fails one rule.
 */
export function notServed(ruleId: RuleId, response: HttpResponse, what: string): void {
  const served = response.status >= 200 && response.status < 300;
  const token = typeof (response.json as { access_token?: unknown } | undefined)?.access_token === 'string';
  if (served || token) {
    throw new RuleViolation(
      ruleId,
      'status',
      `a refusal: ${what} is not served without valid credentials`,
      `status ${response.status}${token ? ' with an access_token' : ''}`,
    );
  }
}
