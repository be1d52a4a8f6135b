import fc from 'fast-check';

const two = (n: number): string => String(n).padStart(2, '0');
const daysIn = (year: number, month: number): number => new Date(Date.UTC(year, month, 0)).getUTCDate();

/** The parts of an RFC 3339 date-time, kept apart so that a near miss can break exactly one of them. */
export interface DateTimeParts {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  /** '' or '.' and 1 to 6 digits */
  readonly fraction: string;
  /** 'Z' or an offset such as +05:30 */
  readonly zone: string;
}

export const formatDateTime = (p: DateTimeParts): string =>
  `${p.year}-${two(p.month)}-${two(p.day)}T${two(p.hour)}:${two(p.minute)}:${two(p.second)}${p.fraction}${p.zone}`;

const zoneArb = fc.oneof(
  { arbitrary: fc.constant('Z'), weight: 3 },
  {
    arbitrary: fc
      .tuple(fc.constantFrom('+', '-'), fc.integer({ min: 0, max: 14 }), fc.constantFrom(0, 15, 30, 45))
      .map(([sign, h, m]) => `${sign}${two(h)}:${two(m)}`),
    weight: 1,
  },
);

/** The parts of a date and time with offset, each within its calendar range (days by month, leap years included). */
export const dateTimePartsArb: fc.Arbitrary<DateTimeParts> = fc
  .record({
    year: fc.integer({ min: 1970, max: 2099 }),
    month: fc.integer({ min: 1, max: 12 }),
    dayIndex: fc.nat(),
    hour: fc.integer({ min: 0, max: 23 }),
    minute: fc.integer({ min: 0, max: 59 }),
    second: fc.integer({ min: 0, max: 59 }),
    fraction: fc.oneof(
      fc.constant(''),
      fc.array(fc.constantFrom(...'0123456789'), { minLength: 1, maxLength: 6 }).map((digits) => `.${digits.join('')}`),
    ),
    zone: zoneArb,
  })
  .map(({ dayIndex, ...rest }) => ({ ...rest, day: 1 + (dayIndex % daysIn(rest.year, rest.month)) }));
