import fc from 'fast-check';
import { OUTSIDE_ASCII, OUTSIDE_OTHER } from './character-pools.js';
import { nearMissArb, type NearMiss } from './near-miss-arb.js';
import type { ItemField } from './notification-fields.js';
import { acceptedAnywhere, parsePattern } from './pattern-syntax.js';

const codePoints = (value: string): string[] => [...value];
const show = (char: string): string => JSON.stringify(char);

/** The value's own characters repeated to `length`: the same alphabet, so only the length changes. */
const resized = (value: string, length: number): string => {
  const chars = codePoints(value);
  return Array.from({ length }, (_, i) => chars[i % chars.length] ?? '').join('');
};

function lengthMisses(field: ItemField, documented: string): fc.Arbitrary<NearMiss>[] {
  const { maxLength } = field.schema;
  // One fewer than the minimum would be empty, which also breaks the pattern: only the longer miss is one step.
  return maxLength === undefined
    ? []
    : [
        fc.constant({
          value: resized(documented, maxLength + 1),
          step: `${maxLength + 1} characters, one more than the documented ${maxLength}`,
        }),
      ];
}

function patternMisses(field: ItemField, documented: string): fc.Arbitrary<NearMiss>[] {
  const pattern = parsePattern(field.schema.pattern ?? '');
  const outside = [...OUTSIDE_ASCII, ...OUTSIDE_OTHER].filter((c) => !acceptedAnywhere(pattern.root, c));
  if (outside.length === 0) throw new Error(`notificationNearMissArb: no character outside ${pattern.source}`);
  const chars = codePoints(documented);
  if (pattern.anchoredStart && pattern.anchoredEnd) {
    return [
      fc.tuple(fc.nat({ max: chars.length - 1 }), fc.constantFrom(...outside)).map(([index, char]) => ({
        value: chars.map((c, i) => (i === index ? char : c)).join(''),
        step: `${show(char)} at position ${index}, a character the pattern does not accept`,
      })),
    ];
  }
  // An unanchored pattern is satisfied by one allowed character anywhere: only a value with none breaks it.
  return [
    fc.array(fc.constantFrom(...outside), { minLength: chars.length, maxLength: chars.length }).map((replaced) => ({
      value: replaced.join(''),
      step: 'every character one the (unanchored) pattern does not accept',
    })),
  ];
}

const daysIn = (year: number, month: number): number => new Date(Date.UTC(year, month, 0)).getUTCDate();

/** A time of D1's form (2025-01-17T06:28:02.492Z) with one part broken. */
function dateTimeMisses(documented: string): fc.Arbitrary<NearMiss>[] {
  const [year = 0, month = 0] = documented.slice(0, 7).split('-').map(Number);
  const dayAfterLast = String(daysIn(year, month) + 1).padStart(2, '0');
  return [
    fc.constant({ value: documented.replace(/Z$/, ''), step: 'the time zone left out' }),
    fc.constant({ value: documented.replace(/T\d\d/, 'T24'), step: 'hour 24' }),
    fc.constant({
      value: `${documented.slice(0, 8)}${dayAfterLast}${documented.slice(10)}`,
      step: 'the day after the last day of the month',
    }),
    fc.constant({ value: documented.slice(0, 10), step: 'a date without its time' }),
  ];
}

/**
 * The documented value of an item field (in D1's form) moved one step outside the field's rule (`keyword`), and
 * nothing else changed: one character more than the maximum, one character the pattern refuses (every character, for
 * an unanchored pattern), a date-time with one part broken. Enum and type misses need no documented value.
 */
export function notificationNearMissArb(field: ItemField, keyword: string, documented: unknown): fc.Arbitrary<NearMiss> {
  if (keyword === 'enum' || keyword === 'type') return nearMissArb(field.schema, keyword, 'body');
  if (typeof documented !== 'string' || documented === '') {
    throw new Error(`notificationNearMissArb: ${field.name} needs a documented string value to break its ${keyword}`);
  }
  const misses =
    keyword === 'length'
      ? lengthMisses(field, documented)
      : keyword === 'pattern'
        ? patternMisses(field, documented)
        : keyword === 'format' && field.schema.format === 'date-time'
          ? dateTimeMisses(documented)
          : [];
  if (misses.length === 0) throw new Error(`notificationNearMissArb: no near miss for ${keyword} of ${field.name}`);
  return fc.oneof(...misses);
}
