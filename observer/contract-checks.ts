import type { RuleId } from '../gen/catalogue.js';
import { knownRule } from '../lib/checks/rule-failure.js';
import { operations, type OperationId } from '../gen/operations.js';
import type { FieldConstraint } from '../lib/contracts/registry.js';
import { validateRequest, validateResponse, type Violation } from '../lib/validation/index.js';
import type { ArrivingCall } from './arrival.js';

/** One way one exchange departed from its operation's contract, on the issuer's side or on D1's. */
export interface ContractDeparture {
  readonly sequence: number;
  /** request: the issuer's call broke the contract; response: D1's answer did. */
  readonly side: 'request' | 'response';
  readonly violation: Violation;
}

// Every call asks of the same few pointers: each is split once.
const segmentsOf = new Map<string, readonly string[]>();

function walk(node: unknown, segments: readonly string[], index: number): boolean {
  if (index === segments.length) return node !== undefined;
  const segment = segments[index] ?? '';
  if (segment === '*') return Array.isArray(node) && node.some((item) => walk(item, segments, index + 1));
  if (!node || typeof node !== 'object' || !Object.hasOwn(node, segment)) return false;
  return walk((node as Record<string, unknown>)[segment], segments, index + 1);
}

/** Whether a JSON pointer (with `*` for any array item) leads to a value. */
function resolves(value: unknown, pointer: string): boolean {
  let segments = segmentsOf.get(pointer);
  if (!segments) segmentsOf.set(pointer, (segments = pointer.split('/').slice(1)));
  return walk(value, segments, 0);
}

const parentOf = (pointer: string): string => pointer.slice(0, pointer.lastIndexOf('/'));
const nameOf = (pointer: string): string => pointer.split('/').pop() ?? '';

/** Whether an exchange puts a field rule to the test: the part is there and so is the field (or its parent, for required). */
function exercises(exchange: ArrivingCall, operationId: OperationId, constraint: FieldConstraint): boolean {
  switch (constraint.in) {
    case 'path':
      return true;
    case 'query':
      return exchange.query[nameOf(constraint.pointer)] !== undefined;
    case 'header':
      return constraint.keyword === 'content-type'
        ? exchange.rawBody.length > 0
        : exchange.headers[nameOf(constraint.pointer)] !== undefined;
    case 'body': {
      const hasBody = exchange.body !== undefined || operations[operationId].requestBodyRequired;
      if (constraint.keyword !== 'required') return resolves(exchange.body, constraint.pointer);
      const parent = parentOf(constraint.pointer);
      return hasBody && (parent === '' || resolves(exchange.body, parent));
    }
    case 'response': {
      const response = exchange.response;
      if (!response || String(response.status) !== constraint.status) return false;
      if (constraint.keyword !== 'required') return resolves(response.json, constraint.pointer);
      const parent = parentOf(constraint.pointer);
      return parent === '' || resolves(response.json, parent);
    }
    default:
      return false;
  }
}

/** A body D1 could not read is a departure no field rule names; it is still shown. */
function unreadableBody(operationId: OperationId, reason: string): Violation {
  return {
    operationId,
    ruleId: undefined,
    provenance: 'documented',
    part: 'body',
    pointer: '',
    keyword: 'syntax',
    documented: 'a body in a declared media type that parses',
    received: reason,
  };
}

/** The request and the answer of one exchange against the operation's contract. */
export function departuresOf(exchange: ArrivingCall): ContractDeparture[] {
  const operationId = exchange.operationId;
  if (!operationId) return [];
  const departures: ContractDeparture[] = [];
  const request = (violation: Violation): void => void departures.push({ sequence: exchange.sequence, side: 'request', violation });
  if (exchange.unreadableBody !== undefined && /JSON/.test(exchange.unreadableBody)) {
    request(unreadableBody(operationId, exchange.unreadableBody));
  } else {
    // A body in a media type D1 does not take is judged as sent, so that the content-type rule names it.
    const body = exchange.unreadableBody !== undefined ? exchange.rawBody.toString('utf8') : exchange.body;
    for (const violation of validateRequest(operationId, { path: exchange.params, query: exchange.query, headers: exchange.headers, body }))
      request(violation);
  }
  const response = exchange.response;
  if (response) {
    const body = response.json ?? (response.text === '' ? undefined : response.text);
    for (const violation of validateResponse(operationId, { status: response.status, headers: response.headers, body })) {
      departures.push({ sequence: exchange.sequence, side: 'response', violation });
    }
  }
  return departures;
}

/**
 * The operation's field rules a call and its answer put to the test (a field absent from both is not), but for those
 * already known to be: once an operation's calls have exercised its rules, a call costs nothing here.
 */
export function exercisedRulesOf(call: ArrivingCall, alreadyExercised: ReadonlySet<RuleId> = new Set()): RuleId[] {
  const operationId = call.operationId;
  if (!operationId) return [];
  const exercised: RuleId[] = [];
  for (const [ruleId, constraint] of Object.entries(operations[operationId].fields)) {
    if (alreadyExercised.has(ruleId as RuleId)) continue;
    if (exercises(call, operationId, constraint)) exercised.push(knownRule(ruleId));
  }
  return exercised;
}
