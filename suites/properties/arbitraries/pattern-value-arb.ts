import fc from 'fast-check';
import { travelsIntact, type Carrier } from './character-pools.js';
import { anyCharArb } from './any-char-arb.js';
import { classCharArb } from './class-char-arb.js';
import type { ContractPattern, PatternNode } from './pattern-syntax.js';

/** How many extra repetitions an unbounded quantifier (+, *) gets at most. */
const UNBOUNDED_EXTRA = 6;

const codePoints = (value: string): string[] => [...value];

function nodeArb(node: PatternNode, carrier: Carrier): fc.Arbitrary<string> {
  switch (node.kind) {
    case 'literal':
      return fc.constant(node.char);
    case 'class':
      return classCharArb(node, carrier);
    case 'sequence':
      return fc.tuple(...node.items.map((item) => nodeArb(item, carrier))).map((parts) => parts.join(''));
    case 'alternation':
      return fc.oneof(...node.options.map((option) => nodeArb(option, carrier)));
    case 'repeat':
      return fc
        .array(nodeArb(node.node, carrier), { minLength: node.min, maxLength: node.max ?? node.min + UNBOUNDED_EXTRA })
        .map((parts) => parts.join(''));
  }
}

export interface PatternValueConstraints {
  readonly carrier: Carrier;
  /** The schema's own bounds, counted in characters (code points) as the validators count them. */
  readonly minLength?: number;
  readonly maxLength?: number;
}

/**
 * A value the contract pattern accepts, within the schema's length bounds. An unanchored pattern only needs a match
 * somewhere, so the match is wrapped in arbitrary text (cut to the maximum length): that is what such a pattern
 * documents, and what a target that silently anchors it would refuse.
 */
export function patternValueArb(pattern: ContractPattern, constraints: PatternValueConstraints): fc.Arbitrary<string> {
  const { carrier, minLength = 0, maxLength } = constraints;
  const core = nodeArb(pattern.root, carrier);
  const filler = (anchored: boolean): fc.Arbitrary<string> =>
    anchored ? fc.constant('') : fc.array(anyCharArb(carrier), { maxLength: 8 }).map((parts) => parts.join(''));
  return fc
    .tuple(filler(pattern.anchoredStart), core, filler(pattern.anchoredEnd))
    .map(([prefix, match, suffix]) => {
      const room = (maxLength ?? Number.POSITIVE_INFINITY) - codePoints(match).length;
      const before = codePoints(prefix).slice(0, Math.max(0, Math.ceil(room / 2)));
      const after = codePoints(suffix).slice(0, Math.max(0, room - before.length));
      return `${before.join('')}${match}${after.join('')}`;
    })
    .filter((value) => {
      const length = codePoints(value).length;
      return length >= minLength && (maxLength === undefined || length <= maxLength) && travelsIntact(carrier, value);
    });
}
