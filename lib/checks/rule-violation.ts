import type { RuleId } from '../../gen/catalogue.js';
import type { Provenance } from '../catalogue/load.js';
import { formatViolations, type Violation } from '../validation/index.js';
import { REDACTED, isSensitiveKey, redactText } from '../redaction.js';
import { ruleStanding, type RuleFailure } from './rule-failure.js';
import { recentViolations } from './violation-log.js';

/**
 * A check that failed: which rule, where, what the documents say and what the target did. Its message is the
 * report's failure text, so it states documented against received first.
 */
export class RuleViolation extends Error {
  override readonly name = 'RuleViolation';
  readonly provenance: Provenance;
  readonly security: boolean;
  readonly contradicts: string | undefined;

  readonly received: string;
  readonly violations: readonly Violation[];

  constructor(
    /** Undefined only for a contract departure no rule names; `operationId` then says where it is charged. */
    readonly ruleId: RuleId | undefined,
    readonly pointer: string,
    readonly documented: string,
    received: string,
    violations: readonly Violation[] = [],
    readonly operationId?: string,
  ) {
    // What a target sent can hold tokens or personal data; a failure message is written to reports.
    const safeReceived = safeValue(pointer, received);
    const safeViolations = violations.map((v) => ({ ...v, received: safeValue(v.pointer, v.received) }));
    received = safeReceived;
    violations = safeViolations;
    const { provenance, security, contradicts } = ruleStanding(ruleId);
    const standing = security
      ? ' (security rule)'
      : provenance === 'inferred'
        ? ' (inferred rule)'
        : contradicts
          ? ' (documentation quirk)'
          : '';
    super(
      `${ruleId ?? `${operationId ?? ''} contract departure`}${standing} at ${pointer || '/'}\n` +
        `  documented: ${documented}\n` +
        `  received:   ${received}` +
        (contradicts ? `\n  a warning: the documents depart here from ${contradicts}` : '') +
        (violations.length > 0 ? `\n${formatViolations(violations)}` : ''),
    );
    this.provenance = provenance;
    this.security = security;
    this.contradicts = contradicts;
    this.received = safeReceived;
    this.violations = safeViolations;
    recentViolations.record(this);
  }

  /** The failure as data, for the reporters. */
  toFailure(): RuleFailure {
    return {
      ruleId: this.ruleId,
      operationId: this.operationId,
      provenance: this.provenance,
      security: this.security,
      ...(this.contradicts ? { contradicts: this.contradicts } : {}),
      pointer: this.pointer,
      documented: this.documented,
      received: this.received,
    };
  }
}

/** A contract violation seen under a rule the running test does not stand for, as data, redacted like a failure. */
export function departureOf(violation: Violation): RuleFailure {
  return {
    ruleId: violation.ruleId,
    operationId: violation.operationId,
    ...ruleStanding(violation.ruleId),
    pointer: `${violation.part} ${violation.pointer}`,
    documented: violation.documented,
    received: safeValue(violation.pointer, violation.received),
  };
}

/** A received value as it may be shown: masked when its field holds personal data, secrets replaced wherever they are. */
function safeValue(pointer: string, received: string): string {
  const field = pointer.split(/[/ ]/).filter(Boolean).pop() ?? '';
  return isSensitiveKey(field) && received !== 'absent' ? REDACTED : redactText(received);
}
