import { operations, type OperationId } from '../../gen/operations.js';

/** How an issuer counts the length of a string: JSON Schema counts code points, Java and JavaScript UTF-16 units. */
export type LengthUnit = 'code-points' | 'utf16-units';

interface RequestValues {
  readonly path?: Readonly<Record<string, unknown>>;
  readonly query?: Readonly<Record<string, unknown>>;
  readonly headers?: Readonly<Record<string, unknown>>;
  readonly body?: unknown;
}

const PART = { path: 'path', query: 'query', header: 'headers', body: 'body' } as const;

/** The values at a registry pointer, `*` standing for every element of an array. */
function valuesAt(root: unknown, segments: readonly string[], at = ''): { pointer: string; value: unknown }[] {
  if (segments.length === 0) return [{ pointer: at, value: root }];
  const [head = '', ...rest] = segments;
  if (head === '*') return Array.isArray(root) ? root.flatMap((item, index) => valuesAt(item, rest, `${at}/${index}`)) : [];
  if (typeof root !== 'object' || root === null || !Object.hasOwn(root, head)) return [];
  return valuesAt((root as Record<string, unknown>)[head], rest, `${at}/${head}`);
}

/**
 * The request fields whose length, counted in UTF-16 units, is outside their schema's bounds. The contract's own check
 * counts code points, so only characters outside the Basic Multilingual Plane (two units each) can land here.
 */
export function utf16LengthProblems(operationId: OperationId, request: RequestValues): string[] {
  const problems: string[] = [];
  for (const field of Object.values(operations[operationId].fields)) {
    if (field.keyword !== 'length' || field.in === 'response') continue;
    const { minLength = 0, maxLength = Number.POSITIVE_INFINITY } = field.schema;
    for (const { pointer, value } of valuesAt(request[PART[field.in]], field.pointer.split('/').slice(1))) {
      if (typeof value !== 'string' || (value.length >= minLength && value.length <= maxLength)) continue;
      problems.push(`${field.in} ${pointer}: ${value.length} UTF-16 units, documented ${minLength} to ${maxLength}`);
    }
  }
  return problems;
}
