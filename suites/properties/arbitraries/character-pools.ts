/**
 * The characters the arbitraries draw from, and what each part of an HTTP request can carry. Letters come from many
 * scripts because the contracts' \p{L} means any script, and a target that only knows Latin must be caught.
 */

/** Where a value travels: a header cannot carry every character, a path segment cannot be `.` or `..`. */
export type Carrier = 'path' | 'query' | 'header' | 'body';

/** Letters (\p{L}) by script; checked below, so a typo here fails at load time rather than as a target bug. */
export const LETTERS_BY_SCRIPT: Readonly<Record<string, string>> = {
  'Latin with diacritics': 'éèêëàâäáãåçñøæœßğşıłźżčřšžőűāēīūÉÀÇÑØÅÆŒĞŞŁŽÞþðý',
  Greek: 'αβγδεζηθικλμνξοπρστυφχψωάέήίόύώΑΒΓΔΘΛΞΠΣΦΨΩ',
  Cyrillic: 'абвгдежзийклмнопрстуфхцчшщъыьэюяёАБВГДЖЗИЯЁЩ',
  Arabic: 'ابتثجحخدذرزسشصضطظعغفقكلمنهوي',
  Hebrew: 'אבגדהוזחטיכלמנסעפצקרשת',
  Devanagari: 'अआइईउऊएऐओऔकखगघचछजझटठडढणतथदधनपफबभमयरलवशषसह',
  CJK: '中文字漢語日本東京北京人山川林森',
  Kana: 'あいうえおかきくけこアイウエオカキクケコ',
  Hangul: '한국어글자가나다라마바사',
  Thai: 'กขคงจฉชซ',
  // Outside the Basic Multilingual Plane: one character, two UTF-16 units, which a length check must count once.
  'CJK extension B': '𠀋𠮷𡈽',
};

/** Numbers (\p{N}) beyond ASCII digits: Arabic-Indic, Devanagari, full-width, superscript, fraction, Roman numeral. */
export const NUMBERS = '0123456789٠١٢٣٤٥٦٧٨٩०१२३४५６７８９²³½Ⅻ';

/**
 * Characters that patterns commonly refuse, for "one character outside the class". ASCII first (a header can carry
 * them), then characters only a body or a path can carry.
 */
export const OUTSIDE_ASCII = [
  '<',
  '>',
  '@',
  '!',
  '\t',
  '"',
  '&',
  '%',
  '*',
  '=',
  '+',
  '?',
  '|',
  '{',
  '}',
  '~',
  '$',
  '\\',
  '`',
  '^',
  '[',
  ']',
  '(',
  ')',
  ',',
  ';',
  ':',
  '/',
  '#',
  "'",
  '.',
  ' ',
  '-',
  '_',
];
export const OUTSIDE_OTHER = ['\n', '😀', '€', '\u200B', '\u00A0', '\u0301', '©'];

/** Printable ASCII, letters and digits first: shrinking moves towards the first, so counterexamples stay readable. */
export const PRINTABLE_ASCII: readonly string[] = Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i)).sort(
  (a, b) => Number(!/[A-Za-z0-9]/.test(a)) - Number(!/[A-Za-z0-9]/.test(b)),
);

const chars = (text: string): string[] => [...text];

for (const [script, letters] of Object.entries(LETTERS_BY_SCRIPT)) {
  const wrong = chars(letters).filter((c) => !/^\p{L}$/u.test(c));
  if (wrong.length > 0) throw new Error(`character-pools: ${script} holds non-letters ${JSON.stringify(wrong)}`);
}
{
  const wrong = chars(NUMBERS).filter((c) => !/^\p{N}$/u.test(c));
  if (wrong.length > 0) throw new Error(`character-pools: NUMBERS holds non-numbers ${JSON.stringify(wrong)}`);
}

export const lettersOf = (script: string): string[] => chars(LETTERS_BY_SCRIPT[script] ?? '');
export const numberChars = (): string[] => chars(NUMBERS);

/** Characters a carrier can hold anywhere in a value. */
export function carries(carrier: Carrier, char: string): boolean {
  if (carrier !== 'header') return true;
  return char === '\t' || (char >= ' ' && char <= '~');
}

/** Whether the whole value arrives as sent: headers lose surrounding white space, `.` and `..` are no path segment. */
export function travelsIntact(carrier: Carrier, value: string): boolean {
  if (carrier === 'header') return value.length > 0 && [...value].every((c) => carries('header', c)) && !/^[ \t]|[ \t]$/.test(value);
  if (carrier === 'path') return value !== '' && value !== '.' && value !== '..';
  return true;
}
