import fc from 'fast-check';
import type { NotificationKind } from './notification-fields.js';
import { notificationItemArb } from './notification-item-arb.js';

/** A whole notification body as the contract describes it: one operation item, sometimes a batch of several. */
export function notificationArb(kind: NotificationKind): fc.Arbitrary<{ operations: Record<string, unknown>[] }> {
  return fc.array(notificationItemArb(kind), { minLength: 1, maxLength: 4 }).map((operations) => ({ operations }));
}
