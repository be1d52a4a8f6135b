import fc from 'fast-check';
import { hasForm } from '../../../lib/contracts/notification-form.js';
import { operations } from '../../../gen/operations.js';
import { NOTIFICATION_OPERATION, type NotificationKind } from './notification-fields.js';

const SUBJECT_FIELD = { card: 'cardId', consumer: 'consumerId' } as const;

/** The ids the contract's example notification gives its cards or consumers (crd_h2otddwm5uwujlye3qyxmjkpha...). */
function exampleIds(kind: NotificationKind): string[] {
  const example = Object.values(operations[NOTIFICATION_OPERATION[kind]].examples.requestBody)[0] as
    { operations?: Record<string, unknown>[] } | undefined;
  const ids = (example?.operations ?? [])
    .map((item) => item[SUBJECT_FIELD[kind]])
    .filter((id): id is string => typeof id === 'string' && hasForm(`${kind}Id`, id));
  if (ids.length === 0)
    throw new Error(`notificationSubjectIdArb: the ${kind} notification example names no ${SUBJECT_FIELD[kind]} in D1's form`);
  return ids;
}

const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const UPPER = LOWER.toUpperCase();
const DIGITS = '0123456789';

/** A character of the same kind as the example's: a letter of the same case, a digit; separators and prefixes kept. */
function sameKindArb(char: string): fc.Arbitrary<string> {
  const pool = LOWER.includes(char) ? LOWER : UPPER.includes(char) ? UPPER : DIGITS.includes(char) ? DIGITS : undefined;
  return pool ? fc.constantFrom(...pool) : fc.constant(char);
}

/**
 * A cardId or consumerId shaped like the contract's examples: the example's length, prefix and separators, its letters
 * and digits drawn again. Such an id is in D1's form but names a card or consumer the issuer most likely does not know.
 */
export function notificationSubjectIdArb(kind: NotificationKind): fc.Arbitrary<string> {
  const shapes = exampleIds(kind).map((example) => {
    // The leading letters up to an underscore are a prefix (crd_, cns_) the issuer may route on: kept as they are.
    const prefix = /^[a-z]+_/.exec(example)?.[0] ?? '';
    const rest = [...example.slice(prefix.length)];
    return fc.tuple(...rest.map(sameKindArb)).map((chars) => `${prefix}${chars.join('')}`);
  });
  return fc.oneof(...shapes).filter((id) => hasForm(`${kind}Id`, id));
}
