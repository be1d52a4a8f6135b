/**
 * The documented examples sit on the boundaries. For every length, item-count and enum rule, each mutant of the
 * contract that moves a bound by one or drops an enum value is compiled in memory, and at least one documented
 * example must notice: an accepted value now refused under the rule, or a refused value no longer refused under it.
 * The verdict is per rule, as the suites report it: an anchored pattern such as `^[A-Za-z0-9_-]{1,48}$` bounds the
 * length too, but a contract that lost its maxLength would still have lost the length rule.
 */
import { test, expect } from '@playwright/test';
import { Ajv, type ValidateFunction } from 'ajv';
import ajvFormats from 'ajv-formats';
import { rules } from '../../gen/catalogue.js';
import type { CatalogueEntry } from '../../lib/catalogue/load.js';
import { describeAllContracts, toJsonSchema, type JsonSchema } from '../../lib/contracts/operations.js';
import { allExampleSets } from './examples/index.js';
import { exampleRequest, exampleResponse, withValueAt } from './exchange-builder.js';

const addFormats = ajvFormats.default;
const operations = describeAllContracts();
const ajv = new Ajv({ allErrors: true, strict: false, coerceTypes: true, unicodeRegExp: true });
addFormats(ajv);

interface Mutant {
  readonly label: string;
  readonly apply: (schema: JsonSchema) => void;
}

function mutantsOf(target: JsonSchema, keyword: string): Mutant[] {
  const bounds =
    keyword === 'length' ? (['minLength', 'maxLength'] as const) : keyword === 'items' ? (['minItems', 'maxItems'] as const) : [];
  const mutants: Mutant[] = [];
  for (const bound of bounds) {
    const value = target[bound];
    if (typeof value !== 'number') continue;
    mutants.push({ label: `${bound} ${value + 1}`, apply: (s) => void (s[bound] = value + 1) });
    if (value > 0) mutants.push({ label: `${bound} ${value - 1}`, apply: (s) => void (s[bound] = value - 1) });
  }
  if (keyword === 'enum' && Array.isArray(target.enum)) {
    const values = target.enum as unknown[];
    // An enum of one value cannot lose it and stay an enum; its mutant is no enum at all.
    if (values.length === 1) mutants.push({ label: 'enum removed', apply: (s) => void delete s.enum });
    else {
      for (const dropped of values) {
        mutants.push({ label: `enum without ${String(dropped)}`, apply: (s) => void (s.enum = values.filter((v) => v !== dropped)) });
      }
    }
  }
  return mutants;
}

function locate(schema: JsonSchema, pointer: string): JsonSchema | undefined {
  let node: JsonSchema | undefined = schema;
  for (const segment of pointer.split('/').slice(1)) {
    const next: unknown = segment === '*' ? node?.items : (node?.properties as Record<string, unknown> | undefined)?.[segment];
    node = next && typeof next === 'object' ? (next as JsonSchema) : undefined;
  }
  return node;
}

function partSchema(operationId: string, check: NonNullable<CatalogueEntry['check']>): JsonSchema | undefined {
  const operation = operations.find((o) => o.operationId === operationId);
  if (!operation) return undefined;
  if (check.in === 'response') return Object.values(operation.responses[check.status ?? '200'] ?? {})[0];
  if (check.in === 'body') return Object.values(operation.requestBody?.content ?? {})[0];
  return operation.parameters[check.in];
}

function partData(operationId: string, check: NonNullable<CatalogueEntry['check']>): unknown {
  if (check.in === 'response') return exampleResponse(operationId, check.status ?? '200').body;
  const request = exampleRequest(operationId);
  return check.in === 'header' ? request.headers : check.in === 'body' ? request.body : request[check.in];
}

const FAMILY: Readonly<Record<string, readonly string[]>> = {
  length: ['minLength', 'maxLength'],
  items: ['minItems', 'maxItems'],
  enum: ['enum'],
};

const mutableRules = rules.filter((r) => r.check && ['length', 'items', 'enum'].includes(r.check.keyword));

for (const rule of mutableRules) {
  const check = rule.check;
  if (!check) continue;
  const sets = allExampleSets.filter((s) => s.rules.includes(rule.id));
  test(`${rule.id}: every one-step mutant of the contract is noticed by a documented example`, () => {
    for (const operationId of check.operations) {
      const original = partSchema(operationId, check);
      expect(original, `${operationId} has a ${check.in} schema`).toBeDefined();
      if (!original) continue;
      const target = locate(original, check.pointer);
      expect(target, `${operationId} ${check.in} has ${check.pointer}`).toBeDefined();
      if (!target) continue;
      const base = partData(operationId, check);
      const family = FAMILY[check.keyword] ?? [];
      const pointer = check.pointer.replace(/\/\*(?=\/|$)/g, '/0');
      // Whether the value passes this rule, whatever the other constraints of the field say.
      const accepts = (validate: ValidateFunction, value: unknown): boolean => {
        validate(withValueAt(base, check.pointer, value));
        return !(validate.errors ?? []).some((e) => e.instancePath === pointer && family.includes(e.keyword));
      };
      const survivors: string[] = [];
      for (const mutant of mutantsOf(target, check.keyword)) {
        const mutated = structuredClone(original);
        const mutatedTarget = locate(mutated, check.pointer);
        if (mutatedTarget) mutant.apply(mutatedTarget);
        const validate = ajv.compile(toJsonSchema(mutated) as JsonSchema);
        const noticed = sets.some(
          (set) => set.accept.some((value) => !accepts(validate, value)) || set.reject.some((value) => accepts(validate, value)),
        );
        if (!noticed) survivors.push(mutant.label);
      }
      expect(survivors, `${operationId} ${check.in} ${check.pointer}: mutants no example notices`).toEqual([]);
    }
  });
}
