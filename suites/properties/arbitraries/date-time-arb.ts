import type fc from 'fast-check';
import { dateTimePartsArb, formatDateTime } from './date-time-parts-arb.js';

/** An RFC 3339 date-time (format date-time): a real calendar day, a time of day, an optional fraction, Z or an offset. */
export const dateTimeArb: fc.Arbitrary<string> = dateTimePartsArb.map(formatDateTime);
