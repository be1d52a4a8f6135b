import type { FieldConstraint } from './contracts/registry.js';

type Schema = FieldConstraint['schema'];

/** A character the field's pattern accepts, taken from a known-good value when there is one. */
function allowedCharacter(schema: Schema, sample: unknown): string {
  const fromSample = typeof sample === 'string' ? [...sample].find((c) => /[A-Za-z0-9]/.test(c)) : undefined;
  if (fromSample) return fromSample;
  if (schema.pattern?.includes('a-z') && !schema.pattern.includes('A-Z')) return 'a';
  if (schema.pattern?.includes('0-9') && !/[A-Za-z]/.test(schema.pattern.replace(/\\[pPu][{]?[A-Za-z0-9]*[}]?/g, ''))) return '1';
  return 'A';
}

/**
 * Values that break the field's rule, nearest first: one character too many, one too few, one character outside the
 * class, the wrong case of an enum value, the wrong type. The caller keeps the first one the contract refuses under
 * the rule in question.
 */
export function nearMisses(field: FieldConstraint, sample: unknown): unknown[] {
  const { schema } = field;
  const fill = allowedCharacter(schema, sample);
  const base = typeof sample === 'string' && sample.length > 0 ? sample : fill;
  switch (field.keyword) {
    case 'length': {
      const values: unknown[] = [];
      if (schema.maxLength !== undefined) values.push(fill.repeat(schema.maxLength + 1));
      if (schema.minLength !== undefined && schema.minLength > 0) values.push(fill.repeat(schema.minLength - 1));
      return values;
    }
    case 'pattern':
      return [
        `${base} x`.slice(-Math.max(2, base.length)),
        `${base.slice(0, -1)}.`,
        `${base.slice(0, -1)}<`,
        `${base.slice(0, -1)}@`,
        `${base.slice(0, -1)}é`,
        '!',
        '<>',
        '',
        '--!!--',
      ];
    case 'enum': {
      const first = typeof schema.enum?.[0] === 'string' ? schema.enum[0] : 'VALUE';
      return [first.toLowerCase(), `${first}_X`, 'NOT_A_DOCUMENTED_VALUE', ''];
    }
    case 'type':
      return schema.type === 'string'
        ? [42, true, { value: base }]
        : schema.type === 'array'
          ? ['not an array', { item: 1 }]
          : ['not an object', 42];
    case 'format':
      return schema.format === 'email' ? ['no-at-sign', 'a@'] : ['not-a-date', '2025-13-45T99:00:00Z'];
    case 'items':
      return schema.maxItems !== undefined ? [Array.from({ length: schema.maxItems + 1 }, () => ({}))] : [];
    default:
      return [];
  }
}
