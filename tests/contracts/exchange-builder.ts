import { operations, type OperationId } from '../../gen/operations.js';
import type { FieldCheck } from '../../lib/catalogue/load.js';
import type { OperationRegistryEntry } from '../../lib/contracts/registry.js';
import { validateRequest, validateResponse, type Violation } from '../../lib/validation/index.js';

type Json = Readonly<Record<string, unknown>>;

export const entryOf = (operationId: string): OperationRegistryEntry => {
  const entry = operations[operationId as OperationId] as OperationRegistryEntry | undefined;
  if (!entry) throw new Error(`unknown operation ${operationId}`);
  return entry;
};

/** A request assembled from the contract's own examples: the valid starting point every example test departs from. */
export interface ExampleRequest {
  path: Record<string, string>;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: unknown;
}

export function exampleRequest(operationId: string): ExampleRequest {
  const { examples } = entryOf(operationId);
  const [mediaType, body] = Object.entries(examples.requestBody)[0] ?? [undefined, undefined];
  const strings = (values: Json | undefined): Record<string, string> =>
    Object.fromEntries(Object.entries(values ?? {}).map(([k, v]) => [k, String(v)]));
  return structuredClone({
    path: strings(examples.parameters.path),
    query: strings(examples.parameters.query),
    headers: { ...strings(examples.parameters.header), ...(mediaType ? { 'content-type': mediaType } : {}) },
    body,
  });
}

export interface ExampleResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

export function exampleResponse(operationId: string, status: string): ExampleResponse {
  const entry = entryOf(operationId);
  const mediaType = Object.keys(entry.validators.responses[status] ?? {})[0];
  const headers: Record<string, string> = mediaType ? { 'content-type': mediaType } : {};
  return structuredClone({
    status: Number(status),
    headers,
    body: entry.examples.responses[status],
  });
}

/** The concrete pointer a catalogue pointer stands for: every `*` becomes the first item. */
export const concretePointer = (pointer: string): string => pointer.replace(/\/\*(?=\/|$)/g, '/0');

const segments = (pointer: string): string[] =>
  pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));

/** Sets (or, with `remove`, deletes) the value at a JSON pointer, creating the objects and arrays on the way. */
export function withValueAt(root: unknown, pointer: string, value: unknown, remove = false): unknown {
  const keys = segments(concretePointer(pointer));
  const copy: unknown = structuredClone(root ?? {});
  let node = copy as Record<string, unknown>;
  keys.forEach((key, index) => {
    const last = index === keys.length - 1;
    if (last) {
      if (remove) delete node[key];
      else node[key] = value;
      return;
    }
    const nextIsIndex = /^\d+$/.test(keys[index + 1] ?? '');
    if (node[key] === null || typeof node[key] !== 'object') node[key] = nextIsIndex ? [] : {};
    node = node[key] as Record<string, unknown>;
  });
  return copy;
}

export function valueAt(root: unknown, pointer: string): unknown {
  let node: unknown = root;
  for (const key of segments(concretePointer(pointer))) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

const PART_OF_REQUEST = { path: 'path', query: 'query', header: 'headers', body: 'body' } as const;

/** Validates the operation's example exchange with one field replaced (or removed) where the rule's check points. */
export function violationsWithField(operationId: string, check: FieldCheck, value: unknown, remove = false): Violation[] {
  if (check.in === 'response') {
    const response = exampleResponse(operationId, check.status ?? '200');
    return validateResponse(operationId, { ...response, body: withValueAt(response.body, check.pointer, value, remove) });
  }
  const request = exampleRequest(operationId);
  const key = PART_OF_REQUEST[check.in];
  const changed = { ...request, [key]: withValueAt(request[key], check.pointer, value, remove) };
  return validateRequest(operationId, changed);
}

export function fieldIsInExample(operationId: string, check: FieldCheck): boolean {
  if (check.in === 'response') return valueAt(exampleResponse(operationId, check.status ?? '200').body, check.pointer) !== undefined;
  const request = exampleRequest(operationId);
  return valueAt(request[PART_OF_REQUEST[check.in]], check.pointer) !== undefined;
}
