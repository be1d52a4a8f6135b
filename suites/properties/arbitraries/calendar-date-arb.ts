import fc from 'fast-check';

const DAY_MS = 86_400_000;

/**
 * A past calendar day as YYYY-MM-DD. A date of birth in the documented format must also be a day that exists and
 * is not in the future (CONSUMER-REGISTER-ERROR-VALUE), so values of date-shaped patterns are drawn from real days.
 */
export const calendarDateArb: fc.Arbitrary<string> = fc
  .date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date(Date.now() - 2 * DAY_MS), noInvalidDate: true })
  .map((day) => day.toISOString().slice(0, 10));

/**
 * Whether a pattern describes a calendar day: it takes an ordinary day and refuses a thirteenth month, judged by the
 * pattern itself rather than by comparing its text with a copy.
 */
export const describesCalendarDay = (regex: RegExp): boolean =>
  regex.test('1999-12-31') && regex.test('2000-02-29') && !regex.test('1999-13-01') && !regex.test('1999-12-31T00:00:00Z');
