import fc from 'fast-check';
import { notificationArb } from './notification-arb.js';
import { TOLERATED_FIELD, notificationItemFields, type NotificationKind } from './notification-fields.js';
import type { NotificationItemOptions } from './notification-item-arb.js';
import { notificationVocabularyArb } from './notification-vocabulary.js';

/** Item fields the contract describes without a rule of their own; an unknown field must not reuse their names. */
const DESCRIBED_WITHOUT_RULE = ['errorCode', 'error', 'message'];

// The operation the documents name as one a later release sends (UPDATE_ORDER, of the order notifications).
const NAMED_LATER_OPERATION = 'UPDATE_ORDER';

/**
 * A notification as a later D1 release could send it: one item names an operation the contract does not list yet, in
 * the form of the listed ones (UPPER_SNAKE words of D1's codes, or UPDATE_ORDER), and may carry fields the contract
 * does not know (camelCase names, D1-like values). Everything else keeps D1's form.
 */
export function forwardCompatibleNotificationArb(
  kind: NotificationKind,
  options: NotificationItemOptions = {},
): fc.Arbitrary<{ operations: Record<string, unknown>[] }> {
  const fields = notificationItemFields(kind);
  const operation = fields.find((f) => f.name === TOLERATED_FIELD);
  if (!operation) throw new Error(`forwardCompatibleNotificationArb: the ${kind} notification has no ${TOLERATED_FIELD} field`);
  const listed = new Set(operation.schema.enum ?? []);
  const unlistedArb = fc
    .oneof({ arbitrary: fc.constant(NAMED_LATER_OPERATION), weight: 1 }, { arbitrary: notificationVocabularyArb('UPPER_SNAKE'), weight: 3 })
    .filter((value) => !listed.has(value));
  const knownNames = new Set([...fields.map((f) => f.name), ...DESCRIBED_WITHOUT_RULE]);
  const extraFieldsArb = fc.dictionary(
    notificationVocabularyArb('camelCase').filter((name) => !knownNames.has(name)),
    fc.oneof(notificationVocabularyArb('UPPER_SNAKE'), fc.integer({ min: 0, max: 999 }), fc.boolean()),
    { maxKeys: 2 },
  );
  return fc.tuple(notificationArb(kind, options), fc.nat(), unlistedArb, extraFieldsArb).map(([body, at, unlisted, extra]) => {
    const index = at % body.operations.length;
    return { operations: body.operations.map((item, i) => (i === index ? { ...item, ...extra, [TOLERATED_FIELD]: unlisted } : item)) };
  });
}
