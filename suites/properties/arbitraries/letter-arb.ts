import fc from 'fast-check';
import { LETTERS_BY_SCRIPT, lettersOf } from './character-pools.js';

const ASCII_LETTERS = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'];

/**
 * One letter (\p{L}) of any script: mostly ASCII, which shrinks best, and every script of the pools in turn, so that
 * a name pattern's "letters of any script" is tried with Greek, Cyrillic, Arabic, Hebrew, Devanagari, CJK, Hangul...
 */
export const letterArb: fc.Arbitrary<string> = fc.oneof(
  // Shrinking moves towards the first entry, ASCII, so that a counterexample reads as plainly as it can.
  { withCrossShrink: true },
  { arbitrary: fc.constantFrom(...ASCII_LETTERS), weight: 4 },
  ...Object.keys(LETTERS_BY_SCRIPT).map((script) => ({ arbitrary: fc.constantFrom(...lettersOf(script)), weight: 1 })),
);
