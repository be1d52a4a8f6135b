import fc from 'fast-check';
import { ITEM_FIELD_FORMS } from '../../../lib/contracts/notification-form.js';
import { fieldValueArb } from './field-value-arb.js';
import { notificationItemFields, type ItemField, type NotificationKind } from './notification-fields.js';
import { notificationOperationIdArb } from './notification-operation-id-arb.js';
import { notificationSubjectIdArb } from './notification-subject-id-arb.js';
import { notificationTimesArb } from './notification-times-arb.js';
import { notificationVocabularyArb } from './notification-vocabulary.js';

export interface NotificationItemOptions {
  /** The card or consumer every item names, e.g. one the issuer knows; by default ids shaped like the contract's examples. */
  readonly subjectId?: string;
}

type Item = Record<string, unknown>;

/** The fields an item's status decides: times, and the error of a failed operation. */
const SET_BY_STATUS = new Set(['startTime', 'endTime']);

/** Operation-specific data as D1 gives it (e.g. details.status CARD_PROD_REQUESTED for PRODUCE). */
const detailsArb = fc.record({ status: notificationVocabularyArb('UPPER_SNAKE') });

/** A value of a field the item has no documented form for: its enum, or what its schema allows, kept printable. */
function otherFieldArb(field: ItemField): fc.Arbitrary<unknown> {
  if (field.schema.enum) return fc.constantFrom(...field.schema.enum);
  if (field.schema.type === 'object') return detailsArb;
  return fieldValueArb(field.schema, 'body');
}

/**
 * One operation item of a card or consumer notification as D1 sends it: every field the contract describes, ids and
 * times in D1's form (a UUID operationId, an example-shaped or given card or consumer id, UTC times with
 * milliseconds), and consistent with its status: endTime once the operation is over (NOTIFY-CARD-ENDTIME-WHEN-DONE),
 * errorCode and error when it FAILED (NOTIFY-CARD-ERROR-WHEN-FAILED).
 */
export function notificationItemArb(kind: NotificationKind, options: NotificationItemOptions = {}): fc.Arbitrary<Item> {
  const fields = notificationItemFields(kind);
  const forms = ITEM_FIELD_FORMS[kind];
  const subjectField = Object.keys(forms).find((name) => forms[name] === `${kind}Id`) ?? `${kind}Id`;
  const drawn: Record<string, fc.Arbitrary<unknown>> = {};
  const optional: string[] = [];
  for (const field of fields) {
    if (SET_BY_STATUS.has(field.name)) continue;
    if (field.name === 'operationId') drawn[field.name] = notificationOperationIdArb;
    else if (field.name === subjectField)
      drawn[field.name] = options.subjectId === undefined ? notificationSubjectIdArb(kind) : fc.constant(options.subjectId);
    else drawn[field.name] = otherFieldArb(field);
    if (!field.required) optional.push(field.name);
  }
  const failureArb = fc.record({ errorCode: notificationVocabularyArb('UPPER_SNAKE'), error: notificationVocabularyArb('Sentence') });
  return fc
    .tuple(
      fc.record(drawn, { requiredKeys: Object.keys(drawn).filter((name) => !optional.includes(name)) }),
      notificationTimesArb,
      failureArb,
    )
    .map(([item, times, failure]) => {
      const status = item.status;
      return {
        ...item,
        startTime: times.startTime,
        ...(status === 'PENDING' ? {} : { endTime: times.endTime }),
        ...(status === 'FAILED' ? failure : {}),
      };
    });
}
