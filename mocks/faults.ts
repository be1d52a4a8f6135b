import type { RuleId } from '../gen/catalogue.js';
import { ConfigurationError } from '../lib/config/errors.js';

/**
 * A planted bug: switched on by name, it makes a mock break exactly one catalogue rule, so that the suites can be
 * shown to catch it. Each mock keeps its faults in one table (`mocks/<party>/faults.ts`).
 */
export interface FaultDefinition {
  /** The catalogue rule the fault breaks. */
  readonly rule: RuleId;
  /** What the mock does wrong, in a sentence. */
  readonly description: string;
}

export type FaultTable = Readonly<Record<string, FaultDefinition>>;

/** The set of switched-on faults, refusing names the table does not know. */
export function faultSet<T extends FaultTable>(table: T, names: readonly string[]): ReadonlySet<keyof T & string> {
  const unknown = names.filter((name) => !Object.hasOwn(table, name));
  if (unknown.length > 0) {
    throw new ConfigurationError(`unknown fault ${unknown.join(', ')}; known faults: ${Object.keys(table).join(', ')}`);
  }
  return new Set(names as (keyof T & string)[]);
}
