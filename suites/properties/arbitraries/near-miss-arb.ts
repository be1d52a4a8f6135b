import fc from 'fast-check';
import { OUTSIDE_ASCII, OUTSIDE_OTHER, carries, travelsIntact, type Carrier } from './character-pools.js';
import { dateTimePartsArb, formatDateTime } from './date-time-parts-arb.js';
import { fieldValueArb, type FieldSchema, type ValueStyle } from './field-value-arb.js';
import { acceptedAnywhere, longestMatch, parsePattern } from './pattern-syntax.js';

/** A value one step outside the field's rule, and the step, in words, so that a counterexample explains itself. */
export interface NearMiss {
  readonly value: unknown;
  readonly step: string;
}

const codePoints = (value: string): string[] => [...value];
const show = (char: string): string => JSON.stringify(char);

/** The value's own characters repeated (or cut) to `length` characters: the same alphabet, one step longer or shorter. */
const resized = (value: string, length: number): string => {
  const chars = codePoints(value);
  return Array.from({ length }, (_, i) => chars[i % chars.length] ?? '').join('');
};

function validStrings(schema: FieldSchema, carrier: Carrier, style: ValueStyle): fc.Arbitrary<string> {
  return fieldValueArb(schema, carrier, style).filter((value): value is string => typeof value === 'string' && value.length > 0);
}

function lengthMisses(schema: FieldSchema, carrier: Carrier, style: ValueStyle): fc.Arbitrary<NearMiss>[] {
  const misses: fc.Arbitrary<NearMiss>[] = [];
  const valid = validStrings(schema, carrier, style);
  const { minLength, maxLength } = schema;
  if (maxLength !== undefined) {
    misses.push(
      valid.map((v) => ({
        value: resized(v, maxLength + 1),
        step: `${maxLength + 1} characters, one more than the documented ${maxLength}`,
      })),
    );
  }
  // An empty path segment or header never reaches the field's check, so the shorter value must keep one character.
  const shortest = carrier === 'path' || carrier === 'header' ? 1 : 0;
  if (minLength !== undefined && minLength - 1 >= shortest) {
    misses.push(
      valid.map((v) => ({
        value: resized(v, minLength - 1),
        step: `${minLength - 1} characters, one fewer than the documented ${minLength}`,
      })),
    );
  }
  return misses.map((miss) => miss.filter(({ value }) => typeof value === 'string' && travelsIntact(carrier, value)));
}

function patternMisses(schema: FieldSchema, carrier: Carrier, style: ValueStyle): fc.Arbitrary<NearMiss>[] {
  const pattern = parsePattern(schema.pattern ?? '');
  const outside = [...OUTSIDE_ASCII, ...OUTSIDE_OTHER].filter((c) => carries(carrier, c) && !acceptedAnywhere(pattern.root, c));
  if (outside.length === 0) throw new Error(`nearMissArb: no character outside ${pattern.source} travels in a ${carrier}`);
  const outsideArb = fc.constantFrom(...outside);
  const valid = validStrings(schema, carrier, style);
  const misses: fc.Arbitrary<NearMiss>[] = [];
  if (pattern.anchoredStart && pattern.anchoredEnd) {
    misses.push(
      fc.tuple(valid, fc.nat(), outsideArb).map(([v, at, char]) => {
        const chars = codePoints(v);
        const index = at % chars.length;
        chars[index] = char;
        return { value: chars.join(''), step: `${show(char)} at position ${index}, a character the pattern does not accept` };
      }),
    );
  } else {
    // An unanchored pattern is satisfied by one matching run anywhere: only a value with no allowed character breaks it.
    misses.push(
      valid.chain((v) =>
        fc.array(outsideArb, { minLength: codePoints(v).length, maxLength: codePoints(v).length }).map((chars) => ({
          value: chars.join(''),
          step: 'only characters the (unanchored) pattern does not accept',
        })),
      ),
    );
  }
  const longest = longestMatch(pattern.root);
  if (pattern.anchoredStart && pattern.anchoredEnd && longest !== undefined) {
    misses.push(
      valid.map((v) => ({ value: resized(v, longest + 1), step: `${longest + 1} characters, one more than the pattern allows` })),
    );
  }
  return misses.map((miss) =>
    miss.filter(({ value }) => typeof value === 'string' && !pattern.regex.test(value) && travelsIntact(carrier, value)),
  );
}

const flipCase = (char: string): string => (char === char.toUpperCase() ? char.toLowerCase() : char.toUpperCase());

function enumMisses(schema: FieldSchema): fc.Arbitrary<NearMiss>[] {
  const values = (schema.enum ?? []).filter((v): v is string => typeof v === 'string');
  const documented = new Set<unknown>(schema.enum ?? []);
  const wrongCase = fc.tuple(fc.constantFrom(...values), fc.nat(), fc.boolean()).map(([v, at, whole]) => {
    const cased = codePoints(v)
      .map((c, i) => [c, i] as const)
      .filter(([c]) => c.toLowerCase() !== c.toUpperCase());
    const target = cased[at % Math.max(1, cased.length)];
    const value =
      whole || !target
        ? v === v.toLowerCase()
          ? v.toUpperCase()
          : v.toLowerCase()
        : `${v.slice(0, target[1])}${flipCase(target[0])}${v.slice(target[1] + 1)}`;
    return { value, step: `${v} in the wrong case` };
  });
  const longer = fc.constantFrom(...values).map((v) => ({ value: `${v}${v.slice(-1)}`, step: `${v} with one character more` }));
  const hasCase = values.some((v) => v.toLowerCase() !== v.toUpperCase());
  return (hasCase ? [wrongCase, longer] : [longer]).map((miss) => miss.filter(({ value }) => !documented.has(value)));
}

function dateTimeMisses(): fc.Arbitrary<NearMiss>[] {
  return [
    dateTimePartsArb.map((p) => ({ value: formatDateTime({ ...p, zone: '' }), step: 'the time zone left out' })),
    dateTimePartsArb.map((p) => ({ value: formatDateTime(p).replace(/T\d\d/, 'T24'), step: 'hour 24' })),
    dateTimePartsArb.map((p) => ({
      value: formatDateTime({ ...p, day: new Date(Date.UTC(p.year, p.month, 0)).getUTCDate() + 1 }),
      step: 'the day after the last day of the month',
    })),
    dateTimePartsArb.map((p) => ({ value: formatDateTime(p).slice(0, 10), step: 'a date without its time' })),
  ];
}

function typeMisses(schema: FieldSchema): fc.Arbitrary<NearMiss>[] {
  const wrong: Record<string, unknown[]> = {
    object: ['text', 42, ['item']],
    string: [42, true, { value: 'x' }],
    array: ['text', { item: 1 }],
  };
  return [
    fc.constantFrom(...(wrong[schema.type ?? ''] ?? [])).map((value) => ({
      value,
      step: `a ${Array.isArray(value) ? 'array' : typeof value} where the contract says ${schema.type ?? '?'}`,
    })),
  ];
}

/**
 * A value one step outside the field's rule (`keyword` is the rule's keyword): one character too many or too few, one
 * character the class refuses (a value with no allowed character for an unanchored pattern), an enum value in the
 * wrong case, a date-time with one part broken, a value of the wrong type. Values stay in what the carrier can hold.
 * A realistic style starts from realistic valid values, so that a length is one step off however it is counted.
 */
export function nearMissArb(
  schema: FieldSchema,
  keyword: string,
  carrier: Carrier = 'body',
  style: ValueStyle = {},
): fc.Arbitrary<NearMiss> {
  const misses =
    keyword === 'length'
      ? lengthMisses(schema, carrier, style)
      : keyword === 'pattern'
        ? patternMisses(schema, carrier, style)
        : keyword === 'enum'
          ? enumMisses(schema)
          : keyword === 'format' && schema.format === 'date-time'
            ? dateTimeMisses()
            : keyword === 'type'
              ? typeMisses(schema)
              : [];
  if (misses.length === 0) throw new Error(`nearMissArb: no near miss for ${keyword} of ${JSON.stringify(schema)}`);
  return fc.oneof(...misses);
}
