import fc from 'fast-check';
import { fieldValueArb } from './field-value-arb.js';
import { notificationItemFields, type NotificationKind } from './notification-fields.js';

/**
 * One operation item of a card or consumer notification, every field drawn from its contract schema: the required
 * ones always present, the optional ones (endTime, details...) sometimes.
 */
export function notificationItemArb(kind: NotificationKind): fc.Arbitrary<Record<string, unknown>> {
  const fields = notificationItemFields(kind);
  const model = Object.fromEntries(fields.map((field) => [field.name, fieldValueArb(field.schema, 'body')]));
  return fc.record(model, { requiredKeys: fields.filter((f) => f.required).map((f) => f.name) });
}
