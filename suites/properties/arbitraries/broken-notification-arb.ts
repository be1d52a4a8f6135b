import fc from 'fast-check';
import { nearMissArb } from './near-miss-arb.js';
import { notificationArb } from './notification-arb.js';
import { TOLERATED_FIELD, notificationItemFields, type NotificationKind } from './notification-fields.js';

export interface BrokenNotification {
  readonly body: { operations: Record<string, unknown>[] };
  /** The rule the broken field now breaks, and where. */
  readonly ruleId: string;
  readonly index: number;
  readonly pointer: string;
  readonly step: string;
}

/** The keywords a near miss can break in an item; `required` is a missing field, not a near miss. */
const BREAKABLE = ['pattern', 'length', 'enum', 'format', 'type'];

/** The item rules a near miss can break: all but the operation enum, whose unknown values must be tolerated. */
export function breakableItemRules(kind: NotificationKind): { field: string; keyword: string; ruleId: string }[] {
  return notificationItemFields(kind).flatMap((field) =>
    Object.entries(field.rules)
      .filter(([keyword]) => BREAKABLE.includes(keyword) && !(field.name === TOLERATED_FIELD && keyword === 'enum'))
      .map(([keyword, ruleId]) => ({ field: field.name, keyword, ruleId })),
  );
}

/**
 * A valid notification with exactly one field of one item moved one step outside its contract (too long, a character
 * the pattern refuses, a status in the wrong case, a date-time with one part broken...).
 */
export function brokenNotificationArb(kind: NotificationKind): fc.Arbitrary<BrokenNotification> {
  const schemas = new Map(notificationItemFields(kind).map((f) => [f.name, f.schema]));
  const breaks = breakableItemRules(kind).map((target) =>
    nearMissArb(schemas.get(target.field) ?? {}, target.keyword, 'body').map((miss) => ({ ...target, miss })),
  );
  return fc.tuple(notificationArb(kind), fc.nat(), fc.oneof(...breaks)).map(([body, at, { field, ruleId, miss }]) => {
    const index = at % body.operations.length;
    const operations = body.operations.map((item, i) => (i === index ? { ...item, [field]: miss.value } : item));
    return { body: { operations }, ruleId, index, pointer: `/operations/${index}/${field}`, step: miss.step };
  });
}
