/**
 * The contracts' `pattern` strings read into a small tree, so that values can be drawn from them and broken by one
 * step without restating any pattern by hand. Only the syntax the contracts use is understood (anchors at the ends,
 * literals, escapes, character classes with ranges, \d, \p{L}, \p{N}, \uXXXX, groups with alternatives, and the
 * quantifiers {n}, {m,n}, {m,}, ?, *, +); anything else is refused loudly, so a new contract pattern cannot be
 * generated wrongly in silence.
 */

export type ClassItem =
  { readonly kind: 'range'; readonly from: number; readonly to: number } | { readonly kind: 'property'; readonly name: 'L' | 'N' };

export type PatternNode =
  | { readonly kind: 'literal'; readonly char: string }
  | { readonly kind: 'class'; readonly source: string; readonly items: readonly ClassItem[]; readonly test: RegExp }
  | { readonly kind: 'sequence'; readonly items: readonly PatternNode[] }
  | { readonly kind: 'alternation'; readonly options: readonly PatternNode[] }
  | { readonly kind: 'repeat'; readonly node: PatternNode; readonly min: number; readonly max: number | undefined };

export interface ContractPattern {
  readonly source: string;
  /** The pattern as the generated validators compile it (unicode flag). */
  readonly regex: RegExp;
  readonly anchoredStart: boolean;
  readonly anchoredEnd: boolean;
  readonly root: PatternNode;
}

class PatternSyntaxError extends Error {
  constructor(source: string, at: number, what: string) {
    super(`pattern ${source}: ${what} at ${at}; the property arbitraries do not understand it yet`);
  }
}

const SINGLE_ESCAPES = new Set([
  '.',
  '-',
  '/',
  '\\',
  '+',
  '*',
  '?',
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
  '|',
  '^',
  '$',
  ' ',
  ',',
  ':',
  "'",
  '#',
  '_',
  ';',
]);

class Reader {
  private at = 0;
  constructor(private readonly source: string) {}

  get done(): boolean {
    return this.at >= this.source.length;
  }
  peek(offset = 0): string | undefined {
    return this.source[this.at + offset];
  }
  next(): string {
    const char = this.source[this.at];
    if (char === undefined) this.fail('unexpected end');
    this.at += 1;
    return char;
  }
  expect(char: string): void {
    if (this.next() !== char) this.fail(`expected ${char}`);
  }
  fail(what: string): never {
    throw new PatternSyntaxError(this.source, this.at, what);
  }
  /** The text from `start` to here: the class source, for the class's own test expression. */
  slice(start: number): string {
    return this.source.slice(start, this.at);
  }
  get position(): number {
    return this.at;
  }

  readHex(length: number): number {
    let hex = '';
    for (let i = 0; i < length; i += 1) hex += this.next();
    if (!/^[0-9A-Fa-f]+$/.test(hex)) this.fail(`bad hex escape ${hex}`);
    return Number.parseInt(hex, 16);
  }

  readProperty(): 'L' | 'N' {
    this.expect('{');
    let name = '';
    while (this.peek() !== '}') name += this.next();
    this.expect('}');
    if (name !== 'L' && name !== 'N') this.fail(`unicode property ${name}`);
    return name;
  }
}

const codePoint = (char: string): number => char.codePointAt(0) ?? 0;

function parseClass(reader: Reader): PatternNode {
  const start = reader.position;
  reader.expect('[');
  if (reader.peek() === '^') reader.fail('negated class');
  const items: ClassItem[] = [];
  // One class member: a code point, or a property/shorthand that cannot start a range.
  const member = (): number | ClassItem => {
    const char = reader.next();
    if (char !== '\\') return codePoint(char);
    const escaped = reader.next();
    if (escaped === 'p') return { kind: 'property', name: reader.readProperty() };
    if (escaped === 'd') return { kind: 'range', from: 0x30, to: 0x39 };
    if (escaped === 'u') return reader.readHex(4);
    if (escaped === 't') return 0x09;
    if (SINGLE_ESCAPES.has(escaped)) return codePoint(escaped);
    return reader.fail(`escape \\${escaped} in a class`);
  };
  while (reader.peek() !== ']') {
    const first = member();
    if (typeof first !== 'number') {
      items.push(first);
      continue;
    }
    if (reader.peek() === '-' && reader.peek(1) !== ']') {
      reader.next();
      const last = member();
      if (typeof last !== 'number' || last < first) reader.fail('bad range');
      items.push({ kind: 'range', from: first, to: last });
    } else items.push({ kind: 'range', from: first, to: first });
  }
  reader.expect(']');
  const source = reader.slice(start);
  return { kind: 'class', source, items, test: new RegExp(`^${source}$`, 'u') };
}

function parseAtom(reader: Reader): PatternNode {
  if (reader.peek() === '[') return parseClass(reader);
  const char = reader.next();
  if (char === '(') {
    if (reader.peek() === '?') reader.fail('group modifier');
    const inner = parseAlternation(reader);
    reader.expect(')');
    return inner;
  }
  if (char === '\\') {
    const escaped = reader.next();
    if (escaped === 'd') return { kind: 'class', source: '\\d', items: [{ kind: 'range', from: 0x30, to: 0x39 }], test: /^\d$/u };
    if (escaped === 'p') {
      const name = reader.readProperty();
      return { kind: 'class', source: `\\p{${name}}`, items: [{ kind: 'property', name }], test: new RegExp(`^\\p{${name}}$`, 'u') };
    }
    if (escaped === 'u') return { kind: 'literal', char: String.fromCodePoint(reader.readHex(4)) };
    if (SINGLE_ESCAPES.has(escaped)) return { kind: 'literal', char: escaped };
    return reader.fail(`escape \\${escaped}`);
  }
  if ('^$.*+?{}|)]'.includes(char)) return reader.fail(`unsupported ${char}`);
  return { kind: 'literal', char };
}

function parseQuantified(reader: Reader): PatternNode {
  const node = parseAtom(reader);
  const next = reader.peek();
  if (next === '?') return (reader.next(), { kind: 'repeat', node, min: 0, max: 1 });
  if (next === '*') return (reader.next(), { kind: 'repeat', node, min: 0, max: undefined });
  if (next === '+') return (reader.next(), { kind: 'repeat', node, min: 1, max: undefined });
  if (next !== '{') return node;
  reader.next();
  let text = '';
  while (reader.peek() !== '}') text += reader.next();
  reader.expect('}');
  const bounds = /^(\d+)(,(\d*))?$/.exec(text);
  if (!bounds) return reader.fail(`quantifier {${text}}`);
  const min = Number(bounds[1]);
  const max = bounds[2] === undefined ? min : bounds[3] === '' ? undefined : Number(bounds[3]);
  return { kind: 'repeat', node, min, max };
}

function parseSequence(reader: Reader, endsAt: (char: string | undefined) => boolean): PatternNode {
  const items: PatternNode[] = [];
  while (!endsAt(reader.peek())) items.push(parseQuantified(reader));
  return items.length === 1 && items[0] ? items[0] : { kind: 'sequence', items };
}

function parseAlternation(reader: Reader, topLevel = false): PatternNode {
  const stop = (char: string | undefined): boolean =>
    char === undefined || char === '|' || char === ')' || (topLevel && char === '$' && reader.peek(1) === undefined);
  const options = [parseSequence(reader, stop)];
  while (reader.peek() === '|') {
    reader.next();
    options.push(parseSequence(reader, stop));
  }
  return options.length === 1 && options[0] ? options[0] : { kind: 'alternation', options };
}

const cache = new Map<string, ContractPattern>();

/** Reads a contract pattern; the same source always gives the same (cached) tree. */
export function parsePattern(source: string): ContractPattern {
  const known = cache.get(source);
  if (known) return known;
  const reader = new Reader(source);
  const anchoredStart = reader.peek() === '^';
  if (anchoredStart) reader.next();
  const root = parseAlternation(reader, true);
  const anchoredEnd = reader.peek() === '$';
  if (anchoredEnd) reader.next();
  if (!reader.done) reader.fail('trailing text');
  const parsed = { source, regex: new RegExp(source, 'u'), anchoredStart, anchoredEnd, root };
  cache.set(source, parsed);
  return parsed;
}

/** Whether some literal or class of the pattern accepts the character: a character none accepts breaks any match. */
export function acceptedAnywhere(node: PatternNode, char: string): boolean {
  switch (node.kind) {
    case 'literal':
      return node.char === char;
    case 'class':
      return node.test.test(char);
    case 'sequence':
      return node.items.some((item) => acceptedAnywhere(item, char));
    case 'alternation':
      return node.options.some((option) => acceptedAnywhere(option, char));
    case 'repeat':
      return acceptedAnywhere(node.node, char);
  }
}

/** The most characters a match can hold, or undefined when a quantifier is unbounded. */
export function longestMatch(node: PatternNode): number | undefined {
  switch (node.kind) {
    case 'literal':
    case 'class':
      return 1;
    case 'sequence':
      return node.items.reduce<number | undefined>((sum, item) => {
        const longest = longestMatch(item);
        return sum === undefined || longest === undefined ? undefined : sum + longest;
      }, 0);
    case 'alternation':
      return node.options.reduce<number | undefined>((max, option) => {
        const longest = longestMatch(option);
        return max === undefined || longest === undefined ? undefined : Math.max(max, longest);
      }, 0);
    case 'repeat': {
      const inner = longestMatch(node.node);
      return inner === undefined || node.max === undefined ? undefined : inner * node.max;
    }
  }
}
