import fc from 'fast-check';
import { PRINTABLE_ASCII, type Carrier } from './character-pools.js';
import { letterArb } from './letter-arb.js';
import { numberCharArb } from './number-char-arb.js';
import type { ClassItem, PatternNode } from './pattern-syntax.js';

type ClassNode = Extract<PatternNode, { kind: 'class' }>;

const SURROGATES = { from: 0xd800, to: 0xdfff };

function itemArb(item: ClassItem): fc.WeightedArbitrary<string> {
  if (item.kind === 'property') return item.name === 'L' ? { arbitrary: letterArb, weight: 4 } : { arbitrary: numberCharArb, weight: 1 };
  if (item.from <= SURROGATES.to && item.to >= SURROGATES.from) throw new Error(`class range ${item.from}-${item.to} covers surrogates`);
  const arbitrary = fc.integer({ min: item.from, max: item.to }).map((cp) => String.fromCodePoint(cp));
  // Ranges weigh by kind: a single punctuation character should not crowd out the letters.
  return { arbitrary, weight: item.from === item.to ? 1 : item.to <= 0x7e ? 3 : 2 };
}

/**
 * One character a contract character class accepts. In a header only the printable ASCII characters of the class
 * are drawn, since nothing else travels there; elsewhere every member of the class has its turn, \p{L} with letters
 * of many scripts and \p{N} with numbers of several.
 */
export function classCharArb(node: ClassNode, carrier: Carrier): fc.Arbitrary<string> {
  if (carrier === 'header') {
    const members = PRINTABLE_ASCII.filter((c) => node.test.test(c));
    if (members.length === 0) throw new Error(`class ${node.source} has no printable ASCII member for a header`);
    return fc.constantFrom(...members);
  }
  // Shrinking moves towards the class's first member (letters, for the name classes), the plainest counterexample.
  return fc.oneof({ withCrossShrink: true }, ...node.items.map(itemArb));
}
