import type { OperationId } from '../../gen/operations.js';
import { describeAllContracts, type JsonSchema } from '../../lib/contracts/operations.js';
import type { Answer } from '../http/server.js';
import type { Json } from './answers.js';
import type { D1VariantSettings } from './variants.js';

/**
 * Fields the documents describe as always given, though the published schemas require none: the token itself, the
 * operationId and status of a write, a created card's id, the lists, the profile entries' content, the error fields,
 * and the members the v1 operation model marks required (operation, startTime, requestorType, requestorId).
 */
const PROMISED = new Set([
  'access_token',
  'token_type',
  'expires_in',
  'operationId',
  'status',
  'cardId',
  'operations',
  'operation',
  'startTime',
  'requestorType',
  'requestorId',
  'clickToPayProfiles',
  'cards',
  'scheme',
  'errorCode',
  'error',
]);

/** What a later version of D1 might add; a client must ignore it. */
const UNKNOWN_FIELD = { name: 'additionalInformation', value: 'a field this contract does not name' } as const;

let responseSchemas: Map<string, Record<string, Record<string, JsonSchema>>> | undefined;

function responseSchema(operationId: OperationId, status: number): JsonSchema | undefined {
  responseSchemas ??= new Map(describeAllContracts().map((operation) => [operation.operationId, operation.responses]));
  const media = responseSchemas.get(operationId)?.[String(status)];
  return media?.['application/json'];
}

const isObject = (value: unknown): value is Json => value !== null && typeof value === 'object' && !Array.isArray(value);

/** The body without the properties its schema does not require and the documents do not promise, at every level. */
function withoutOptional(value: unknown, schema: JsonSchema | undefined): unknown {
  if (Array.isArray(value)) return value.map((item) => withoutOptional(item, schema?.items as JsonSchema | undefined));
  if (!isObject(value)) return value;
  const properties = (schema?.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((schema?.required as string[] | undefined) ?? []);
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => required.has(key) || PROMISED.has(key))
      .map(([key, item]) => [key, withoutOptional(item, properties[key])]),
  );
}

/** The body with an unnamed field in every object. */
function withUnknownFields(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withUnknownFields);
  if (!isObject(value)) return value;
  return {
    ...Object.fromEntries(Object.entries(value).map(([key, item]) => [key, withUnknownFields(item)])),
    [UNKNOWN_FIELD.name]: UNKNOWN_FIELD.value,
  };
}

/** Shapes an answer as the variants say: fields left out, fields added. Without variants the answer is unchanged. */
export function shapeAnswer(settings: D1VariantSettings['answers'], operationId: OperationId, answer: Answer): Answer {
  if (!isObject(answer.body)) return answer;
  let body: unknown = answer.body;
  if (settings.optionalFieldsAbsent && answer.status < 300) body = withoutOptional(body, responseSchema(operationId, answer.status));
  if (settings.unknownFields) body = withUnknownFields(body);
  return body === answer.body ? answer : { ...answer, body: body };
}
