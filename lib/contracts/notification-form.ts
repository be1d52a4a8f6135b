/**
 * The form D1 gives the values of its notifications to the issuer, read from the contracts. The notification schema
 * publishes the operationId pattern unanchored and no pattern for cardId, but D1 issues both under the anchored
 * patterns of its other APIs, and its times follow its published notification timestamp expression (the documented
 * examples, such as 2025-01-17T06:28:02.492Z, do). A conservative sender keeps to this form; a strict receiver may
 * require it.
 */
import { operations, type OperationId } from '../../gen/operations.js';
import type { FieldConstraint } from './registry.js';

export type NotificationKind = 'card' | 'consumer';
type FieldSchema = FieldConstraint['schema'];

function anchoredSchemaOf(operationId: OperationId, ruleId: string): FieldSchema {
  const schema = operations[operationId].fields[ruleId]?.schema;
  const pattern = schema?.pattern;
  if (!schema || pattern === undefined || !pattern.startsWith('^') || !pattern.endsWith('$')) {
    throw new Error(`the contracts no longer give ${ruleId} of ${operationId} an anchored pattern`);
  }
  return schema;
}

/** Where each form is published. */
export const NOTIFICATION_VALUE_FORMS = {
  // The operationId as D1 returns it when an operation starts and as its operation model gives it.
  operationId: anchoredSchemaOf('getCardOperation', 'CARD-OPERATION-MODEL-OPERATIONID-PATTERN'),
  // The issuer's card id as D1 sends it to the issuer's own Get Consumer Information.
  cardId: anchoredSchemaOf('getConsumerInformation', 'CONSUMER-INFO-CARDID-PATTERN'),
  consumerId: anchoredSchemaOf('notifyConsumerOperations', 'NOTIFY-CONSUMER-CONSUMERID-PATTERN'),
  // D1's published expression for notification timestamps (ISO 8601).
  time: anchoredSchemaOf('notifyConsumerOperations', 'NOTIFY-CONSUMER-STARTTIME-PATTERN'),
} as const;

export type NotificationValueForm = keyof typeof NOTIFICATION_VALUE_FORMS;

/** Which form each item field of a notification has. */
export const ITEM_FIELD_FORMS: Readonly<Record<NotificationKind, Readonly<Record<string, NotificationValueForm>>>> = {
  card: { operationId: 'operationId', cardId: 'cardId', startTime: 'time', endTime: 'time' },
  consumer: { operationId: 'operationId', consumerId: 'consumerId', startTime: 'time', endTime: 'time' },
};

const FORM_REGEX = Object.fromEntries(
  Object.entries(NOTIFICATION_VALUE_FORMS).map(([form, schema]) => [form, new RegExp(schema.pattern ?? '', 'u')]),
) as Readonly<Record<NotificationValueForm, RegExp>>;

/** A value outside its documented form: where, and what is documented; never the value, which may be personal. */
export interface FormProblem {
  readonly pointer: string;
  readonly documented: string;
}

/** Whether the value has the form: a string matching the anchored pattern, within the schema's lengths (code points). */
export function hasForm(form: NotificationValueForm, value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const { minLength = 0, maxLength = Number.POSITIVE_INFINITY } = NOTIFICATION_VALUE_FORMS[form];
  const length = [...value].length;
  return length >= minLength && length <= maxLength && FORM_REGEX[form].test(value);
}

const describeForm = (form: NotificationValueForm): string => {
  const { pattern = '', minLength, maxLength } = NOTIFICATION_VALUE_FORMS[form];
  const lengths = minLength === undefined && maxLength === undefined ? '' : `, ${minLength ?? 0} to ${maxLength ?? 'any'} characters`;
  return `${form} in D1's form: ${pattern}${lengths}`;
};

/**
 * Every identifier and time of the notification's items that is present and not in D1's form. Fields the form does
 * not cover, and the body's shape, are the contract's business.
 */
export function notificationFormProblems(kind: NotificationKind, body: unknown): FormProblem[] {
  const items = (body as { operations?: unknown } | null | undefined)?.operations;
  if (!Array.isArray(items)) return [];
  return items.flatMap((item: unknown, index) => {
    if (typeof item !== 'object' || item === null) return [];
    return Object.entries(ITEM_FIELD_FORMS[kind])
      .filter(([field, form]) => field in item && !hasForm(form, (item as Record<string, unknown>)[field]))
      .map(([field, form]) => ({ pointer: `/operations/${index}/${field}`, documented: describeForm(form) }));
  });
}
