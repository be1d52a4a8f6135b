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

/** Free text when the contract sets no bound: short, since nothing documents a longer one. */
const UNBOUNDED_TEXT = 24;

const jsonLeafArb = fc.oneof(fc.string({ maxLength: 12 }), fc.integer(), fc.boolean(), fc.constant(null));

/**
 * A value the field's contract schema accepts, derived from that schema alone: one of its enum values, a value of its
 * pattern (within its lengths), a string of its length from any script, a date-time for format date-time, a small
 * JSON object for type object. Date-shaped patterns get real past days (the value rules of a date of birth).
 */
export function fieldValueArb(schema: FieldSchema, carrier: Carrier = 'body'): fc.Arbitrary<unknown> {
  if (schema.enum) return fc.constantFrom(...schema.enum);
  if (schema.format === 'date-time') return dateTimeArb;
  if (schema.pattern !== undefined) {
    const pattern = parsePattern(schema.pattern);
    if (describesCalendarDay(pattern.regex)) return calendarDateArb.filter((day) => pattern.regex.test(day));
    return patternValueArb(pattern, { carrier, ...(schema.minLength === undefined ? {} : { minLength: schema.minLength }), ...(schema.maxLength === undefined ? {} : { maxLength: schema.maxLength }) });
  }
  if (schema.type === 'string') {
    return fc
      .array(anyCharArb(carrier), { minLength: schema.minLength ?? 0, maxLength: schema.maxLength ?? Math.max(UNBOUNDED_TEXT, schema.minLength ?? 0) })
      .map((chars) => chars.join(''))
      .filter((value) => travelsIntact(carrier, value));
  }
  if (schema.type === 'object') return fc.dictionary(fc.string({ minLength: 1, maxLength: 10 }), jsonLeafArb, { maxKeys: 3 });
  throw new Error(`fieldValueArb: no values for schema ${JSON.stringify(schema)}`);
}
