/**
 * The notifications the suite sends when it plays D1 against a bank, checked before any bank sees them: each one the
 * contract accepts and in the form D1 gives its values (anchored ids, D1's ISO 8601 times, non-empty ids, printable
 * text), so that a bank validating what D1 really sends is never failed by the suite's own inventions; each broken
 * one broken in exactly one documented way; each forward-compatible one off the contract only by its operation.
 */
import fc from 'fast-check';
import { test, expect } from '@playwright/test';
import { notificationFormProblems } from '../../lib/contracts/notification-form.js';
import { formatViolations, validateRequest } from '../../lib/validation/index.js';
import { brokenNotificationArb } from '../../suites/properties/arbitraries/broken-notification-arb.js';
import { forwardCompatibleNotificationArb } from '../../suites/properties/arbitraries/forward-compatible-notification-arb.js';
import { notificationArb } from '../../suites/properties/arbitraries/notification-arb.js';
import {
  NOTIFICATION_OPERATION,
  TOLERATED_FIELD,
  notificationItemFields,
  type NotificationKind,
} from '../../suites/properties/arbitraries/notification-fields.js';

const RUNS = 300;
const ISSUER_ID = 'TESTBANK01';
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
const UPPER_SNAKE = /^[A-Z]+(_[A-Z]+)*$/;

const asRequest = (body: unknown): { path: Record<string, string>; headers: Record<string, string>; body: unknown } => ({
  path: { issuerId: ISSUER_ID },
  headers: { 'content-type': 'application/json' },
  body,
});

/** Every string in the value, keys included, with where it is. */
function stringsIn(value: unknown, at = ''): { pointer: string; text: string }[] {
  if (typeof value === 'string') return [{ pointer: at, text: value }];
  if (Array.isArray(value)) return value.flatMap((item, index) => stringsIn(item, `${at}/${index}`));
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([key, inner]) => [
      { pointer: `${at}/${key} (name)`, text: key },
      ...stringsIn(inner, `${at}/${key}`),
    ]);
  }
  return [];
}

/** What makes a notification unlike what D1 sends, beside the contract: values out of D1's form, empty or unprintable text. */
function departuresFromD1(kind: NotificationKind, body: unknown): string[] {
  const form = notificationFormProblems(kind, body).map((p) => `${p.pointer}: not ${p.documented}`);
  const text = stringsIn(body)
    .filter(({ text }) => text === '' || !PRINTABLE_ASCII.test(text))
    .map(({ pointer, text }) => `${pointer}: ${JSON.stringify(text)} is empty or not printable ASCII`);
  return [...form, ...text];
}

/** The item's status and optional fields agree, as D1 fills them, and its end does not come before its start. */
function inconsistentItems(body: { operations: Record<string, unknown>[] }): string[] {
  return body.operations.flatMap((item, index) => {
    const final = item.status === 'SUCCESSFUL' || item.status === 'FAILED';
    const problems: string[] = [];
    if (final !== (typeof item.endTime === 'string'))
      problems.push(`/operations/${index}: endTime ${final ? 'missing on a finished' : 'on a PENDING'} operation`);
    if (typeof item.endTime === 'string' && typeof item.startTime === 'string' && item.endTime < item.startTime)
      problems.push(`/operations/${index}: endTime before startTime`);
    if ((item.status === 'FAILED') !== ('errorCode' in item && 'error' in item))
      problems.push(`/operations/${index}: errorCode and error go with FAILED, and only with it`);
    return problems;
  });
}

for (const kind of ['card', 'consumer'] as const) {
  const operationId = NOTIFICATION_OPERATION[kind];

  test.describe(`the ${kind} notifications the suite sends as D1`, () => {
    test("every generated notification is one the contract accepts, in D1's form and consistent with its status", () => {
      fc.assert(
        fc.property(notificationArb(kind), (body) => {
          const violations = validateRequest(operationId, asRequest(body));
          expect(violations.length, formatViolations(violations)).toBe(0);
          expect(departuresFromD1(kind, body), "departures from D1's form").toEqual([]);
          expect(inconsistentItems(body), 'items inconsistent with their status').toEqual([]);
        }),
        { numRuns: RUNS },
      );
    });

    test('a given subject id is the one every item names', () => {
      const subjectField = kind === 'card' ? 'cardId' : 'consumerId';
      fc.assert(
        fc.property(notificationArb(kind, { subjectId: 'known_0001' }), (body) => {
          expect(body.operations.map((item) => item[subjectField])).toEqual(body.operations.map(() => 'known_0001'));
        }),
        { numRuns: 50 },
      );
    });

    test('every broken notification breaks its one rule at its one field, and is otherwise as D1 sends it', () => {
      fc.assert(
        fc.property(brokenNotificationArb(kind), (broken) => {
          const violations = validateRequest(operationId, asRequest(broken.body));
          expect(
            violations.map((v) => v.ruleId),
            `${broken.pointer} (${broken.step})`,
          ).toContain(broken.ruleId);
          // One character too many can break a field's length and its pattern at once: still one deviation.
          expect(violations.filter((v) => v.pointer !== broken.pointer).map((v) => `${v.ruleId ?? v.keyword} at ${v.pointer}`)).toEqual([]);
          expect(departuresFromD1(kind, broken.body).filter((departure) => !departure.startsWith(`${broken.pointer}:`))).toEqual([]);
          // The broken item's status or times may be the flaw itself; the other items keep D1's consistency.
          const untouched = broken.body.operations.filter((_, index) => index !== broken.index);
          expect(inconsistentItems({ operations: untouched })).toEqual([]);
        }),
        { numRuns: RUNS },
      );
    });

    test('every forward-compatible notification departs from the contract only by an unlisted operation', () => {
      const tolerated = notificationItemFields(kind).find((f) => f.name === TOLERATED_FIELD);
      const toleratedRule = tolerated?.rules.enum;
      expect(
        tolerated?.schema.enum?.filter((value) => typeof value !== 'string' || !UPPER_SNAKE.test(value)),
        'listed operations that are not UPPER_SNAKE',
      ).toEqual([]);
      fc.assert(
        fc.property(forwardCompatibleNotificationArb(kind), (body) => {
          const violations = validateRequest(operationId, asRequest(body));
          expect(violations.length, 'one item names an unlisted operation').toBeGreaterThan(0);
          expect(violations.filter((v) => v.ruleId !== toleratedRule).map((v) => `${v.ruleId ?? v.keyword} at ${v.pointer}`)).toEqual([]);
          expect(departuresFromD1(kind, body)).toEqual([]);
          // An unlisted operation still reads like D1's own: UPPER_SNAKE, as every listed value is.
          for (const item of body.operations) expect(item[TOLERATED_FIELD]).toMatch(UPPER_SNAKE);
        }),
        { numRuns: RUNS },
      );
    });
  });
}
