import fc from 'fast-check';
import { OUTSIDE_OTHER, PRINTABLE_ASCII, type Carrier } from './character-pools.js';
import { letterArb } from './letter-arb.js';

const printableAsciiArb = fc.constantFrom(...PRINTABLE_ASCII);

/**
 * Any one character a carrier can hold, for fields the contract bounds only by length and for the text around an
 * unanchored pattern's match: printable ASCII in a header; anywhere else letters of every script and symbols too.
 */
export function anyCharArb(carrier: Carrier): fc.Arbitrary<string> {
  if (carrier === 'header') return printableAsciiArb;
  return fc.oneof(
    { withCrossShrink: true },
    { arbitrary: printableAsciiArb, weight: 4 },
    { arbitrary: letterArb, weight: 2 },
    { arbitrary: fc.constantFrom(...OUTSIDE_OTHER.filter((c) => c !== '\n')), weight: 1 },
  );
}
