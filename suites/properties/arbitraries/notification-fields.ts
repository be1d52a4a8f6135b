/**
 * What the notification contracts say about one operation item, read from the operation registry: each field of an
 * item, whether it is required, its schema, and the rule behind each of its constraints.
 */
import { operations } from '../../../gen/operations.js';
import type { FieldSchema } from './field-value-arb.js';

export type NotificationKind = 'card' | 'consumer';

export const NOTIFICATION_OPERATION = { card: 'notifyCardOperations', consumer: 'notifyConsumerOperations' } as const;

const ITEM_POINTER = /^\/operations\/\*\/([^/]+)$/;

export interface ItemField {
  readonly name: string;
  readonly schema: FieldSchema;
  readonly required: boolean;
  /** keyword (pattern, length, enum, format, type, required) -> catalogue id */
  readonly rules: Readonly<Record<string, string>>;
}

export function notificationItemFields(kind: NotificationKind): ItemField[] {
  const byName = new Map<string, { schema: FieldSchema; rules: Record<string, string> }>();
  for (const [ruleId, field] of Object.entries(operations[NOTIFICATION_OPERATION[kind]].fields)) {
    const name = field.in === 'body' ? ITEM_POINTER.exec(field.pointer)?.[1] : undefined;
    if (!name) continue;
    const known = byName.get(name) ?? { schema: field.schema, rules: {} };
    known.rules[field.keyword] = ruleId;
    byName.set(name, known);
  }
  return [...byName].map(([name, { schema, rules }]) => ({ name, schema, required: 'required' in rules, rules }));
}

/**
 * The item field whose unknown values the issuer must tolerate (NOTIFY-*-FORWARD-COMPATIBLE): the operation, whose
 * list D1 extends over time. Its enum is the one constraint a valid-looking item may break.
 */
export const TOLERATED_FIELD = 'operation';
