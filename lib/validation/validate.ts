import type { ErrorObject, ValidateFunction } from 'ajv';
import { operations, type OperationId } from '../../gen/operations.js';
import { validators } from '../../gen/validators/index.js';
import { rules, type RuleId } from '../../gen/catalogue.js';
import type { Provenance } from '../catalogue/load.js';
import type { OperationRegistryEntry } from '../contracts/registry.js';
import { describeReceived, type Violation } from './violation.js';

export type HeaderValues = Readonly<Record<string, string | readonly string[] | undefined>>;

export interface RequestUnderTest {
  readonly path?: Readonly<Record<string, string>>;
  readonly query?: Readonly<Record<string, string | readonly string[]>>;
  readonly headers?: HeaderValues;
  /** Parsed body: the JSON value, or the fields of a form. */
  readonly body?: unknown;
}

export interface ResponseUnderTest {
  readonly status: number;
  readonly headers?: HeaderValues;
  readonly body?: unknown;
}

type OperationEntry = OperationRegistryEntry;

const provenanceByRule = new Map<string, Provenance>(rules.map((r) => [r.id, r.provenance]));

export function isOperationId(value: string): value is OperationId {
  return Object.hasOwn(operations, value);
}

function entryOf(operationId: string): OperationEntry {
  if (!isOperationId(operationId)) throw new Error(`unknown operation "${operationId}": no contract declares it`);
  return operations[operationId];
}

function validatorOf(name: string): ValidateFunction {
  const validate = validators[name];
  if (!validate) throw new Error(`generated validator ${name} is missing: run npm run generate`);
  return validate;
}

/** The media type without parameters, lowercased: `application/json; charset=utf-8` -> `application/json`. */
export function mediaTypeOf(headers: HeaderValues | undefined): string | undefined {
  const raw = headerValue(headers, 'content-type');
  // The usual value has no parameters and is lowercase already: taken as it is, without splitting it.
  if (raw === 'application/json') return raw;
  return raw?.split(';')[0]?.trim().toLowerCase() || undefined;
}

function headerValue(headers: HeaderValues | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  // Node hands a server its headers with lowercase names: the direct lookup is the usual case, and the cheap one.
  const direct = Object.hasOwn(headers, name) ? headers[name] : undefined;
  if (typeof direct === 'string') return direct;
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== name) continue;
    return Array.isArray(value) ? (value as readonly string[]).join(', ') : (value as string | undefined);
  }
  return undefined;
}

const lowercaseHeaders = (headers: HeaderValues | undefined): Record<string, string> =>
  Object.fromEntries(
    Object.entries(headers ?? {})
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? (v as readonly string[]).join(', ') : (v as string)]),
  );

const KEYWORD_FAMILY: Readonly<Record<string, string>> = {
  minLength: 'length',
  maxLength: 'length',
  minItems: 'items',
  maxItems: 'items',
};

/** Array indexes become `*`, as the catalogue writes them. */
const normalisePointer = (pointer: string): string => pointer.replace(/\/\d+(?=\/|$)/g, '/*');

/** Which of a field's rules stands for an error no rule of its own names (a wrong type, mostly), best first. */
const FALLBACK_ORDER = ['type', 'enum', 'format', 'pattern', 'length', 'items'] as const;

function findRule(entry: OperationEntry, partKey: string, pointer: string, keyword: string): RuleId | undefined {
  const normalised = normalisePointer(pointer);
  const exact = entry.ruleIndex[`${partKey}:${normalised}:${keyword}`];
  if (exact) return exact as RuleId;
  // An absent field is only ever its required rule's business; other errors fall to the field's closest rule.
  if (keyword === 'required') return undefined;
  for (const candidate of FALLBACK_ORDER) {
    const rule = entry.ruleIndex[`${partKey}:${normalised}:${candidate}`];
    if (rule) return rule as RuleId;
  }
  return undefined;
}

function documentedText(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  const parent = (error.parentSchema ?? {}) as Record<string, unknown>;
  switch (error.keyword) {
    case 'pattern':
      return `matches ${String(params.pattern)}`;
    case 'minLength':
    case 'maxLength': {
      const min = parent.minLength as number | undefined;
      const max = parent.maxLength as number | undefined;
      if (min !== undefined && max !== undefined) return min === max ? `exactly ${min} characters` : `${min} to ${max} characters`;
      return error.keyword === 'minLength' ? `at least ${min} characters` : `at most ${max} characters`;
    }
    case 'minItems':
      return `at least ${String(params.limit)} items`;
    case 'maxItems':
      return `at most ${String(params.limit)} items`;
    case 'enum':
      return `one of ${(params.allowedValues as unknown[]).map((v) => String(v)).join(', ')}`;
    case 'required':
      return 'present';
    case 'type':
      return `of type ${String(params.type)}`;
    case 'format':
      return `format ${String(params.format)}`;
    case 'additionalProperties':
      return 'no undeclared property';
    default:
      return error.message ?? error.keyword;
  }
}

function violationsOf(entry: OperationEntry, validate: ValidateFunction, data: unknown, part: string): Violation[] {
  if (validate(data)) return [];
  return (validate.errors ?? []).map((error) => {
    const params = error.params as Record<string, unknown>;
    let pointer = error.instancePath;
    let received: unknown = error.data;
    if (error.keyword === 'required') {
      pointer = `${pointer}/${String(params.missingProperty)}`;
      received = undefined;
    } else if (error.keyword === 'additionalProperties') {
      pointer = `${pointer}/${String(params.additionalProperty)}`;
      received = (error.data as Record<string, unknown>)[String(params.additionalProperty)];
    }
    return plain(entry, part, pointer, KEYWORD_FAMILY[error.keyword] ?? error.keyword, documentedText(error), received);
  });
}

/** A violation of the operation's contract, charged to the rule that encodes it (`response 200` is part `response:200`). */
function plain(entry: OperationEntry, part: string, pointer: string, keyword: string, documented: string, received: unknown): Violation {
  const partKey = part.startsWith('response') ? part.replace(' ', ':') : part;
  const ruleId = findRule(entry, partKey, pointer, keyword);
  return {
    operationId: entry.operationId,
    ruleId,
    provenance: (ruleId && provenanceByRule.get(ruleId)) || 'documented',
    part,
    pointer,
    keyword,
    documented,
    received: describeReceived(received),
  };
}

/** Checks a request against its operation's contract: path, query and header parameters, and the body. */
export function validateRequest(operationId: string, request: RequestUnderTest): Violation[] {
  const entry = entryOf(operationId);
  const found: Violation[] = [];
  const parts: Record<string, unknown> = {
    path: { ...(request.path ?? {}) },
    query: { ...(request.query ?? {}) },
    header: lowercaseHeaders(request.headers),
  };
  for (const [location, name] of Object.entries(entry.validators.parameters)) {
    found.push(...violationsOf(entry, validatorOf(name), parts[location], location));
  }

  const declared = entry.validators.requestBody;
  const mediaTypes = Object.keys(declared);
  if (mediaTypes.length === 0) return found;
  const hasBody = request.body !== undefined && request.body !== '';
  if (!hasBody && !entry.requestBodyRequired) return found;
  const mediaType = mediaTypeOf(request.headers) ?? (mediaTypes.length === 1 ? mediaTypes[0] : undefined);
  // Own keys only: a Content-Type such as `constructor` names no declared media type, never Object.prototype's.
  const validatorName = mediaType && Object.hasOwn(declared, mediaType) ? declared[mediaType] : undefined;
  if (!validatorName) {
    found.push(plain(entry, 'header', '/content-type', 'content-type', `one of ${mediaTypes.join(', ')}`, mediaType));
    return found;
  }
  found.push(...violationsOf(entry, validatorOf(validatorName), hasBody ? request.body : {}, 'body'));
  return found;
}

/** Checks a response against its operation's contract: a documented status, its media type and its body. */
export function validateResponse(operationId: string, response: ResponseUnderTest): Violation[] {
  const entry = entryOf(operationId);
  const status = String(response.status);
  const documented = entry.validators.responses;
  const own = (key: string): (typeof documented)[string] | undefined => (Object.hasOwn(documented, key) ? documented[key] : undefined);
  const media = own(status) ?? own(`${status[0] ?? ''}XX`) ?? own('default');
  const part = `response ${status}`;
  if (!media) {
    return [plain(entry, part, '', 'status', `one of ${Object.keys(documented).join(', ')}`, response.status)];
  }
  const mediaTypes = Object.keys(media);
  const hasBody = response.body !== undefined && response.body !== '';
  if (mediaTypes.length === 0) {
    // A status the contract gives no content is only bodiless by definition for 204 and 304; for the others the
    // body is merely undescribed, and whatever it holds is not judged.
    return hasBody && (status === '204' || status === '304') ? [plain(entry, part, '', 'content', 'no content', response.body)] : [];
  }
  const mediaType = mediaTypeOf(response.headers) ?? (mediaTypes.length === 1 ? mediaTypes[0] : undefined);
  const validatorName = mediaType && Object.hasOwn(media, mediaType) ? media[mediaType] : undefined;
  if (!validatorName) {
    return [plain(entry, part, '/content-type', 'content-type', `one of ${mediaTypes.join(', ')}`, mediaType)];
  }
  return violationsOf(entry, validatorOf(validatorName), response.body, part);
}
