import { ConfigurationError } from '../lib/config/errors.js';

/**
 * A legitimate variant: another choice the documents leave open, switched on by name. The suites must pass against
 * every one of them (specificity), as they must fail against every planted bug (sensitivity).
 */
export interface VariantDefinition {
  /** What the mock does differently, in a sentence. */
  readonly description: string;
  /** Why the documents allow that choice, in a line. */
  readonly allowedBy: string;
}

export type VariantTable = Readonly<Record<string, VariantDefinition>>;

/**
 * The switched-on variants of a mock, refusing names its table does not know (as an unknown fault is refused) and
 * choices that answer the same question two ways.
 */
export function variantSetOf<Name extends string>(
  table: Readonly<Record<Name, VariantDefinition>>,
  names: readonly string[],
  exclusiveGroups: readonly (readonly Name[])[] = [],
): ReadonlySet<Name> {
  const unknown = names.filter((name) => !Object.hasOwn(table, name));
  if (unknown.length > 0) {
    throw new ConfigurationError(`unknown variant ${unknown.join(', ')}; known variants: ${Object.keys(table).join(', ')}`);
  }
  const chosen = new Set(names as Name[]);
  for (const group of exclusiveGroups) {
    const both = group.filter((name) => chosen.has(name));
    if (both.length > 1) throw new ConfigurationError(`variants ${both.join(' and ')} exclude each other; choose one`);
  }
  return chosen;
}
