import fc from 'fast-check';
import { nearMissArb } from './near-miss-arb.js';
import { notificationArb } from './notification-arb.js';
import { TOLERATED_FIELD, notificationItemFields, type NotificationKind } from './notification-fields.js';

/**
 * A valid notification as a later D1 release could send it: one item names an operation the contract does not list
 * (drawn next to the listed ones, e.g. a listed value in another case or one character longer), and items may carry
 * fields the contract does not know.
 */
export function forwardCompatibleNotificationArb(kind: NotificationKind): fc.Arbitrary<{ operations: Record<string, unknown>[] }> {
  const fields = notificationItemFields(kind);
  const operation = fields.find((f) => f.name === TOLERATED_FIELD);
  if (!operation) throw new Error(`forwardCompatibleNotificationArb: the ${kind} notification has no ${TOLERATED_FIELD} field`);
  const knownNames = new Set(fields.map((f) => f.name));
  const extraFieldsArb = fc.dictionary(
    fc.string({ minLength: 1, maxLength: 12 }).filter((name) => !knownNames.has(name) && !['errorCode', 'error', 'message', '__proto__'].includes(name)),
    fc.oneof(fc.string({ maxLength: 12 }), fc.integer(), fc.boolean()),
    { maxKeys: 2 },
  );
  return fc.tuple(notificationArb(kind), fc.nat(), nearMissArb(operation.schema, 'enum', 'body'), extraFieldsArb).map(([body, at, unlisted, extra]) => {
    const index = at % body.operations.length;
    return { operations: body.operations.map((item, i) => (i === index ? { ...item, ...extra, [TOLERATED_FIELD]: unlisted.value } : item)) };
  });
}
