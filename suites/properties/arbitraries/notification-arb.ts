import fc from 'fast-check';
import type { NotificationKind } from './notification-fields.js';
import { notificationItemArb, type NotificationItemOptions } from './notification-item-arb.js';

/** A whole notification body as D1 sends it: one operation item, sometimes a batch of several. */
export function notificationArb(
  kind: NotificationKind,
  options: NotificationItemOptions = {},
): fc.Arbitrary<{ operations: Record<string, unknown>[] }> {
  return fc.array(notificationItemArb(kind, options), { minLength: 1, maxLength: 4 }).map((operations) => ({ operations }));
}
