import fc from 'fast-check';
import { numberChars } from './character-pools.js';

/** One number character (\p{N}): ASCII digits first, then digits and numbers of other scripts. */
export const numberCharArb: fc.Arbitrary<string> = fc.oneof(
  { withCrossShrink: true },
  { arbitrary: fc.constantFrom(...'0123456789'), weight: 3 },
  { arbitrary: fc.constantFrom(...numberChars()), weight: 1 },
);
