import { rules } from '../../gen/catalogue.js';
import type { Provenance } from '../catalogue/load.js';
import { formatViolations, type Violation } from '../validation/index.js';

const provenanceOf = new Map<string, Provenance>(rules.map((r) => [r.id, r.provenance]));

/**
 * A check that failed: which rule, where, what the documents say and what the target did. Its message is the
 * report's failure text, so it states documented against received first.
 */
export class RuleViolation extends Error {
  override readonly name = 'RuleViolation';
  readonly provenance: Provenance;

  constructor(
    readonly ruleId: string,
    readonly pointer: string,
    readonly documented: string,
    readonly received: string,
    readonly violations: readonly Violation[] = [],
  ) {
    const provenance = provenanceOf.get(ruleId) ?? 'documented';
    super(
      `${ruleId}${provenance === 'inferred' ? ' (inferred rule)' : ''} at ${pointer || '/'}\n` +
        `  documented: ${documented}\n` +
        `  received:   ${received}` +
        (violations.length > 0 ? `\n${formatViolations(violations)}` : ''),
    );
    this.provenance = provenance;
  }
}
