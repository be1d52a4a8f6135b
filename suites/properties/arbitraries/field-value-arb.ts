import fc from 'fast-check';
import type { FieldConstraint } from '../../../lib/contracts/registry.js';
import { anyCharArb } from './any-char-arb.js';
import { calendarDateArb, describesCalendarDay } from './calendar-date-arb.js';
import type { Carrier } from './character-pools.js';
import { travelsIntact } from './character-pools.js';
import { dateTimeArb } from './date-time-arb.js';
import { parsePattern } from './pattern-syntax.js';
import { patternValueArb } from './pattern-value-arb.js';

export type FieldSchema = FieldConstraint['schema'];

/** How a value is drawn when the suite plays D1's client and must send what a real client sends. */
export interface ValueStyle {
  /**
   * A value of the documented form: an unanchored published pattern matched by the whole value (as its anchored copies
   * on other pages say), and characters within the Basic Multilingual Plane, which every way of counting lengths counts
   * alike.
   */
  readonly realistic?: boolean;
}

/** Whether every character of the value is a single UTF-16 unit. */
export const withinBasicPlane = (value: string): boolean => [...value].every((char) => char.length === 1);

/** Free text when the contract sets no bound: short, since nothing documents a longer one. */
const UNBOUNDED_TEXT = 24;

const jsonLeafArb = fc.oneof(fc.string({ maxLength: 12 }), fc.integer(), fc.boolean(), fc.constant(null));

/**
 * A value the field's contract schema accepts, derived from that schema alone: one of its enum values, a value of its
 * pattern (within its lengths), a string of its length from any script, a date-time for format date-time, a small
 * JSON object for type object. Date-shaped patterns get real past days (the value rules of a date of birth).
 */
export function fieldValueArb(schema: FieldSchema, carrier: Carrier = 'body', style: ValueStyle = {}): fc.Arbitrary<unknown> {
  if (!style.realistic) return anyFieldValueArb(schema, carrier, false);
  return anyFieldValueArb(schema, carrier, true).filter((value) => typeof value !== 'string' || withinBasicPlane(value));
}

function anyFieldValueArb(schema: FieldSchema, carrier: Carrier, wholeValue: boolean): fc.Arbitrary<unknown> {
  if (schema.enum) return fc.constantFrom(...schema.enum);
  if (schema.format === 'date-time') return dateTimeArb;
  if (schema.pattern !== undefined) {
    const parsed = parsePattern(schema.pattern);
    const pattern = wholeValue ? { ...parsed, anchoredStart: true, anchoredEnd: true } : parsed;
    if (describesCalendarDay(pattern.regex)) return calendarDateArb.filter((day) => pattern.regex.test(day));
    return patternValueArb(pattern, {
      carrier,
      ...(schema.minLength === undefined ? {} : { minLength: schema.minLength }),
      ...(schema.maxLength === undefined ? {} : { maxLength: schema.maxLength }),
    });
  }
  if (schema.type === 'string') {
    return fc
      .array(anyCharArb(carrier), {
        minLength: schema.minLength ?? 0,
        maxLength: schema.maxLength ?? Math.max(UNBOUNDED_TEXT, schema.minLength ?? 0),
      })
      .map((chars) => chars.join(''))
      .filter((value) => travelsIntact(carrier, value));
  }
  if (schema.type === 'object') return fc.dictionary(fc.string({ minLength: 1, maxLength: 10 }), jsonLeafArb, { maxKeys: 3 });
  throw new Error(`fieldValueArb: no values for schema ${JSON.stringify(schema)}`);
}
