/**
 * Coverage of the contracts by the catalogue, computed both ways: every field rule points at a constraint that the
 * contract really has, and every constraint of every request part and response is named by a field rule. Provenance
 * agrees too: a rule is inferred exactly when the contract marks its element `x-provenance: inferred`.
 */
import { test, expect } from '@playwright/test';
import { flattenRules, readCatalogueSources, type CatalogueRule, type FieldKeyword } from '../../lib/catalogue/load.js';
import { describeAllContracts, type JsonSchema, type OperationDescription } from '../../lib/contracts/operations.js';

const rules = flattenRules(readCatalogueSources());
const operations = describeAllContracts();

interface PartSchema {
  readonly key: string;
  readonly schema: JsonSchema;
}

const partKey = (check: NonNullable<CatalogueRule['check']>): string =>
  check.in === 'response' ? `response:${check.status ?? '200'}` : check.in;

function partsOf(operation: OperationDescription): PartSchema[] {
  return [
    ...Object.entries(operation.parameters).map(([key, schema]) => ({ key, schema })),
    ...Object.values(operation.requestBody?.content ?? {}).map((schema) => ({ key: 'body', schema })),
    ...Object.entries(operation.responses).flatMap(([status, media]) =>
      Object.values(media).map((schema) => ({ key: `response:${status}`, schema })),
    ),
  ];
}

interface Constraint {
  readonly pointer: string;
  readonly keyword: FieldKeyword;
  readonly inferred: boolean;
}

const KEYWORDS: readonly [string, FieldKeyword][] = [
  ['pattern', 'pattern'],
  ['minLength', 'length'],
  ['maxLength', 'length'],
  ['enum', 'enum'],
  ['format', 'format'],
  ['minItems', 'items'],
  ['maxItems', 'items'],
];

/** Every constraint in a part schema, with the pointer of the value it constrains. */
function constraintsOf(schema: JsonSchema, pointer: string, inferredAbove: boolean, location: string): Constraint[] {
  const inferred = inferredAbove || schema['x-provenance'] === 'inferred';
  const found: Constraint[] = [];
  const seen = new Set<string>();
  for (const [keyword, family] of KEYWORDS) {
    if (schema[keyword] !== undefined && !seen.has(family)) {
      seen.add(family);
      found.push({ pointer, keyword: family, inferred });
    }
  }
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  // A member the contract declares as another's alias (x-d1-member-aliases) is judged by that member's rules.
  const aliases = (schema['x-d1-member-aliases'] ?? {}) as Record<string, string>;
  for (const [name, child] of Object.entries(properties)) {
    found.push(...constraintsOf(child, `${pointer}/${aliases[name] ?? name}`, inferred, location));
  }
  // A path parameter cannot be absent from a matched route, so its `required` is no rule of its own.
  if (location !== 'path') {
    for (const name of (schema.required ?? []) as string[]) {
      found.push({
        pointer: `${pointer}/${name}`,
        keyword: 'required',
        inferred: inferred || properties[name]?.['x-provenance'] === 'inferred',
      });
    }
  }
  if (schema.items && typeof schema.items === 'object') {
    found.push(...constraintsOf(schema.items as JsonSchema, `${pointer}/*`, inferred, location));
  }
  return found;
}

/** The schema at a catalogue pointer, and whether it or anything above it is marked inferred. */
function schemaAt(root: JsonSchema, pointer: string): { schema: JsonSchema; parent: JsonSchema; inferred: boolean } | undefined {
  let schema = root;
  let parent = root;
  let inferred = root['x-provenance'] === 'inferred';
  for (const segment of pointer.split('/').slice(1)) {
    parent = schema;
    const next = segment === '*' ? schema.items : (schema.properties as Record<string, JsonSchema> | undefined)?.[segment];
    if (!next || typeof next !== 'object') return undefined;
    schema = next as JsonSchema;
    inferred ||= schema['x-provenance'] === 'inferred';
  }
  return { schema, parent, inferred };
}

function hasKeyword(found: { schema: JsonSchema; parent: JsonSchema }, pointer: string, keyword: FieldKeyword): boolean {
  const { schema, parent } = found;
  switch (keyword) {
    case 'length':
      return schema.minLength !== undefined || schema.maxLength !== undefined;
    case 'items':
      return schema.minItems !== undefined || schema.maxItems !== undefined;
    case 'required':
      return ((parent.required ?? []) as string[]).includes(pointer.split('/').pop() ?? '');
    case 'content-type':
      return true;
    default:
      return schema[keyword] !== undefined;
  }
}

test('every field rule points at a constraint the contract has', () => {
  const broken: string[] = [];
  for (const rule of rules) {
    const check = rule.check;
    if (!check) continue;
    for (const operationId of check.operations) {
      const operation = operations.find((o) => o.operationId === operationId);
      if (!operation) {
        broken.push(`${rule.id}: no operation ${operationId}`);
        continue;
      }
      if (check.keyword === 'content-type') {
        if (!operation.requestBody) broken.push(`${rule.id}: ${operationId} has no request body`);
        continue;
      }
      const parts = partsOf(operation).filter((p) => p.key === partKey(check));
      if (parts.length === 0) broken.push(`${rule.id}: ${operationId} has no ${partKey(check)}`);
      for (const part of parts) {
        const found = schemaAt(part.schema, check.pointer);
        if (!found) broken.push(`${rule.id}: ${operationId} ${partKey(check)} has nothing at ${check.pointer}`);
        else if (!hasKeyword(found, check.pointer, check.keyword)) {
          broken.push(`${rule.id}: ${operationId} ${partKey(check)} ${check.pointer} has no ${check.keyword} constraint`);
        }
      }
    }
  }
  expect(broken).toEqual([]);
});

test('every constraint of every request part and response is named by a field rule', () => {
  const unnamed: string[] = [];
  for (const operation of operations) {
    for (const part of partsOf(operation)) {
      for (const constraint of constraintsOf(part.schema, '', false, part.key)) {
        const named = rules.some(
          (r) =>
            r.check?.operations.includes(operation.operationId) &&
            partKey(r.check) === part.key &&
            r.check.pointer === constraint.pointer &&
            r.check.keyword === constraint.keyword,
        );
        if (!named) unnamed.push(`${operation.operationId} ${part.key} ${constraint.pointer} ${constraint.keyword}`);
      }
    }
  }
  expect(unnamed).toEqual([]);
});

test('a field rule is inferred exactly when the contract marks its element inferred', () => {
  const disagreements: string[] = [];
  for (const rule of rules) {
    const check = rule.check;
    if (!check || check.keyword === 'content-type') continue;
    for (const operationId of check.operations) {
      const operation = operations.find((o) => o.operationId === operationId);
      for (const part of operation ? partsOf(operation).filter((p) => p.key === partKey(check)) : []) {
        const found = schemaAt(part.schema, check.pointer);
        if (!found) continue;
        const markedInferred = found.inferred;
        if (markedInferred !== (rule.provenance === 'inferred')) {
          disagreements.push(
            `${rule.id} is ${rule.provenance} but ` +
              `${operationId} ${part.key} ${check.pointer} is ${markedInferred ? '' : 'not '}marked inferred`,
          );
        }
      }
    }
  }
  expect(disagreements).toEqual([]);
});
