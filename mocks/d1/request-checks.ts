import type { ValidateFunction } from 'ajv';
import { operations, type OperationId } from '../../gen/operations.js';
import { validators } from '../../gen/validators/index.js';
import type { FieldConstraint } from '../../lib/contracts/registry.js';
import { CARD_NUMBER_SHAPE } from '../../lib/card-data.js';
import { mediaTypeOf, validateRequest, type RequestUnderTest, type Violation } from '../../lib/validation/index.js';
import type { Answer } from '../http/server.js';
import { d1Error, fieldRefused, violationAnswer, type Json } from './answers.js';
import type { D1Fault } from './faults.js';
import type { D1VariantSettings } from './variants.js';

/** The identifiers a call carries, where the contract documents a pattern for them. */
const IDENTIFIERS = new Set(['issuerId', 'cardId', 'consumerId', 'newCardId', 'operationId', 'x-correlation-id']);
/** The identifiers the documents forbid to be a card number (a cardId must not be the PAN). */
const PAN_SHAPED_CARRIERS = new Set(['cardId', 'newCardId', 'consumerId']);

const lastSegment = (pointer: string): string => pointer.split('/').pop() ?? '';

/** The values found at a catalogue pointer (`*` stands for every item of a list). */
function valuesAt(data: unknown, pointer: string): unknown[] {
  let current: unknown[] = [data];
  for (const segment of pointer.split('/').slice(1)) {
    current = current.flatMap((value) => {
      if (segment === '*') return Array.isArray(value) ? (value as unknown[]) : [];
      return value !== null && typeof value === 'object' && Object.hasOwn(value, segment) ? [(value as Json)[segment]] : [];
    });
  }
  return current;
}

function partOf(request: RequestUnderTest, field: FieldConstraint): unknown {
  if (field.in === 'path') return request.path;
  if (field.in === 'query') return request.query;
  if (field.in === 'header') return request.headers;
  return field.in === 'body' ? request.body : undefined;
}

/** Each (field, value) of the request the contract constrains, once per place. */
function constrainedValues(operationId: OperationId, request: RequestUnderTest): { field: FieldConstraint; value: string }[] {
  const seen = new Set<string>();
  const found: { field: FieldConstraint; value: string }[] = [];
  for (const field of Object.values(operations[operationId].fields)) {
    if (field.in === 'response') continue;
    const key = `${field.in}:${field.pointer}`;
    if (seen.has(key)) continue;
    seen.add(key);
    for (const value of valuesAt(partOf(request, field), field.pointer)) if (typeof value === 'string') found.push({ field, value });
  }
  return found;
}

const anchored = (pattern: string): RegExp => new RegExp(`^(?:${pattern.replace(/^\^/, '').replace(/(?<!\\)\$$/, '')})$`, 'u');

/** The contract's cardholder-name pattern, which also bounds the length; the fault below lets the length go. */
const cardholderName = operations.clickToPayEnrol.fields['CTP-ENROL-NAME-PATTERN'];
const CARDHOLDER_NAME = new RegExp(cardholderName?.schema.pattern ?? '', 'u');
const NAME_CHUNK = cardholderName?.schema.maxLength ?? 1;

/** A name made only of the characters the contract allows, however long: each slice of allowed length matches. */
function hasAllowedCharacters(name: string): boolean {
  const characters = [...name];
  for (let start = 0; start < characters.length; start += NAME_CHUNK) {
    if (!CARDHOLDER_NAME.test(characters.slice(start, start + NAME_CHUNK).join(''))) return false;
  }
  return characters.length > 0;
}

/** The generated validators of one operation's request, looked up once: the parameters' by place, the body's by media type. */
interface RequestValidators {
  readonly parameters: readonly { readonly place: string; readonly validate: ValidateFunction }[];
  readonly bodies: ReadonlyMap<string, ValidateFunction>;
  /** The media type assumed for a body sent without one, when the operation takes only one. */
  readonly onlyMediaType: string | undefined;
  readonly bodyRequired: boolean;
}

const validatorNamed = (name: string): ValidateFunction => {
  const validate = validators[name];
  if (!validate) throw new Error(`generated validator ${name} is missing: run npm run generate`);
  return validate;
};

const requestValidators = new Map<OperationId, RequestValidators>();

function validatorsOf(operationId: OperationId): RequestValidators {
  let found = requestValidators.get(operationId);
  if (!found) {
    const entry = operations[operationId];
    const mediaTypes = Object.keys(entry.validators.requestBody);
    found = {
      parameters: Object.entries(entry.validators.parameters).map(([place, name]) => ({ place, validate: validatorNamed(name) })),
      bodies: new Map(Object.entries(entry.validators.requestBody).map(([mediaType, name]) => [mediaType, validatorNamed(name)])),
      onlyMediaType: mediaTypes.length === 1 ? mediaTypes[0] : undefined,
      bodyRequired: entry.requestBodyRequired,
    };
    requestValidators.set(operationId, found);
  }
  return found;
}

/**
 * The verdicts of the path validators on path parameters that cannot change: the mock D1's route cache hands the same
 * frozen parameters for every request to one path (and one path is one operation), so a path is judged once.
 */
const pathVerdicts = new WeakMap<object, boolean>();

function pathConforms(validate: ValidateFunction, path: RequestUnderTest['path']): boolean {
  if (path === undefined || !Object.isFrozen(path)) return validate({ ...path });
  let verdict = pathVerdicts.get(path);
  if (verdict === undefined) {
    verdict = validate({ ...path });
    pathVerdicts.set(path, verdict);
  }
  return verdict;
}

/**
 * Whether validateRequest would find no violation: the same generated validators on the same data, without describing
 * violations. A conforming request, the usual one, takes only this; a request that does not conform goes through
 * validateRequest for its violations.
 *
 * The path and query are copies, since the parameters' validators coerce in place. The headers are Node's own, checked
 * as they are rather than copied as validateRequest copies them (names lowercased, lists joined): Node has lowercased
 * their names already, and their values are strings, which no coercion rewrites. Only set-cookie is a list, which no
 * contract declares; a declared header given as a list would fail here and so go to validateRequest, which joins it.
 */
function conforms(operationId: OperationId, request: RequestUnderTest): boolean {
  const { parameters, bodies, onlyMediaType, bodyRequired } = validatorsOf(operationId);
  for (const { place, validate } of parameters) {
    if (place === 'path') {
      if (!pathConforms(validate, request.path)) return false;
      continue;
    }
    const data = place === 'query' ? { ...request.query } : place === 'header' ? (request.headers ?? {}) : undefined;
    if (!validate(data)) return false;
  }
  if (bodies.size === 0) return true;
  const hasBody = request.body !== undefined && request.body !== '';
  if (!hasBody && !bodyRequired) return true;
  const mediaType = mediaTypeOf(request.headers) ?? onlyMediaType;
  const validate = mediaType === undefined ? undefined : bodies.get(mediaType);
  return validate !== undefined && validate(hasBody ? request.body : {});
}

/**
 * The mock D1's checks of a request before its endpoint runs: the contract's validators (some planted faults let a
 * violation through), then what the variants add. Answers the refusal, or undefined when the request may go on.
 */
export class RequestChecks {
  constructor(
    private readonly faults: ReadonlySet<D1Fault>,
    private readonly settings: D1VariantSettings['requests'],
    private readonly acceptInferredDepartures = false,
  ) {}

  /** `request.headers` are the headers as Node hands them to a server (IncomingMessage#headers). */
  refusal(operationId: OperationId, request: RequestUnderTest): Answer | undefined {
    if (!conforms(operationId, request)) {
      const first = this.relevantViolations(operationId, validateRequest(operationId, request), request.body)[0];
      if (first) return violationAnswer(first);
    }
    return this.variantRefusal(operationId, request);
  }

  /** The status of a body in a media type the operation does not take: 400 unless a variant answers 415. */
  wrongMediaType(field: string): Answer {
    if (this.settings.wrongMediaTypeStatus === 415) return { status: 415, body: d1Error('UNSUPPORTED_MEDIA_TYPE', field) };
    return fieldRefused('FIELD_INVALID_FORMAT', field);
  }

  /**
   * The request violations the mock answers 400 to; planted faults let some through, and so does the recording mock
   * every departure from an inferred rule (our reading, which a bank following the documents may not share).
   */
  private relevantViolations(operationId: OperationId, found: Violation[], body: unknown): Violation[] {
    const violations = this.acceptInferredDepartures
      ? found.filter((v) => !(v.ruleId !== undefined && v.provenance === 'inferred'))
      : found;
    if (operationId !== 'clickToPayEnrol') return violations;
    return violations.filter((v) => {
      if (v.ruleId === 'CTP-ENROL-ISSUERID-LENGTH' && this.faults.has('enrol-issuer-id-length-unchecked')) return false;
      if (this.faults.has('enrol-name-length-unchecked') && v.pointer === '/name') {
        // Only the length is let go: a name of allowed characters, however long, passes.
        const name = (body as Json | undefined)?.name;
        return !(typeof name === 'string' && hasAllowedCharacters(name));
      }
      return true;
    });
  }

  /** What the legitimate variants refuse beyond the contract's own validators. */
  private variantRefusal(operationId: OperationId, request: RequestUnderTest): Answer | undefined {
    const { anchoredIds, lengthUnit, panLikeIdsRefused } = this.settings;
    if (!anchoredIds && lengthUnit === 'code-point' && !panLikeIdsRefused) return undefined;
    for (const { field, value } of constrainedValues(operationId, request)) {
      const name = lastSegment(field.pointer);
      const { pattern, maxLength } = field.schema;
      if (anchoredIds && IDENTIFIERS.has(name) && pattern !== undefined && !anchored(pattern).test(value))
        return fieldRefused('FIELD_INVALID_FORMAT', name);
      // A UTF-16 count is never below the code-point count the validators used, so only the maximum can now be passed.
      if (lengthUnit === 'utf16' && maxLength !== undefined && value.length > maxLength) return fieldRefused('FIELD_INVALID_FORMAT', name);
      if (panLikeIdsRefused && PAN_SHAPED_CARRIERS.has(name) && CARD_NUMBER_SHAPE.test(value))
        return fieldRefused('FIELD_INVALID_VALUE', name);
    }
    return undefined;
  }
}
