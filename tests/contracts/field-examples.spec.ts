/**
 * Table-driven proof that the contracts, and the validators generated from them, say what the documents say:
 * every pattern, length, enum, type, format and item-count rule of the catalogue is run with values written from the
 * documents. Accepted values must leave the exchange valid; rejected values must be reported under that rule's id.
 */
import { test, expect } from '@playwright/test';
import { rules } from '../../gen/catalogue.js';
import type { CatalogueEntry } from '../../lib/catalogue/load.js';
import { formatViolations } from '../../lib/validation/index.js';
import { allExampleSets } from './examples/index.js';
import { concretePointer, fieldIsInExample, violationsWithField } from './exchange-builder.js';

const catalogue = rules;
const ruleById = new Map<string, CatalogueEntry>(catalogue.map((r) => [r.id, r]));

const show = (value: unknown): string => {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 40)}… (${[...String(value)].length} chars)` : text;
};

for (const set of allExampleSets) {
  test.describe(set.title, () => {
    for (const ruleId of set.rules) {
      test(`${ruleId} accepts ${set.accept.length} and rejects ${set.reject.length} documented values`, () => {
        const rule = ruleById.get(ruleId);
        expect(rule, `${ruleId} is in the catalogue`).toBeDefined();
        const check = rule?.check;
        expect(check, `${ruleId} is a field rule with a check`).toBeDefined();
        if (!check) return;
        for (const operationId of check.operations) {
          for (const value of set.accept) {
            const violations = violationsWithField(operationId, check, value);
            expect(
              violations,
              `${operationId} ${check.in} ${check.pointer} = ${show(value)} is accepted:\n${formatViolations(violations)}`,
            ).toEqual([]);
          }
          for (const value of set.reject) {
            const violations = violationsWithField(operationId, check, value);
            const hit = violations.find((v) => v.ruleId === ruleId);
            expect(
              hit,
              `${operationId} ${check.in} ${check.pointer} = ${show(value)} is rejected under ${ruleId}:\n${formatViolations(violations)}`,
            ).toBeDefined();
            expect(hit?.pointer).toBe(concretePointer(check.pointer));
          }
        }
      });
    }
  });
}

test.describe('required fields', () => {
  for (const rule of catalogue) {
    const check = rule.check;
    if (check?.keyword !== 'required') continue;
    test(`${rule.id}: the example carries the field and its absence is reported`, () => {
      for (const operationId of check.operations) {
        expect(fieldIsInExample(operationId, check), `${operationId} example has ${check.pointer}`).toBe(true);
        const violations = violationsWithField(operationId, check, undefined, true);
        const hit = violations.find((v) => v.ruleId === rule.id);
        expect(hit, `${operationId} without ${check.pointer}:\n${formatViolations(violations)}`).toBeDefined();
        expect(hit?.received).toBe('absent');
      }
    });
  }
});

test.describe('content types', () => {
  for (const rule of catalogue) {
    const check = rule.check;
    if (check?.keyword !== 'content-type') continue;
    test(`${rule.id}: a body sent as text/plain is reported`, () => {
      for (const operationId of check.operations) {
        const violations = violationsWithField(operationId, { ...check, in: 'header', pointer: '/content-type' }, 'text/plain');
        expect(
          violations.map((v) => v.ruleId),
          formatViolations(violations),
        ).toContain(rule.id);
      }
    });
  }
});

test('every pattern, length, enum, type, format and item-count rule has documented examples both ways', () => {
  const withExamples = new Map<string, { accept: number; reject: number }>();
  for (const set of allExampleSets) {
    for (const id of set.rules) {
      const seen = withExamples.get(id) ?? { accept: 0, reject: 0 };
      withExamples.set(id, { accept: seen.accept + set.accept.length, reject: seen.reject + set.reject.length });
    }
  }
  const missing = catalogue
    .filter((r) => r.check && !['required', 'content-type'].includes(r.check.keyword))
    .filter((r) => {
      const seen = withExamples.get(r.id);
      return !seen || seen.accept === 0 || seen.reject === 0;
    })
    .map((r) => r.id);
  expect(missing, 'field rules without accepted and rejected examples').toEqual([]);
});
