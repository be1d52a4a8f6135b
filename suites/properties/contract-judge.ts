/**
 * The contract's own judgement of what the arbitraries made, before anything is sent: a generated value the
 * generated validators refuse (or a near miss they accept) is a bug of the suite, reported as such, never a finding
 * about the target.
 */
import type { OperationId } from '../../gen/operations.js';
import type { RequestParts } from '../../fixtures/requests.js';
import { formatViolations, validateRequest } from '../../lib/validation/index.js';

export class GeneratorBug extends Error {
  override readonly name = 'GeneratorBug';
}

/** The request breaks no rule of the operation's contract. */
export function contractAccepts(operationId: OperationId, request: Partial<RequestParts>, what: string): void {
  const violations = validateRequest(operationId, request);
  if (violations.length > 0) {
    throw new GeneratorBug(
      `the suite generated ${what}, which the contract refuses; this is a bug of the arbitraries, not of the target\n` +
        formatViolations(violations),
    );
  }
}

/**
 * The request breaks the rule, by the contract's own validators, and breaks nothing else but other constraints of
 * the same field (one character too many can break a field's length and its pattern at once).
 */
export function contractRefusesUnder(operationId: OperationId, ruleId: string, request: Partial<RequestParts>, what: string): void {
  const violations = validateRequest(operationId, request);
  const broken = violations.find((v) => v.ruleId === ruleId);
  if (!broken) {
    throw new GeneratorBug(
      `the suite generated ${what} to break ${ruleId}, but the contract does not refuse it under that rule; ` +
        `this is a bug of the arbitraries\n${formatViolations(violations)}`,
    );
  }
  const elsewhere = violations.filter((v) => v.part !== broken.part || v.pointer !== broken.pointer);
  if (elsewhere.length > 0) {
    throw new GeneratorBug(
      `the suite generated ${what} to break ${ruleId} alone, but it breaks other fields too\n${formatViolations(elsewhere)}`,
    );
  }
}
