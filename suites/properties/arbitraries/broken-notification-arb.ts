import fc from 'fast-check';
import { notificationArb } from './notification-arb.js';
import { TOLERATED_FIELD, notificationItemFields, type NotificationKind } from './notification-fields.js';
import type { NotificationItemOptions } from './notification-item-arb.js';
import { notificationNearMissArb } from './notification-near-miss-arb.js';

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
 * The item as D1 would have sent it with `field` present: an endTime belongs to a finished operation, so a PENDING
 * item whose endTime is to be broken is first made SUCCESSFUL (a documented item), and the endTime is the only flaw.
 */
function withFieldPresent(item: Record<string, unknown>, field: string): Record<string, unknown> {
  if (field !== 'endTime' || typeof item.endTime === 'string') return item;
  const startTime = typeof item.startTime === 'string' ? item.startTime : '';
  return { ...item, status: 'SUCCESSFUL', endTime: startTime };
}

/**
 * A notification D1 could have sent with exactly one field of one item moved one step outside its contract (too
 * long, a character the pattern refuses, a status in the wrong case, a date-time with one part broken...); every
 * other value keeps D1's form.
 */
export function brokenNotificationArb(kind: NotificationKind, options: NotificationItemOptions = {}): fc.Arbitrary<BrokenNotification> {
  const fields = new Map(notificationItemFields(kind).map((f) => [f.name, f]));
  const targets = breakableItemRules(kind);
  return fc.tuple(notificationArb(kind, options), fc.nat(), fc.constantFrom(...targets)).chain(([body, at, { field, keyword, ruleId }]) => {
    const index = at % body.operations.length;
    const item = withFieldPresent(body.operations[index] ?? {}, field);
    const itemField = fields.get(field);
    if (!itemField) throw new Error(`brokenNotificationArb: the ${kind} notification has no ${field} field`);
    return notificationNearMissArb(itemField, keyword, item[field]).map((miss) => {
      const operations = body.operations.map((other, i) => (i === index ? { ...item, [field]: miss.value } : other));
      return { body: { operations }, ruleId, index, pointer: `/operations/${index}/${field}`, step: miss.step };
    });
  });
}
