import fc from 'fast-check';
import { hasForm } from '../../../lib/contracts/notification-form.js';

/** The start and end of an operation, as D1 dates them. */
export interface OperationTimes {
  readonly startTime: string;
  readonly endTime: string;
}

// Operations of D1's era: neither before its v2 notifications nor far in the future.
const EARLIEST = new Date('2020-01-01T00:00:00.000Z');
const LATEST = new Date('2035-12-31T23:59:59.999Z');
/** An operation ends within ten minutes of its start. */
const LONGEST_RUN_MS = 10 * 60 * 1000;

/**
 * Times in the form of D1's examples (2025-01-17T06:28:02.492Z: UTC, milliseconds), which fits both the RFC 3339
 * date-time of card notifications and D1's published timestamp expression; the end never comes before the start.
 */
export const notificationTimesArb: fc.Arbitrary<OperationTimes> = fc
  .tuple(fc.date({ min: EARLIEST, max: LATEST, noInvalidDate: true }), fc.integer({ min: 0, max: LONGEST_RUN_MS }))
  .map(([start, runMs]) => ({ startTime: start.toISOString(), endTime: new Date(start.getTime() + runMs).toISOString() }))
  .filter(({ startTime, endTime }) => hasForm('time', startTime) && hasForm('time', endTime));
