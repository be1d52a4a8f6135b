import type { RuleViolation } from './rule-violation.js';

// Bounded so that a property run throwing violations in a loop cannot grow it without end.
const LIMIT = 200;
const recent: RuleViolation[] = [];

/**
 * The rule violations raised in this process since the last clear, so that a failed test's report can show them as
 * a table (a test failure carries only their message).
 */
export const recentViolations = {
  record(violation: RuleViolation): void {
    if (recent.length >= LIMIT) recent.shift();
    recent.push(violation);
  },
  list(): readonly RuleViolation[] {
    return [...recent];
  },
  clear(): void {
    recent.length = 0;
  },
};
